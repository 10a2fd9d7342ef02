package io.rangedb.wire.keys;

/**
 * The sort direction of one key column. A descending column is its ascending encoding with every
 * byte complemented: every ascending encoding is self-delimiting (no value's encoding is a prefix
 * of another's), and complementing the bytes of a prefix-free code exactly reverses its bytewise
 * order, so one set of formats serves both directions.
 */
public enum Direction {
  ASC(0x00),
  DESC(0xFF);

  /** XOR-ed into every byte of a value written in this direction. */
  final int mask;

  Direction(int mask) {
    this.mask = mask;
  }
}
