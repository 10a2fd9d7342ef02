package io.rangedb.workload.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

  @Test
  void drawsFilledShareOfTheBar() {
    ProgressBar bar = new ProgressBar(new PrintWriter(new StringWriter()), "load", 200, false);
    assertEquals("load [" + "#".repeat(20) + "-".repeat(20) + "] 50% 100/200", bar.line(100));
  }

  @Test
  void withoutATerminalWritesOneLinePerTenthAndEndsFull() {
    StringWriter sink = new StringWriter();
    ProgressBar bar = new ProgressBar(new PrintWriter(sink), "load", 100, false);
    bar.advance(5);
    bar.render(); // 0%: first line
    bar.render(); // same tenth: nothing new
    bar.advance(30);
    bar.render(); // 35%: a new line
    bar.finish();
    String[] lines = sink.toString().split(System.lineSeparator());
    assertEquals(3, lines.length, sink.toString());
    assertEquals(true, lines[0].endsWith("5% 5/100"));
    assertEquals(true, lines[1].endsWith("35% 35/100"));
    assertEquals(true, lines[2].endsWith("100% 100/100"));
  }
}
