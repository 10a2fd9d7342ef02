package io.rangedb.workload.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {

  @Test
  void readsTheUnitsPeopleType() {
    assertEquals(Duration.ofMillis(500), DurationConverter.parse("500ms"));
    assertEquals(Duration.ofSeconds(60), DurationConverter.parse("60s"));
    assertEquals(Duration.ofMinutes(5), DurationConverter.parse("5m"));
    assertEquals(Duration.ofHours(1), DurationConverter.parse("1h"));
    assertEquals(Duration.ofSeconds(30), DurationConverter.parse("30"));
    assertEquals(Duration.ofSeconds(90), DurationConverter.parse("PT1M30S"));
  }

  @Test
  void rejectsNonsenseWithExamples() {
    TypeConversionException e =
        assertThrows(TypeConversionException.class, () -> DurationConverter.parse("soon"));
    assertEquals("'soon' is not a duration (examples: 500ms, 60s, 5m, 1h, PT30S)", e.getMessage());
  }
}
