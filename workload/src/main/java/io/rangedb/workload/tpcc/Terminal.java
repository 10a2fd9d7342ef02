package io.rangedb.workload.tpcc;

import io.rangedb.workload.common.ConnectionOptions;
import io.rangedb.workload.common.Dialect;
import io.rangedb.workload.common.Isolation;
import io.rangedb.workload.common.Sleeper;
import io.rangedb.workload.common.SqlStates;
import io.rangedb.workload.common.TransactionRunner;
import io.rangedb.workload.common.WorkloadMetrics;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One emulated terminal: its own connection, home warehouse and district, and random stream. It
 * picks transactions from the mix until the deadline, optionally waiting the keying and think times
 * of a human operator, and records every outcome. Only transactions that start after the warm-up
 * and finish before the deadline count, so throughput is work done inside the measured window.
 */
final class Terminal implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Terminal.class);

  private final int id;
  private final TerminalContext context;
  private final ConnectionOptions target;
  private final Dialect dialect;
  private final Isolation isolation;
  private final boolean wait;
  private final long measureFromNanos;
  private final long deadlineNanos;
  private final WorkloadMetrics metrics;
  private final TransactionRunner runner;
  private final TpccRandom random;
  private final TransactionMix mix;
  private StatementCache statements;

  Terminal(
      int id,
      TerminalContext context,
      ConnectionOptions target,
      Isolation isolation,
      boolean wait,
      int maxRetries,
      long seed,
      long measureFromNanos,
      long deadlineNanos,
      WorkloadMetrics metrics) {
    this.id = id;
    this.context = context;
    this.target = target;
    this.dialect = target.dialect();
    this.isolation = isolation;
    this.wait = wait;
    this.measureFromNanos = measureFromNanos;
    this.deadlineNanos = deadlineNanos;
    this.metrics = metrics;
    this.runner = new TransactionRunner(maxRetries);
    SplittableRandom base = new SplittableRandom(seed);
    this.random = new TpccRandom(base.split(), TpccRandom.Constants.RUN);
    this.mix = new TransactionMix(base.split());
  }

  @Override
  public void run() {
    try {
      while (System.nanoTime() < deadlineNanos && !Thread.currentThread().isInterrupted()) {
        if (statements == null && !reconnect()) {
          return;
        }
        TransactionType type = mix.next();
        if (wait && !Sleeper.sleep(type.keyingSeconds() * 1000L, deadlineNanos)) {
          return;
        }
        if (System.nanoTime() >= deadlineNanos) {
          return;
        }
        TransactionRunner.Work work = prepare(type);
        long start = System.nanoTime();
        TransactionRunner.Outcome outcome = runner.run(statements.connection(), work);
        long end = System.nanoTime();
        if (start >= measureFromNanos && end <= deadlineNanos) {
          metrics.record(type.label(), outcome, end - start);
        }
        if (outcome.status() == TransactionRunner.Status.FAILED
            && SqlStates.isConnectionLost(outcome.sqlState())) {
          statements.close();
          statements = null;
        }
        if (wait && !Sleeper.sleep(random.thinkMillis(type.meanThinkSeconds()), deadlineNanos)) {
          return;
        }
      }
    } catch (RuntimeException e) {
      // A bug, not a database answer: stop this terminal loudly rather than skew the run silently.
      log.error("terminal {} stopped", id, e);
      metrics.errors().add("internal", e.toString());
    } finally {
      if (statements != null) {
        statements.close();
      }
    }
  }

  /** Draws the transaction's input now, so that a retry replays exactly the same request. */
  private TransactionRunner.Work prepare(TransactionType type) {
    StatementCache s = statements;
    return switch (type) {
      case NEW_ORDER -> {
        NewOrder.Input in = NewOrder.generate(random, context);
        yield c -> NewOrder.execute(s, dialect, in, now());
      }
      case PAYMENT -> {
        Payment.Input in = Payment.generate(random, context);
        yield c -> Payment.execute(s, dialect, in, now());
      }
      case ORDER_STATUS -> {
        OrderStatus.Input in = OrderStatus.generate(random, context);
        yield c -> OrderStatus.execute(s, dialect, in);
      }
      case DELIVERY -> {
        Delivery.Input in = Delivery.generate(random, context);
        yield c -> Delivery.execute(s, dialect, in, now());
      }
      case STOCK_LEVEL -> {
        StockLevel.Input in = StockLevel.generate(random, context);
        yield c -> StockLevel.execute(s, in);
      }
    };
  }

  private static Timestamp now() {
    return new Timestamp(System.currentTimeMillis());
  }

  /** Opens the terminal's connection, retrying once a second until the deadline. */
  private boolean reconnect() {
    while (System.nanoTime() < deadlineNanos) {
      try {
        Connection c = target.connect();
        c.setTransactionIsolation(isolation.jdbcLevel());
        statements = new StatementCache(c);
        return true;
      } catch (SQLException e) {
        String state = SqlStates.of(e);
        metrics.errors().add(state, "connect: " + e.getMessage());
        log.warn("terminal {} cannot connect ({}): {}", id, state, e.getMessage());
        if (!Sleeper.sleep(1000, deadlineNanos)) {
          return false;
        }
      }
    }
    return false;
  }
}
