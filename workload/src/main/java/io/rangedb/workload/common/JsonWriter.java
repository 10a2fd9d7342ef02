package io.rangedb.workload.common;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * A minimal streaming JSON writer for result files. The module may not take a JSON library, and
 * reports are small, flat documents, so objects, arrays, strings and numbers are all we need.
 */
public final class JsonWriter {
  private final StringBuilder sb = new StringBuilder();
  // One entry per open container: whether it already holds an element (so the next needs a comma).
  private final Deque<boolean[]> open = new ArrayDeque<>();
  private boolean afterName;

  public JsonWriter beginObject() {
    value();
    sb.append('{');
    open.push(new boolean[] {false});
    return this;
  }

  public JsonWriter endObject() {
    open.pop();
    sb.append('}');
    return this;
  }

  public JsonWriter beginArray() {
    value();
    sb.append('[');
    open.push(new boolean[] {false});
    return this;
  }

  public JsonWriter endArray() {
    open.pop();
    sb.append(']');
    return this;
  }

  public JsonWriter name(String name) {
    separator();
    string(name);
    sb.append(':');
    afterName = true;
    return this;
  }

  public JsonWriter value(String s) {
    value();
    if (s == null) {
      sb.append("null");
    } else {
      string(s);
    }
    return this;
  }

  public JsonWriter value(long n) {
    value();
    sb.append(n);
    return this;
  }

  public JsonWriter value(double d) {
    value();
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      sb.append("null");
    } else {
      sb.append(String.format(Locale.ROOT, "%.3f", d));
    }
    return this;
  }

  public JsonWriter value(boolean b) {
    value();
    sb.append(b);
    return this;
  }

  public JsonWriter field(String name, String v) {
    return name(name).value(v);
  }

  public JsonWriter field(String name, long v) {
    return name(name).value(v);
  }

  public JsonWriter field(String name, double v) {
    return name(name).value(v);
  }

  public JsonWriter field(String name, boolean v) {
    return name(name).value(v);
  }

  @Override
  public String toString() {
    return sb.toString();
  }

  /** Before any value: a comma if it is not the first element of an array. */
  private void value() {
    if (afterName) {
      afterName = false;
      return;
    }
    separator();
  }

  private void separator() {
    boolean[] top = open.peek();
    if (top != null) {
      if (top[0]) {
        sb.append(',');
      }
      top[0] = true;
    }
  }

  private void string(String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
