package io.rangedb.rangestore.storage;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicLong;
import org.rocksdb.AbstractNativeReference;

/**
 * Owns the RocksDB objects (options, caches, filters, handles) that one engine creates, and closes
 * each exactly once, in reverse order of creation (a column family handle before its database, the
 * database before the options and cache it uses). A process-wide count of handles still open lets
 * tests prove that opening and closing stores leaks nothing.
 */
final class NativeHandles implements AutoCloseable {
  private static final AtomicLong LIVE = new AtomicLong();

  private final Deque<AbstractNativeReference> owned = new ArrayDeque<>();
  private boolean closed;

  /** Number of native objects registered by any engine and not yet closed. */
  static long liveCount() {
    return LIVE.get();
  }

  /**
   * Counts a native object that is owned, and closed exactly once, outside any engine (a batch);
   * {@link #closed} must follow.
   */
  static void opened() {
    LIVE.incrementAndGet();
  }

  static void closed() {
    LIVE.decrementAndGet();
  }

  synchronized <T extends AbstractNativeReference> T own(T ref) {
    if (closed) {
      ref.close();
      throw new IllegalStateException("already closed");
    }
    owned.push(ref);
    LIVE.incrementAndGet();
    return ref;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    RuntimeException first = null;
    while (!owned.isEmpty()) {
      AbstractNativeReference ref = owned.pop();
      try {
        ref.close();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        }
      } finally {
        LIVE.decrementAndGet();
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
