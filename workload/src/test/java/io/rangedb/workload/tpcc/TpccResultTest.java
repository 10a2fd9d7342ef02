package io.rangedb.workload.tpcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.workload.common.Isolation;
import io.rangedb.workload.common.OperationSummary;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TpccResultTest {

  private static TpccResult result(boolean waits, int warehouses, long newOrders, long rolledBack) {
    TpccSettings settings =
        new TpccSettings(
            warehouses,
            10 * warehouses,
            Duration.ofMinutes(2),
            Duration.ZERO,
            waits,
            Isolation.SERIALIZABLE,
            50,
            1,
            Duration.ofSeconds(10));
    List<OperationSummary> ops = new ArrayList<>();
    for (TransactionType t : TransactionType.values()) {
      boolean no = t == TransactionType.NEW_ORDER;
      ops.add(
          new OperationSummary(
              t.label(), no ? newOrders : 5, no ? rolledBack : 0, 7, 1, 1.5, 2.5, 3.5, 4.5));
    }
    return new TpccResult(settings, "postgresql", 120, ops, Map.of("40001", 5L));
  }

  @Test
  void tpmcCountsCompletedNewOrdersIncludingDesignedRollbacks() {
    TpccResult r = result(false, 1, 2970, 30);
    assertEquals(1500.0, r.tpmC(), 1e-9); // (2970 + 30) New-Orders in 2 minutes
    assertTrue(Double.isNaN(r.efficiencyPercent()), "no efficiency without waits");
    assertEquals(35, r.retries());
  }

  @Test
  void efficiencyIsTpmcOverTheWaitingBound() {
    TpccResult r = result(true, 2, 50, 1); // 25.5 tpmC against 2 x 12.86
    assertEquals(25.5, r.tpmC(), 1e-9);
    assertEquals(100.0 * 25.5 / 25.72, r.efficiencyPercent(), 1e-9);
    StringWriter out = new StringWriter();
    r.print(new PrintWriter(out));
    assertTrue(out.toString().contains("efficiency: 99.1%"), out.toString());
  }

  @Test
  void jsonCarriesTheSameFigures() {
    String json = result(false, 1, 2970, 30).toJson();
    assertTrue(json.startsWith("{\"workload\":\"tpcc\",\"database\":\"postgresql\""), json);
    assertTrue(json.contains("\"tpmC\":1500.000"), json);
    assertTrue(json.contains("\"efficiency_percent\":null"), json);
    assertTrue(
        json.contains(
            "{\"name\":\"new-order\",\"committed\":2970,\"rolled_back\":30,\"retries\":7,"
                + "\"failed\":1,\"p50_ms\":1.500,\"p90_ms\":2.500,\"p99_ms\":3.500,\"max_ms\":4.500}"),
        json);
    assertTrue(json.endsWith("\"errors\":{\"40001\":5}}"), json);
  }
}
