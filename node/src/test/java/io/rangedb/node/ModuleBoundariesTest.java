package io.rangedb.node;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The dependency table of DESIGN.md, checked on the compiled classes of every module. Maven's
 * enforcer stops a forbidden module dependency in a pom; this stops a forbidden import that rides
 * in transitively (for example raft code touching protobuf, or SQL code touching RocksDB).
 */
class ModuleBoundariesTest {

  private static JavaClasses rangedb;

  @BeforeAll
  static void importClasses() {
    rangedb =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.rangedb");
  }

  /** module package, then the packages it must never use. */
  static Stream<Arguments> forbiddenDependencies() {
    String raft = "io.rangedb.raft..";
    String txn = "io.rangedb.txn..";
    String store = "io.rangedb.rangestore..";
    String sql = "io.rangedb.sql..";
    String jdbc = "io.rangedb.jdbc..";
    String shell = "io.rangedb.shell..";
    String workload = "io.rangedb.workload..";
    String node = "io.rangedb.node..";
    String wire = "io.rangedb.wire..";
    String rocks = "org.rocksdb..";
    String calcite = "org.apache.calcite..";
    return Stream.of(
        Arguments.of(wire, new String[] {raft, txn, store, sql, jdbc, shell, workload, node}),
        Arguments.of(txn, new String[] {raft, store, sql, jdbc, shell, workload, node, rocks}),
        Arguments.of(txn, new String[] {calcite}),
        Arguments.of(store, new String[] {sql, jdbc, shell, workload, node, calcite}),
        Arguments.of(sql, new String[] {raft, store, jdbc, shell, workload, node, rocks}),
        Arguments.of(jdbc, new String[] {raft, txn, store, sql, shell, workload, node, rocks}),
        Arguments.of(shell, new String[] {wire, raft, txn, store, sql, workload, node, rocks}),
        Arguments.of(workload, new String[] {wire, raft, txn, store, sql, jdbc, shell, node}),
        Arguments.of(
            workload, new String[] {rocks, calcite, "io.grpc..", "com.google.protobuf.."}));
  }

  @ParameterizedTest(name = "{0} must not use {1}")
  @MethodSource("forbiddenDependencies")
  void dependencyArrowsPointDown(String module, String[] forbidden) {
    noClasses()
        .that()
        .resideInAPackage(module)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(forbidden)
        .because("DESIGN.md: dependency arrows point down; offer an interface below instead")
        .allowEmptyShould(true)
        .check(rangedb);
  }

  @Test
  void raftUsesOnlyTheJdk() {
    classes()
        .that()
        .resideInAPackage("io.rangedb.raft..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("java..", "io.rangedb.raft..")
        .because("DESIGN.md: the consensus library is JDK only")
        .allowEmptyShould(true)
        .check(rangedb);
  }
}
