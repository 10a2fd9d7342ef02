package io.rangedb.raft.host;

import io.rangedb.raft.SuppressForbidden;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads a production {@link RaftHost} runs on: one loop thread for all groups, one syncer and
 * one ticker. Everything else in raft receives its executors injected, so tests and the simulation
 * drive time and scheduling themselves; node creates these and hands them down.
 */
@SuppressForbidden(reason = "the one seam where the raft module creates threads for its host")
public final class RaftThreads {
  private RaftThreads() {}

  /** A single daemon thread that runs the host's cycles, one at a time. */
  public static ExecutorService newLoop(String name) {
    return Executors.newSingleThreadExecutor(named(name));
  }

  /**
   * A single daemon thread for the host's fsyncs, so that its loop goes on while the disk syncs.
   */
  public static ExecutorService newSyncer(String name) {
    return Executors.newSingleThreadExecutor(named(name));
  }

  /** A single daemon thread that ticks hosts at a fixed rate. */
  public static ScheduledExecutorService newTicker(String name) {
    return Executors.newSingleThreadScheduledExecutor(named(name));
  }

  /**
   * Ticks {@code host} once every {@code tickMillis}, in its {@link RaftHost.Options#tickSlices()}
   * slices spread evenly over the interval; cancel the returned future to stop. A host with a
   * {@link RaftHost#clock() clock} is given each slice with the time it fell due on that clock (the
   * start plus a whole number of slices, whenever the ticker gets to run it), and its tick must
   * last {@code tickMillis}.
   */
  public static ScheduledFuture<?> startTicking(
      RaftHost host, ScheduledExecutorService ticker, long tickMillis) {
    long period = TimeUnit.MILLISECONDS.toMicros(tickMillis) / host.tickSlices();
    if (tickMillis <= 0 || period < MIN_SLICE_MICROS) {
      throw new IllegalArgumentException(
          "a tick of "
              + tickMillis
              + " ms in "
              + host.tickSlices()
              + " slices leaves less than "
              + MIN_SLICE_MICROS
              + " µs per slice");
    }
    TickClock clock = host.clock();
    if (clock != null && clock.tickNanos() != TimeUnit.MILLISECONDS.toNanos(tickMillis)) {
      throw new IllegalArgumentException(
          "the host's clock has ticks of " + clock.tickNanos() + " ns, not " + tickMillis + " ms");
    }
    return ticker.scheduleAtFixedRate(host::tick, period, period, TimeUnit.MICROSECONDS);
  }

  /** The shortest interval between two slices of a tick that a ticker is asked to keep. */
  static final long MIN_SLICE_MICROS = 100;

  private static ThreadFactory named(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
