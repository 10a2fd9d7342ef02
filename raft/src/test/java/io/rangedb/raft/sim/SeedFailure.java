package io.rangedb.raft.sim;

/**
 * How a seeded simulation reports a failing seed: the seed, what went wrong, and the one command
 * that replays that seed alone, printed at once (a long run's report may be cut) and thrown.
 */
public final class SeedFailure {
  private SeedFailure() {}

  public static AssertionError of(String simulation, long seed, Throwable cause, String replay) {
    String msg =
        simulation
            + " seed "
            + seed
            + " failed: "
            + cause.getMessage()
            + "\n  replay with: "
            + replay;
    System.err.println(msg);
    return new AssertionError(msg, cause);
  }
}
