package io.rangedb.raft;

import java.util.Objects;

/**
 * One log entry. Two entries with the same index and term are the same entry (log matching), so
 * equality compares the bytes too only to make tests honest.
 */
public record Entry(long term, long index, EntryType type, byte[] data) {
  private static final byte[] EMPTY = new byte[0];

  public Entry {
    Objects.requireNonNull(type, "type");
    data = data == null ? EMPTY : data;
  }

  /** A normal entry; index and term are assigned by the leader when it appends. */
  public static Entry normal(long term, long index, byte[] data) {
    return new Entry(term, index, EntryType.NORMAL, data);
  }

  /** Approximate bytes on the wire and on disk, used to bound message and Ready sizes. */
  public long sizeBytes() {
    return data.length + 24L;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Entry e
        && e.term == term
        && e.index == index
        && e.type == type
        && java.util.Arrays.equals(e.data, data);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(index) * 31 + Long.hashCode(term);
  }

  @Override
  public String toString() {
    return term
        + "/"
        + index
        + (type == EntryType.CONF_CHANGE ? " conf" : "")
        + " "
        + data.length
        + "B";
  }
}
