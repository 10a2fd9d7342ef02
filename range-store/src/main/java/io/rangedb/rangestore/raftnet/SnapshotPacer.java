package io.rangedb.rangestore.raftnet;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the snapshot data a node sends, to all peers together, to a rate: a bucket of byte credits
 * that {@link #refill}, called a fixed number of times a second, tops up by that share of the rate
 * (the remainder carried over, so that even a few bytes a second come out exact), up to a burst. A
 * chunk may go while the bucket holds any credit and takes its whole size, so the bucket can run
 * into debt by up to one chunk: chunks of any size get through, and over time the data sent keeps
 * to the rate. A request that finds no credit waits in order of arrival; the refill that brings the
 * bucket back above zero grants it.
 *
 * <p>It reads no clock: whoever calls {@link #refill} at the interval sets the pace (the transport
 * schedules it on the executor it is given; tests call it themselves), so that a test decides how
 * much time passes.
 */
final class SnapshotPacer {
  private static final Logger log = LoggerFactory.getLogger(SnapshotPacer.class);

  private record Request(long bytes, Runnable granted) {}

  /** A bound far above any link, which keeps the credit arithmetic clear of overflow. */
  static final long MAX_BYTES_PER_SECOND = 1L << 50;

  private final long bytesPerSecond;
  private final long refillsPerSecond;
  private final long burstBytes;
  private final ArrayDeque<Request> waiting = new ArrayDeque<>();
  private long credit;

  /** Rate bytes not yet credited: less than one byte's worth of refills. */
  private long carry;

  private long bytesTaken;
  private long waits;
  private boolean closed;

  /**
   * @param bytesPerSecond the rate
   * @param refillsPerSecond how many times a second {@link #refill} is called
   * @param burstBytes the most credit the bucket holds after a quiet spell
   */
  SnapshotPacer(long bytesPerSecond, long refillsPerSecond, long burstBytes) {
    if (bytesPerSecond <= 0
        || bytesPerSecond > MAX_BYTES_PER_SECOND
        || refillsPerSecond <= 0
        || burstBytes <= 0) {
      throw new IllegalArgumentException(
          "rate, refills and burst must be positive, not "
              + bytesPerSecond
              + ", "
              + refillsPerSecond
              + ", "
              + burstBytes);
    }
    this.bytesPerSecond = bytesPerSecond;
    this.refillsPerSecond = refillsPerSecond;
    this.burstBytes = burstBytes;
    this.credit = burstBytes;
  }

  /**
   * Takes {@code bytes} of credit and returns true if the bucket holds any and nobody waits before
   * the caller: the caller sends them now. Otherwise queues the request and returns false: a refill
   * takes the credit for it in its turn and then runs {@code granted} (outside this object's lock),
   * after which the caller sends them without asking again, unless it withdrew the request with
   * {@link #cancel} first.
   */
  boolean tryTake(long bytes, Runnable granted) {
    synchronized (this) {
      if (closed || (credit > 0 && waiting.isEmpty())) {
        take(bytes);
        return true;
      }
      waiting.add(new Request(bytes, granted));
      waits++;
    }
    return false;
  }

  /**
   * Withdraws the waiting request whose callback is {@code granted} (a send that ended while its
   * chunk waited): it takes no credit, and those behind it move up.
   */
  synchronized void cancel(Runnable granted) {
    waiting.removeIf(r -> r.granted() == granted);
  }

  private void take(long bytes) {
    credit -= bytes;
    bytesTaken += bytes;
  }

  /**
   * One interval went by: adds its credit and grants the waiting requests, in order, while the
   * bucket holds any.
   */
  void refill() {
    List<Runnable> granted = new ArrayList<>();
    synchronized (this) {
      long due = carry + bytesPerSecond;
      carry = due % refillsPerSecond;
      credit = Math.min(burstBytes, credit + due / refillsPerSecond);
      while (credit > 0 && !waiting.isEmpty()) {
        Request r = waiting.poll();
        take(r.bytes());
        granted.add(r.granted());
      }
    }
    runAll(granted);
  }

  /** Stops pacing: the waiting requests are granted, and every later one passes at once. */
  void close() {
    List<Runnable> granted = new ArrayList<>();
    synchronized (this) {
      closed = true;
      waiting.forEach(r -> granted.add(r.granted()));
      waiting.clear();
    }
    runAll(granted);
  }

  /**
   * Runs every callback even if one throws: each was granted credit, and a refill that threw would
   * also end the schedule that runs it, leaving every later snapshot waiting for good.
   */
  private static void runAll(List<Runnable> granted) {
    for (Runnable r : granted) {
      try {
        r.run();
      } catch (RuntimeException | Error e) {
        log.error("a paced snapshot send failed as its credit came", e);
      }
    }
  }

  synchronized long bytesTaken() {
    return bytesTaken;
  }

  /** How many times a request found no credit and waited for a refill. */
  synchronized long waits() {
    return waits;
  }

  synchronized int waiting() {
    return waiting.size();
  }
}
