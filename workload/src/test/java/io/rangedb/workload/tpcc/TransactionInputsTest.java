package io.rangedb.workload.tpcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The input rules of the five transactions, checked over many seeded draws. */
class TransactionInputsTest {
  private static final int N = 100_000;

  private static TpccRandom random(long seed) {
    return new TpccRandom(new SplittableRandom(seed), TpccRandom.Constants.RUN);
  }

  @Test
  void onePercentOfNewOrdersEndWithAnUnusedItem() {
    TpccRandom r = random(1);
    TerminalContext t = new TerminalContext(1, 1, 1);
    int rollbacks = 0;
    for (int i = 0; i < N; i++) {
      NewOrder.Input in = NewOrder.generate(r, t);
      NewOrder.Line[] lines = in.lines();
      assertTrue(lines.length >= 5 && lines.length <= 15);
      for (int k = 0; k < lines.length; k++) {
        NewOrder.Line l = lines[k];
        assertTrue(l.quantity() >= 1 && l.quantity() <= 10);
        boolean unused = l.itemId() == TpccScale.UNUSED_ITEM_ID;
        // The unused item appears only in rollback orders, and only as the last line.
        assertEquals(in.invalidItem() && k == lines.length - 1, unused);
        if (k > 0) {
          assertTrue(lines[k - 1].itemId() <= l.itemId(), "lines are in item order");
        }
      }
      assertTrue(in.allLocal(), "one warehouse: every line is local");
      if (in.invalidItem()) {
        rollbacks++;
      }
    }
    // Binomial(100000, 0.01): standard deviation ~0.03%.
    assertEquals(0.01, (double) rollbacks / N, 0.002);
  }

  @Test
  void withSeveralWarehousesOnePercentOfLinesAreRemote() {
    TpccRandom r = random(2);
    TerminalContext t = new TerminalContext(3, 1, 5);
    long lines = 0;
    long remote = 0;
    for (int i = 0; i < N; i++) {
      for (NewOrder.Line l : NewOrder.generate(r, t).lines()) {
        lines++;
        assertTrue(l.supplyWarehouse() >= 1 && l.supplyWarehouse() <= 5);
        if (l.supplyWarehouse() != 3) {
          remote++;
        }
      }
    }
    assertEquals(0.01, (double) remote / lines, 0.001);
  }

  @Test
  void sixtyPercentOfPaymentsFindTheCustomerByLastNameAndFifteenPercentAreRemote() {
    TpccRandom r = random(3);
    TerminalContext t = new TerminalContext(2, 1, 4);
    int byName = 0;
    int remote = 0;
    for (int i = 0; i < N; i++) {
      Payment.Input in = Payment.generate(r, t);
      assertEquals(2, in.warehouse());
      assertTrue(in.amount().compareTo(new java.math.BigDecimal("1.00")) >= 0);
      assertTrue(in.amount().compareTo(new java.math.BigDecimal("5000.00")) <= 0);
      if (in.customer().byName()) {
        byName++;
      } else {
        assertTrue(in.customer().id() >= 1 && in.customer().id() <= 3000);
      }
      if (in.customerWarehouse() != in.warehouse()) {
        remote++;
      }
    }
    assertEquals(0.60, (double) byName / N, 0.01);
    assertEquals(0.15, (double) remote / N, 0.01);
  }

  @Test
  void withOneWarehouseEveryPaymentIsLocal() {
    TpccRandom r = random(4);
    TerminalContext t = new TerminalContext(1, 1, 1);
    for (int i = 0; i < 10_000; i++) {
      Payment.Input in = Payment.generate(r, t);
      assertEquals(1, in.customerWarehouse());
      assertEquals(in.district(), in.customerDistrict());
    }
  }

  @Test
  void sixtyPercentOfOrderStatusLookupsGoByName() {
    TpccRandom r = random(5);
    TerminalContext t = new TerminalContext(1, 1, 1);
    int byName = 0;
    for (int i = 0; i < N; i++) {
      if (OrderStatus.generate(r, t).customer().byName()) {
        byName++;
      }
    }
    assertEquals(0.60, (double) byName / N, 0.01);
  }

  @Test
  void stockLevelUsesTheTerminalsDistrictAndAThresholdFromTenToTwenty() {
    TpccRandom r = random(6);
    TerminalContext t = new TerminalContext(1, 7, 1);
    for (int i = 0; i < 10_000; i++) {
      StockLevel.Input in = StockLevel.generate(r, t);
      assertEquals(7, in.district());
      assertTrue(in.threshold() >= 10 && in.threshold() <= 20);
      Delivery.Input d = Delivery.generate(r, t);
      assertTrue(d.carrier() >= 1 && d.carrier() <= 10);
    }
  }

  @Test
  void remoteWarehousesAreNeverHome() {
    TpccRandom r = random(8);
    TerminalContext t = new TerminalContext(1, 1, 2);
    for (int i = 0; i < 1000; i++) {
      assertEquals(2, t.remoteWarehouse(r));
    }
  }
}
