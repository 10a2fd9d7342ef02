package io.rangedb.workload.tpcc;

import io.rangedb.workload.common.ConnectionOptions;
import io.rangedb.workload.common.ProgressBar;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the schema and loads the initial population of clause 4.3.3.1 in parallel. The work is
 * cut into independent tasks (item chunks, stock chunks, one warehouse with its districts, and per
 * district its customers with history and its orders with lines), each on its own connection and
 * its own seeded random generator, so the result does not depend on scheduling.
 */
public final class TpccLoader {
  private static final Logger log = LoggerFactory.getLogger(TpccLoader.class);

  private static final int CHUNK = 10_000;
  private static final BigDecimal HISTORY_AMOUNT = new BigDecimal("10.00");

  /**
   * Rows one warehouse adds, order lines counted at their mean of 10 per order; for the bar only.
   */
  static final long ROWS_PER_WAREHOUSE =
      1
          + TpccScale.DISTRICTS_PER_WAREHOUSE
          + TpccScale.ITEMS
          + TpccScale.DISTRICTS_PER_WAREHOUSE
              * (2L * TpccScale.CUSTOMERS_PER_DISTRICT
                  + TpccScale.ORDERS_PER_DISTRICT * 11L
                  + (TpccScale.ORDERS_PER_DISTRICT - TpccScale.FIRST_UNDELIVERED_ORDER + 1));

  private final ConnectionOptions target;
  private final int warehouses;
  private final int loaders;
  private final long seed;
  private final Timestamp now;

  /** One unit of loading work; it commits what it writes. */
  private interface Task {
    void load(Connection c, TpccRandom r, ProgressBar progress) throws SQLException;
  }

  public TpccLoader(
      ConnectionOptions target, int warehouses, int loaders, long seed, Timestamp loadTime) {
    this.target = target;
    this.warehouses = warehouses;
    this.loaders = loaders;
    this.seed = seed;
    this.now = loadTime;
  }

  /** Drops and recreates the nine tables. */
  public void createSchema() throws SQLException {
    try (Connection c = target.connect();
        Statement s = c.createStatement()) {
      // DDL runs in autocommit: not every database allows it inside a transaction.
      c.setAutoCommit(true);
      for (String sql : TpccSchema.dropStatements()) {
        s.execute(sql);
      }
      for (String sql : TpccSchema.createStatements(target.dialect())) {
        s.execute(sql);
      }
    }
  }

  public long expectedRows() {
    return TpccScale.ITEMS + warehouses * ROWS_PER_WAREHOUSE;
  }

  /** Loads every table, rendering {@code progress} about once a second. */
  public void load(ProgressBar progress) throws Exception {
    List<Task> tasks = tasks();
    ExecutorService pool = Executors.newFixedThreadPool(loaders);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < tasks.size(); i++) {
        Task task = tasks.get(i);
        // Spread the task index over the seed so neighbouring tasks get unrelated streams.
        long taskSeed = seed ^ (0x9E3779B97F4A7C15L * (i + 1));
        futures.add(pool.submit(() -> runTask(task, taskSeed, progress)));
      }
      pool.shutdown();
      while (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
        progress.render();
        for (Future<?> f : futures) {
          if (f.isDone()) {
            f.get(); // rethrows the first failure instead of loading on for minutes
          }
        }
      }
      for (Future<?> f : futures) {
        f.get();
      }
      progress.finish();
    } catch (ExecutionException e) {
      // Surface the loader's own failure (usually an SQLException) rather than the executor's
      // wrapper.
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    } finally {
      pool.shutdownNow();
    }
    refreshStatistics();
  }

  private void refreshStatistics() throws SQLException {
    try (Connection c = target.connect();
        Statement s = c.createStatement()) {
      c.setAutoCommit(true);
      for (String sql : target.dialect().refreshStatistics(TpccSchema.TABLES)) {
        s.execute(sql);
      }
    }
  }

  private Void runTask(Task task, long taskSeed, ProgressBar progress) throws SQLException {
    try (Connection c = target.connect()) {
      TpccRandom r = new TpccRandom(new SplittableRandom(taskSeed), TpccRandom.Constants.LOAD);
      task.load(c, r, progress);
      c.commit();
    }
    return null;
  }

  private List<Task> tasks() {
    List<Task> tasks = new ArrayList<>();
    for (int from = 1; from <= TpccScale.ITEMS; from += CHUNK) {
      int first = from;
      tasks.add((c, r, p) -> loadItems(c, r, p, first, first + CHUNK - 1));
    }
    for (int w = 1; w <= warehouses; w++) {
      int wid = w;
      tasks.add((c, r, p) -> loadWarehouse(c, r, p, wid));
      for (int from = 1; from <= TpccScale.ITEMS; from += CHUNK) {
        int first = from;
        tasks.add((c, r, p) -> loadStock(c, r, p, wid, first, first + CHUNK - 1));
      }
      for (int d = 1; d <= TpccScale.DISTRICTS_PER_WAREHOUSE; d++) {
        int did = d;
        tasks.add((c, r, p) -> loadCustomers(c, r, p, wid, did));
        tasks.add((c, r, p) -> loadOrders(c, r, p, wid, did));
      }
    }
    log.info(
        "loading {} warehouse(s) in {} tasks on {} loaders", warehouses, tasks.size(), loaders);
    return tasks;
  }

  private static void loadItems(Connection c, TpccRandom r, ProgressBar p, int first, int last)
      throws SQLException {
    try (BatchInserter item = new BatchInserter(c, "item", 5, p)) {
      for (int i = first; i <= last; i++) {
        item.add(
            i,
            r.uniform(1, 10_000),
            r.astring(14, 24),
            r.decimal("1.00", "100.00", 2),
            r.dataWithOriginal());
      }
    }
  }

  private void loadWarehouse(Connection c, TpccRandom r, ProgressBar p, int w) throws SQLException {
    try (BatchInserter wh = new BatchInserter(c, "warehouse", 9, p)) {
      wh.add(
          w,
          r.astring(6, 10),
          r.astring(10, 20),
          r.astring(10, 20),
          r.astring(10, 20),
          r.state(),
          r.zip(),
          r.decimal("0.0000", "0.2000", 4),
          new BigDecimal("300000.00"));
    }
    try (BatchInserter district = new BatchInserter(c, "district", 11, p)) {
      for (int d = 1; d <= TpccScale.DISTRICTS_PER_WAREHOUSE; d++) {
        district.add(
            w,
            d,
            r.astring(6, 10),
            r.astring(10, 20),
            r.astring(10, 20),
            r.astring(10, 20),
            r.state(),
            r.zip(),
            r.decimal("0.0000", "0.2000", 4),
            new BigDecimal("30000.00"),
            TpccScale.ORDERS_PER_DISTRICT + 1);
      }
    }
  }

  private static void loadStock(
      Connection c, TpccRandom r, ProgressBar p, int w, int first, int last) throws SQLException {
    try (BatchInserter stock = new BatchInserter(c, "stock", 17, p)) {
      for (int i = first; i <= last; i++) {
        Object[] row = new Object[17];
        row[0] = w;
        row[1] = i;
        row[2] = r.uniform(10, 100);
        for (int d = 0; d < 10; d++) {
          row[3 + d] = r.astring(24, 24);
        }
        row[13] = 0;
        row[14] = 0;
        row[15] = 0;
        row[16] = r.dataWithOriginal();
        stock.add(row);
      }
    }
  }

  private void loadCustomers(Connection c, TpccRandom r, ProgressBar p, int w, int d)
      throws SQLException {
    try (BatchInserter customer = new BatchInserter(c, "customer", 21, p);
        BatchInserter history = new BatchInserter(c, "history", 8, p)) {
      for (int id = 1; id <= TpccScale.CUSTOMERS_PER_DISTRICT; id++) {
        // The first 1000 customers cover every last name once; the rest are skewed (4.3.2.3).
        String last = id <= 1000 ? LastNames.of(id - 1) : r.lastName();
        customer.add(
            w,
            d,
            id,
            r.astring(8, 16),
            "OE",
            last,
            r.astring(10, 20),
            r.astring(10, 20),
            r.astring(10, 20),
            r.state(),
            r.zip(),
            r.nstring(16, 16),
            now,
            r.uniform(1, 10) == 1 ? "BC" : "GC",
            new BigDecimal("50000.00"),
            r.decimal("0.0000", "0.5000", 4),
            new BigDecimal("-10.00"),
            new BigDecimal("10.00"),
            1,
            0,
            r.astring(300, 500));
        history.add(id, d, w, d, w, now, HISTORY_AMOUNT, r.astring(12, 24));
      }
    }
  }

  private void loadOrders(Connection c, TpccRandom r, ProgressBar p, int w, int d)
      throws SQLException {
    int[] customers = r.permutation(TpccScale.CUSTOMERS_PER_DISTRICT);
    try (BatchInserter orders = new BatchInserter(c, "orders", 8, p);
        BatchInserter lines = new BatchInserter(c, "order_line", 10, p);
        BatchInserter newOrders = new BatchInserter(c, "new_order", 3, p)) {
      for (int o = 1; o <= TpccScale.ORDERS_PER_DISTRICT; o++) {
        boolean delivered = o < TpccScale.FIRST_UNDELIVERED_ORDER;
        int lineCount = r.uniform(5, 15);
        orders.add(
            w,
            d,
            o,
            customers[o - 1],
            now,
            delivered ? (Object) r.uniform(1, 10) : BatchInserter.NULL_INTEGER,
            lineCount,
            1);
        for (int n = 1; n <= lineCount; n++) {
          lines.add(
              w,
              d,
              o,
              n,
              r.uniform(1, TpccScale.ITEMS),
              w,
              delivered ? now : BatchInserter.NULL_TIMESTAMP,
              5,
              delivered ? BigDecimal.ZERO.setScale(2) : r.decimal("0.01", "9999.99", 2),
              r.astring(24, 24));
        }
        if (!delivered) {
          newOrders.add(w, d, o);
        }
      }
    }
  }
}
