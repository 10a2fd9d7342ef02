package io.rangedb.workload.common;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A text progress bar for long loads. On a terminal it redraws one line; into a file or pipe it
 * writes a new line only at every tenth of the way, so logs stay readable.
 */
public final class ProgressBar {
  private static final int WIDTH = 40;

  private final PrintWriter out;
  private final String label;
  private final long total;
  private final boolean interactive;
  private final AtomicLong done = new AtomicLong();
  private int lastTenth = -1;

  public ProgressBar(PrintWriter out, String label, long total, boolean interactive) {
    this.out = out;
    this.label = label;
    this.total = Math.max(1, total);
    this.interactive = interactive;
  }

  public void advance(long units) {
    done.addAndGet(units);
  }

  public long done() {
    return done.get();
  }

  /** Redraws; call periodically from one thread. */
  public synchronized void render() {
    long d = Math.min(done.get(), total);
    int tenth = (int) (d * 10 / total);
    if (interactive) {
      out.print('\r' + line(d));
      out.flush();
    } else if (tenth != lastTenth) {
      out.println(line(d));
      out.flush();
    }
    lastTenth = tenth;
  }

  /** Draws the final, full state and ends the line. */
  public synchronized void finish() {
    done.set(Math.max(done.get(), total));
    if (interactive) {
      out.println('\r' + line(total));
    } else if (lastTenth != 10) {
      out.println(line(total));
    }
    lastTenth = 10;
    out.flush();
  }

  /** The bar for {@code d} units done, e.g. {@code load [#####-----] 50% 5000/10000}. */
  public String line(long d) {
    int filled = (int) (d * WIDTH / total);
    return label
        + " ["
        + "#".repeat(filled)
        + "-".repeat(WIDTH - filled)
        + "] "
        + (d * 100 / total)
        + "% "
        + d
        + "/"
        + total;
  }
}
