package io.rangedb.rangestore.raftcluster;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Client threads that propose unique commands to random groups of a cluster until stopped,
 * recording which were acknowledged; a proposal that fails has an unknown outcome (it may or may
 * not apply).
 */
final class ProposalStream implements AutoCloseable {
  private final Map<Long, Set<String>> acked = new ConcurrentHashMap<>();
  private final AtomicLong attempts = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final ExecutorService clients;
  private final List<Future<?>> workers = new ArrayList<>();

  /**
   * @param prefix starts every command, so that two streams never send the same one
   * @param timeoutMillis how long one proposal may look for a leader and wait to apply
   */
  ProposalStream(
      LocalRaftCluster cluster, int threads, int groups, String prefix, long timeoutMillis) {
    clients = Executors.newFixedThreadPool(threads);
    for (int c = 0; c < threads; c++) {
      int client = c;
      workers.add(
          clients.submit(
              () -> {
                SplittableRandom rng = new SplittableRandom(client);
                long seq = 0;
                while (running.get()) {
                  long group = 1 + rng.nextInt(groups);
                  String cmd = prefix + client + "-" + seq++;
                  attempts.incrementAndGet();
                  try {
                    cluster.propose(group, cmd.getBytes(UTF_8), timeoutMillis);
                    acked.computeIfAbsent(group, g -> ConcurrentHashMap.newKeySet()).add(cmd);
                  } catch (Exception e) {
                    failures.incrementAndGet();
                  }
                }
                return null;
              }));
    }
  }

  /** The acknowledged commands of {@code group}. */
  Set<String> acknowledged(long group) {
    return acked.getOrDefault(group, Set.of());
  }

  long acknowledged() {
    return acked.values().stream().mapToLong(Set::size).sum();
  }

  long attempts() {
    return attempts.get();
  }

  long failures() {
    return failures.get();
  }

  /** Waits until {@code more} proposals beyond those acknowledged now are acknowledged. */
  void awaitMore(long more) throws InterruptedException, TimeoutException {
    long target = acknowledged() + more;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (acknowledged() < target) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(
            "only " + acknowledged() + " of " + target + " proposals acknowledged in 120 s");
      }
      Thread.sleep(20);
    }
  }

  /** Stops the clients once their proposals in flight have an outcome. */
  void stop() throws Exception {
    running.set(false);
    for (Future<?> w : workers) {
      w.get(60, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    clients.shutdownNow();
    if (!clients.awaitTermination(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("proposal clients did not stop");
    }
  }
}
