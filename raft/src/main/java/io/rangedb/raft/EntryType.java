package io.rangedb.raft;

/** What an entry's bytes mean to the host. */
public enum EntryType {
  /** An opaque command for the state machine; empty data is a leader's no-op. */
  NORMAL,
  /** An encoded {@link ConfChange}: the host applies it through {@link RawNode#applyConfChange}. */
  CONF_CHANGE
}
