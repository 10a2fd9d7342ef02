package io.rangedb.rangestore.raftcluster;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The benchmark's per-thread CPU accounting puts a thread's CPU under its kind. */
class ThreadCpuTest {
  @Test
  void cpuOfALoopThreadCountsUnderLoops() throws Exception {
    Map<String, Long> before = ThreadCpu.snapshot();
    assumeTrue(!before.isEmpty(), "per-thread CPU is read from Linux's /proc");
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    CountDownLatch burned = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    long[] sink = new long[1];
    Thread busy =
        new Thread(
            () -> {
              long start = mx.getCurrentThreadCpuTime();
              while (mx.getCurrentThreadCpuTime() - start < 300_000_000L) {
                sink[0] += System.identityHashCode(sink) ^ sink[0]; // 300 ms of this thread's CPU
              }
              burned.countDown();
              try {
                release.await(); // an ended thread leaves /proc, and its CPU with it
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "raft-loop-test");
    busy.start();
    try {
      burned.await();
      Map<String, Long> after = ThreadCpu.snapshot();
      long loops = after.get("loops") - before.get("loops");
      assertTrue(loops >= 20, "300 ms of a loop thread's CPU, in 1/100 s: " + loops);
      assertTrue(
          ThreadCpu.perCommit(before, after, 1).startsWith("loops "),
          ThreadCpu.perCommit(before, after, 1));
    } finally {
      release.countDown();
      busy.join();
    }
  }
}
