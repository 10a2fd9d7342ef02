package io.rangedb.rangestore.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Synced writes survive SIGKILL while the store writes into reused write-ahead log files: a child
 * process writes numbered records one synced batch at a time, flushing often so that its logs
 * switch and get reused, and reports each write once it returned; the test kills it at a random
 * moment, reopens the store and checks that the records are exactly 0..m for some m at or past the
 * last reported one, with the "last" record at m (no hole, no old record replayed from a reused
 * file's tail). Several rounds on one directory. Seed: {@code -Dstorekill.seed=N}; rounds: {@code
 * -Dstorekill.rounds=N} (default 3).
 */
class StoreKillNineTest {
  private static final int FLUSH_EVERY = 700;
  private static final byte[] FILLER = new byte[200];

  @TempDir Path dir;

  @Test
  void acknowledgedSyncedWritesSurviveKillNineOnReusedLogs() throws Exception {
    long seed = Long.getLong("storekill.seed", System.nanoTime());
    int rounds = Integer.getInteger("storekill.rounds", 3);
    SplittableRandom rng = new SplittableRandom(seed);
    String replay =
        "seed "
            + seed
            + "; replay: bin/mvn -pl range-store test -Dtest=StoreKillNineTest -Dstorekill.seed="
            + seed
            + " -Dstorekill.rounds="
            + rounds;
    long next = 0;
    for (int round = 0; round < rounds; round++) {
      // Past two flushes, so the log in use is a reused one, then anywhere within a flush cycle.
      int acks = 2 * FLUSH_EVERY + 100 + rng.nextInt(2 * FLUSH_EVERY);
      long lastAcked = writeAndKill(next, acks);
      try (StoreEngine e = StoreEngine.open(options(dir))) {
        // The records must run unbroken from 0 to at least the last acknowledged one (checked
        // below); m is where they end.
        long m = lastAcked;
        while (e.get(ColumnFamily.RAFT_LOG, key(m + 1)) != null) {
          m++;
        }
        for (long i = 0; i <= m; i++) {
          assertNotNull(e.get(ColumnFamily.RAFT_LOG, key(i)), "record " + i + " lost; " + replay);
        }
        for (long i = m + 2; i < m + 200; i++) {
          assertNull(
              e.get(ColumnFamily.RAFT_LOG, key(i)), "record " + i + " after a gap; " + replay);
        }
        assertArrayEquals(
            Long.toString(m).getBytes(UTF_8),
            e.get(ColumnFamily.MVCC, "last".getBytes(UTF_8)),
            "the newest write of \"last\" wins; " + replay);
        next = m + 1;
      }
    }
  }

  /** Runs a writer from {@code from} until it reported {@code acks} writes, then SIGKILLs it. */
  private long writeAndKill(long from, int acks) throws Exception {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Xmx128m",
                    "--enable-native-access=ALL-UNNAMED",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-cp",
                    System.getProperty("java.class.path"),
                    Writer.class.getName(),
                    dir.toString(),
                    Long.toString(from)))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    long last = from - 1;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), UTF_8))) {
      for (int n = 0; n < acks; n++) {
        String line = out.readLine();
        if (line == null) {
          throw new AssertionError("the writer stopped after " + n + " writes");
        }
        last = Long.parseLong(line);
      }
    } finally {
      p.destroyForcibly(); // SIGKILL on Linux; also when the test fails, never leave it writing
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the writer did not die");
    }
    return last;
  }

  private static StoreOptions options(Path dir) {
    return StoreOptions.onDisk(dir).withWriteBufferBytes(1L << 20);
  }

  static byte[] key(long i) {
    return String.format("rec%012d", i).getBytes(UTF_8);
  }

  /** The child: writes records from its start number until killed, reporting each one. */
  public static final class Writer {
    private Writer() {}

    public static void main(String[] args) {
      Path dir = Path.of(args[0]);
      long from = Long.parseLong(args[1]);
      PrintStream out = System.out;
      try (StoreEngine e = StoreEngine.open(options(dir))) {
        for (long i = from; ; i++) {
          try (EngineBatch batch = e.newBatch()) {
            batch.put(ColumnFamily.RAFT_LOG, key(i), FILLER);
            batch.put(ColumnFamily.MVCC, "last".getBytes(UTF_8), Long.toString(i).getBytes(UTF_8));
            e.write(batch, true);
          }
          out.println(i);
          out.flush();
          if ((i - from + 1) % FLUSH_EVERY == 0) {
            e.flush(); // a new log; the old one becomes reusable
          }
        }
      }
    }
  }
}
