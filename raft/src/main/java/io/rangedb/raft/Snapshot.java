package io.rangedb.raft;

import java.util.Objects;

/**
 * A point-in-time image of the state machine: everything up to and including {@code index}, whose
 * entry had {@code term}, with the membership as of that index. The data comes from the state
 * machine through {@link LogStorage#snapshot()}; the core never looks inside it.
 */
public record Snapshot(long index, long term, ConfState conf, byte[] data) {
  private static final byte[] EMPTY = new byte[0];

  public Snapshot {
    Objects.requireNonNull(conf, "conf");
    data = data == null ? EMPTY : data;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Snapshot s
        && s.index == index
        && s.term == term
        && s.conf.equals(conf)
        && java.util.Arrays.equals(s.data, data);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(index) * 31 + Long.hashCode(term);
  }

  @Override
  public String toString() {
    return "snapshot " + term + "/" + index + " " + conf + " " + data.length + "B";
  }
}
