package io.rangedb.rangestore.raftnet;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds the snapshot data a node sends, to all peers together, to a rate: a bucket of byte credits
 * that {@link #refill} tops up by a fixed amount at a fixed interval, up to a burst. A chunk may go
 * while the bucket holds any credit and takes its whole size, so the bucket can run into debt by up
 * to one chunk: chunks of any size get through, and over time the data sent keeps to the rate. A
 * request that finds no credit waits in order of arrival; the refill that brings the bucket back
 * above zero grants it.
 *
 * <p>It reads no clock: whoever calls {@link #refill} at the interval sets the pace (the transport
 * schedules it on the executor it is given; tests call it themselves), so that a test decides how
 * much time passes.
 */
final class SnapshotPacer {
  private record Request(long bytes, Runnable granted) {}

  private final long bytesPerRefill;
  private final long burstBytes;
  private final ArrayDeque<Request> waiting = new ArrayDeque<>();
  private long credit;
  private long bytesTaken;
  private long waits;
  private boolean closed;

  /**
   * @param bytesPerRefill the credit each {@link #refill} adds
   * @param burstBytes the most credit the bucket holds after a quiet spell
   */
  SnapshotPacer(long bytesPerRefill, long burstBytes) {
    if (bytesPerRefill <= 0 || burstBytes < bytesPerRefill) {
      throw new IllegalArgumentException(
          "need 0 < bytesPerRefill <= burstBytes, not " + bytesPerRefill + ", " + burstBytes);
    }
    this.bytesPerRefill = bytesPerRefill;
    this.burstBytes = burstBytes;
    this.credit = burstBytes;
  }

  /**
   * Takes {@code bytes} of credit and returns true if the bucket holds any and nobody waits before
   * the caller: the caller sends them now. Otherwise queues the request and returns false: a refill
   * takes the credit for it in its turn and then runs {@code granted} (outside this object's lock),
   * after which the caller sends them without asking again.
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
      credit = Math.min(burstBytes, credit + bytesPerRefill);
      while (credit > 0 && !waiting.isEmpty()) {
        Request r = waiting.poll();
        take(r.bytes());
        granted.add(r.granted());
      }
    }
    granted.forEach(Runnable::run);
  }

  /** Stops pacing: the waiting requests are granted, and every later one passes at once. */
  void close() {
    List<Runnable> granted = new ArrayList<>();
    synchronized (this) {
      closed = true;
      waiting.forEach(r -> granted.add(r.granted()));
      waiting.clear();
    }
    granted.forEach(Runnable::run);
  }

  synchronized long bytesTaken() {
    return bytesTaken;
  }

  /** How many times a sender found no credit and waited for a refill. */
  synchronized long waits() {
    return waits;
  }

  synchronized int waiting() {
    return waiting.size();
  }
}
