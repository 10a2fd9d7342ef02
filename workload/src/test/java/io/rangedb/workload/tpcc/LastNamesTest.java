package io.rangedb.workload.tpcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LastNamesTest {

  @Test
  void buildsNamesFromTheSyllableTable() {
    assertEquals("BARBARBAR", LastNames.of(0));
    assertEquals("PRICALLYOUGHT", LastNames.of(371)); // the spec's own example
    assertEquals("OUGHTABLEPRI", LastNames.of(123));
    assertEquals("EINGEINGEING", LastNames.of(999));
  }

  @Test
  void everyNumberGivesADistinctName() {
    Set<String> names = new HashSet<>();
    for (int i = 0; i <= 999; i++) {
      names.add(LastNames.of(i));
    }
    assertEquals(1000, names.size());
  }

  @Test
  void rejectsNumbersOutsideTheTable() {
    assertThrows(IllegalArgumentException.class, () -> LastNames.of(-1));
    assertThrows(IllegalArgumentException.class, () -> LastNames.of(1000));
  }
}
