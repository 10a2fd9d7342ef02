package io.rangedb.raft.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtualTimeTest {
  private final VirtualTime time = new VirtualTime();
  private final List<String> ran = new ArrayList<>();

  @Test
  void tasksRunByTimeThenInTheOrderTheyWereAdded() {
    time.after(5, () -> ran.add("b@5"));
    time.after(1, () -> ran.add("a@1"));
    time.after(5, () -> ran.add("c@5"));
    time.after(9, () -> ran.add("d@9"));
    time.runUntil(5);
    assertEquals(List.of("a@1", "b@5", "c@5"), ran);
    assertEquals(5, time.now());
    time.runUntil(20);
    assertEquals(List.of("a@1", "b@5", "c@5", "d@9"), ran);
    assertEquals(20, time.now(), "the clock moves on to the limit even with nothing due");
  }

  @Test
  void aRepeatingTaskRunsOncePerPeriodUntilTheConditionHolds() {
    time.every(10, () -> ran.add("tick@" + time.now()));
    time.runUntil(() -> ran.size() == 3);
    assertEquals(List.of("tick@10", "tick@20", "tick@30"), ran);
    assertEquals(3, time.executed());
  }

  @Test
  void waitingForWhatNothingLeftCanBringIsAnError() {
    time.after(3, () -> ran.add("only"));
    assertThrows(IllegalStateException.class, () -> time.runUntil(() -> ran.size() == 2));
    assertThrows(IllegalArgumentException.class, () -> time.every(0, () -> {}));
  }
}
