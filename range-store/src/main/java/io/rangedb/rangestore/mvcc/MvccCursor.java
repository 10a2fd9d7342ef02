package io.rangedb.rangestore.mvcc;

import io.rangedb.rangestore.storage.EngineIterator;

/**
 * An engine iterator that remembers, per position, whether it is valid and its key. MVCC logic asks
 * both several times per record; each ask would otherwise be a JNI call and a key copy, which is
 * most of the cost of a scan over short rows.
 */
final class MvccCursor implements AutoCloseable {
  private final EngineIterator it;
  private byte[] key;
  private int valid = -1; // -1 unknown, 0 no, 1 yes

  MvccCursor(EngineIterator it) {
    this.it = it;
  }

  boolean valid() {
    if (valid < 0) {
      valid = it.valid() ? 1 : 0;
    }
    return valid == 1;
  }

  byte[] key() {
    if (key == null) {
      key = it.key();
    }
    return key;
  }

  byte[] value() {
    return it.value();
  }

  int valueLength() {
    return it.valueLength();
  }

  void seek(byte[] target) {
    it.seek(target);
    moved();
  }

  void seekToLast() {
    it.seekToLast();
    moved();
  }

  void next() {
    it.next();
    moved();
  }

  void prev() {
    it.prev();
    moved();
  }

  private void moved() {
    key = null;
    valid = -1;
  }

  @Override
  public void close() {
    it.close();
  }
}
