package io.rangedb.rangestore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The temporary directories benchmarks keep their stores in, deleted with all they hold. */
public final class ScratchDirectory {
  private ScratchDirectory() {}

  /** Deletes {@code root} and everything below it, deepest first. */
  public static void delete(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
