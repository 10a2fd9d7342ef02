package io.rangedb.raft.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Deterministic simulation of a Raft group under faults, many seeds.
 *
 * <ul>
 *   <li>default: seeds 1..{@code raft.sim.seeds} (500);
 *   <li>{@code -Draft.sim.seed=S}: replays seed S alone, exactly;
 *   <li>{@code -Draft.sim.seconds=T} (or {@code -Psoak}): as many seeds as fit in T seconds,
 *       starting at {@code raft.sim.start} (default: 1,000,000).
 * </ul>
 */
class RaftSimulationTest {
  private static final long FAULT_MS = 6_000;
  private static final long SETTLE_MS = 4_000;
  private static final System.Logger LOG = System.getLogger(RaftSimulationTest.class.getName());

  /** The property that replays one seed; the replay command names the same. */
  private static final String SEED_PROPERTY = "raft.sim.seed";

  static String replayCommand(long seed) {
    return "bin/mvn -pl raft test -Dtest=RaftSimulationTest -D" + SEED_PROPERTY + "=" + seed;
  }

  /** What one seed's run did, besides passing its checks. */
  record Outcome(
      String summary, int confChangesCommitted, int transfersCompleted, int unsyncedAtCrashes) {}

  static Outcome runSeed(long seed) {
    try {
      Simulation sim = new Simulation(seed);
      String summary = sim.run(FAULT_MS, SETTLE_MS);
      return new Outcome(
          summary, sim.confChangesCommitted(), sim.transfersCompleted(), sim.unsyncedAtCrashes);
    } catch (AssertionError | RuntimeException e) {
      throw SeedFailure.of("simulation", seed, e, replayCommand(seed));
    }
  }

  @Test
  void seeds() {
    String one = System.getProperty(SEED_PROPERTY);
    if (one != null && !one.isBlank()) {
      System.err.println(runSeed(Long.parseLong(one.trim())).summary());
      return;
    }
    long seconds = Long.getLong("raft.sim.seconds", 0);
    long started = System.nanoTime();
    int ran = 0;
    long confChanges = 0;
    long transfers = 0;
    long unsyncedAtCrashes = 0;
    long seed = seconds > 0 ? Long.getLong("raft.sim.start", 1_000_000) : 1;
    long count = seconds > 0 ? Long.MAX_VALUE : Long.getLong("raft.sim.seeds", 500);
    while (ran < count
        && (seconds == 0 || System.nanoTime() - started < seconds * 1_000_000_000L)) {
      Outcome o = runSeed(seed++);
      ran++;
      confChanges += o.confChangesCommitted();
      transfers += o.transfersCompleted();
      unsyncedAtCrashes += o.unsyncedAtCrashes();
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    String done =
        "simulation: "
            + ran
            + " seeds passed in "
            + millis
            + " ms; "
            + confChanges
            + " membership changes committed, "
            + transfers
            + " leadership transfers completed, "
            + unsyncedAtCrashes
            + " unsynced writes exposed to crashes";
    LOG.log(System.Logger.Level.INFO, done);
    System.err.println(done);
    assertTrue(ran > 0);
    // The safety checks above mean little about membership changes, transfers and lost unsynced
    // writes unless they happened under the faults.
    if (ran >= 50) {
      assertTrue(confChanges >= ran, "only " + confChanges + " membership changes committed");
      assertTrue(transfers >= ran / 2, "only " + transfers + " leadership transfers completed");
      assertTrue(unsyncedAtCrashes > 0, "no crash found a write waiting for its sync");
    }
  }

  @Test
  void sameSeedReplaysExactly() {
    assertEquals(new Simulation(4242).run(2_000, 1_000), new Simulation(4242).run(2_000, 1_000));
  }
}
