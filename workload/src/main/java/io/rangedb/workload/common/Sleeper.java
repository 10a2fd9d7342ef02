package io.rangedb.workload.common;

/** Sleeps that never run past a deadline, so keying and think times end with the run. */
public final class Sleeper {
  private Sleeper() {}

  /**
   * Sleeps {@code millis} or until {@code deadlineNanos} (a {@link System#nanoTime()} value),
   * whichever comes first. Returns false if interrupted.
   */
  public static boolean sleep(long millis, long deadlineNanos) {
    long wakeAt = Math.min(System.nanoTime() + millis * 1_000_000L, deadlineNanos);
    long left = wakeAt - System.nanoTime();
    if (left <= 0) {
      return true;
    }
    try {
      Thread.sleep(left / 1_000_000L, (int) (left % 1_000_000L));
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
