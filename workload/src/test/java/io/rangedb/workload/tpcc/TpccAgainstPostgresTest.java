package io.rangedb.workload.tpcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.workload.WorkloadCommand;
import io.rangedb.workload.testing.LocalPostgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The whole tool against a real PostgreSQL on loopback, through the same command line users type:
 * init one warehouse, run the mix for a few seconds, check consistency. The tests share one loaded
 * database and run in order, because loading is the slow part.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TpccAgainstPostgresTest {

  private Path dir;

  private LocalPostgres postgres;

  /** What a command printed and returned. */
  private record Run(int exitCode, String out, String err) {}

  @BeforeAll
  void startPostgres(@TempDir Path dir) throws Exception {
    this.dir = dir;
    postgres = LocalPostgres.start(dir);
  }

  @AfterAll
  void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  private Run workload(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new WorkloadCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", postgres.jdbcUrl(), "--user", postgres.user()));
    int code = cli.execute(all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  private long queryLong(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private void execute(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), "");
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** Every condition line of a check, asserted to be PASS (or SKIP for condition 11). */
  private static void assertAllPass(Run check) {
    assertEquals(0, check.exitCode(), check.out() + check.err());
    assertFalse(check.out().contains("FAIL"), check.out());
    assertTrue(check.out().contains("consistency: PASS"), check.out());
    for (int n = 1; n <= 12; n++) {
      assertTrue(
          check.out().contains(String.format("condition %2d:", n)),
          "condition " + n + " missing:\n" + check.out());
    }
  }

  private static long committed(String json, String name) {
    Matcher m = Pattern.compile("\\{\"name\":\"" + name + "\",\"committed\":(\\d+),").matcher(json);
    assertTrue(m.find(), name + " missing in " + json);
    return Long.parseLong(m.group(1));
  }

  @Test
  @Order(1)
  void initLoadsTheSpecsPopulation() throws Exception {
    Run init = workload("tpcc", "init", "--warehouses", "1", "--loaders", "2");
    assertEquals(0, init.exitCode(), init.out() + init.err());
    assertTrue(init.out().contains("loaded 1 warehouse(s)"), init.out());
    assertTrue(init.out().contains("100% "), "progress bar reaches the end: " + init.out());

    assertEquals(1, queryLong("SELECT COUNT(*) FROM warehouse"));
    assertEquals(10, queryLong("SELECT COUNT(*) FROM district"));
    assertEquals(100_000, queryLong("SELECT COUNT(*) FROM item"));
    assertEquals(100_000, queryLong("SELECT COUNT(*) FROM stock"));
    assertEquals(30_000, queryLong("SELECT COUNT(*) FROM customer"));
    assertEquals(30_000, queryLong("SELECT COUNT(*) FROM history"));
    assertEquals(30_000, queryLong("SELECT COUNT(*) FROM orders"));
    assertEquals(9_000, queryLong("SELECT COUNT(*) FROM new_order"));
    long lines = queryLong("SELECT COUNT(*) FROM order_line");
    assertTrue(lines >= 150_000 && lines <= 450_000, "order lines " + lines);
    // The first 1000 customers of a district carry each of the 1000 syllable names once.
    assertEquals(
        1000,
        queryLong("SELECT COUNT(DISTINCT c_last) FROM customer WHERE c_d_id = 1 AND c_id <= 1000"));
    long original = queryLong("SELECT COUNT(*) FROM item WHERE i_data LIKE '%ORIGINAL%'");
    assertTrue(original > 9_000 && original < 11_000, "ORIGINAL items " + original);
    // The indexes the by-name and latest-order queries need exist.
    assertEquals(
        2,
        queryLong(
            "SELECT COUNT(*) FROM pg_indexes WHERE indexname IN"
                + " ('customer_name_idx', 'orders_customer_idx')"));

    // The load ends by analyzing every table, so the first run is planned on real sizes.
    assertEquals(
        9, queryLong("SELECT COUNT(*) FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"));

    Run check = workload("tpcc", "check");
    assertAllPass(check);
    assertTrue(check.out().contains("PASS condition 11"), "no delivery yet: " + check.out());
  }

  @Test
  @Order(2)
  void byNameLookupsTakeTheMiddleCustomerByFirstName() throws Exception {
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), "")) {
      StatementCache statements = new StatementCache(c);
      int checked = 0;
      for (int n = 0; n < 1000; n += 37) {
        String name = LastNames.of(n);
        List<Integer> ids = new ArrayList<>();
        try (Statement s = c.createStatement();
            ResultSet rs =
                s.executeQuery(
                    "SELECT c_id FROM customer WHERE c_w_id = 1 AND c_d_id = 2 AND c_last = '"
                        + name
                        + "' ORDER BY c_first")) {
          while (rs.next()) {
            ids.add(rs.getInt(1));
          }
        }
        assertFalse(ids.isEmpty(), "every name exists among the first 1000 customers: " + name);
        // Position ceil(n/2) in 1-based terms (clause 2.5.2.2).
        int expected = ids.get((ids.size() + 1) / 2 - 1);
        assertEquals(
            expected,
            CustomerSelector.resolve(statements, 1, 2, new CustomerSelector.Key(0, name)),
            name + " among " + ids);
        checked += ids.size() > 1 ? 1 : 0;
      }
      assertTrue(checked > 0, "some names are shared by several customers");
      assertEquals(
          -1, CustomerSelector.resolve(statements, 1, 2, new CustomerSelector.Key(0, "NOBODY")));
      assertEquals(
          42, CustomerSelector.resolve(statements, 1, 2, new CustomerSelector.Key(42, null)));
    }
  }

  @Test
  @Order(3)
  void runCommitsEveryTransactionTypeAndKeepsTheDatabaseConsistent() throws Exception {
    Path json = dir.resolve("run.json");
    Run run =
        workload(
            "tpcc",
            "run",
            "--warehouses",
            "1",
            "--terminals",
            "4",
            "--duration",
            "8s",
            "--progress",
            "2s",
            "--json",
            json.toString());
    assertEquals(0, run.exitCode(), run.out() + run.err());
    assertTrue(run.out().contains("tpmC: "), run.out());
    assertTrue(run.out().contains("txn/s"), "live progress lines: " + run.out());
    String result = Files.readString(json, StandardCharsets.UTF_8);
    for (TransactionType t : TransactionType.values()) {
      assertTrue(committed(result, t.label()) > 0, t.label() + " never committed: " + result);
    }
    assertTrue(result.contains("\"isolation\":\"SERIALIZABLE\""), result);
    // The database agrees that orders and payments were added.
    assertTrue(queryLong("SELECT COUNT(*) FROM orders") > 30_000);
    assertTrue(queryLong("SELECT COUNT(*) FROM history") > 30_000);
    // Deliveries assigned carriers beyond the 21,000 orders loaded as delivered.
    assertTrue(queryLong("SELECT COUNT(*) FROM orders WHERE o_carrier_id IS NOT NULL") > 21_000);

    Run check = workload("tpcc", "check");
    assertAllPass(check);
    assertTrue(check.out().contains("SKIP condition 11"), "deliveries ran: " + check.out());
  }

  @Test
  @Order(4)
  void repeatableReadRunsAfterAWarmUpKeepTheDatabaseConsistentToo() {
    Run run =
        workload(
            "tpcc",
            "run",
            "--terminals",
            "3",
            "--ramp",
            "1500ms",
            "--duration",
            "3s",
            "--progress",
            "1s",
            "--isolation",
            "REPEATABLE_READ");
    assertEquals(0, run.exitCode(), run.out() + run.err());
    assertTrue(run.out().contains("REPEATABLE_READ"), run.out());
    assertTrue(run.out().contains("warming up"), run.out());
    assertTrue(run.out().contains("txn/s"), "measured progress after the warm-up: " + run.out());
    assertAllPass(workload("tpcc", "check"));
  }

  @Test
  @Order(5)
  void withWaitsNoNewOrderFinishesBeforeItsEighteenSecondsOfKeying() throws Exception {
    Path json = dir.resolve("wait.json");
    Run run =
        workload(
            "tpcc",
            "run",
            "--terminals",
            "10",
            "--duration",
            "4s",
            "--wait",
            "--json",
            json.toString());
    assertEquals(0, run.exitCode(), run.out() + run.err());
    assertTrue(run.out().contains("waits on"), run.out());
    assertTrue(run.out().contains("efficiency: 0.0% of 12.86 per warehouse"), run.out());
    String result = Files.readString(json, StandardCharsets.UTF_8);
    assertEquals(0, committed(result, "new-order"), result);
    assertTrue(result.contains("\"efficiency_percent\":0.000"), result);
  }

  @Test
  @Order(6)
  void checkFailsAndNamesTheConditionsWhenTheDatabaseIsCorrupted() throws Exception {
    execute("UPDATE warehouse SET w_ytd = w_ytd + 1 WHERE w_id = 1");
    try {
      Run check = workload("tpcc", "check");
      assertEquals(1, check.exitCode(), check.out());
      assertTrue(check.out().contains("FAIL condition  1"), check.out());
      assertTrue(check.out().contains("FAIL condition  8"), check.out());
      assertTrue(check.out().contains("PASS condition  9"), check.out());
      assertTrue(check.out().contains("consistency: FAIL"), check.out());
    } finally {
      execute("UPDATE warehouse SET w_ytd = w_ytd - 1 WHERE w_id = 1");
    }
  }

  @Test
  @Order(7)
  void kvReadsAndWritesWithZipfianBatches() throws Exception {
    Path json = dir.resolve("kv.json");
    Run kv =
        workload(
            "kv",
            "--init",
            "--keys",
            "2000",
            "--read-percent",
            "50",
            "--distribution",
            "zipfian",
            "--batch-size",
            "4",
            "--concurrency",
            "4",
            "--duration",
            "3s",
            "--json",
            json.toString());
    assertEquals(0, kv.exitCode(), kv.out() + kv.err());
    String result = Files.readString(json, StandardCharsets.UTF_8);
    assertTrue(committed(result, "read") > 0, result);
    assertTrue(committed(result, "write") > 0, result);
    assertTrue(result.contains("\"errors\":{}"), result);
    assertEquals(2000, queryLong("SELECT COUNT(*) FROM kv"));
  }
}
