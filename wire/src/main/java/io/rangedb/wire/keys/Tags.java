package io.rangedb.wire.keys;

/**
 * The first byte of every ascending value encoding. The decoder is told the type it expects, so
 * tags do not have to order types among each other; they exist so that NULL (0x00) sorts before
 * every value of every type and so that reading the wrong type fails loudly instead of returning
 * garbage. Integers carry no separate tag: their length prefix (0x77..0x88) is the tag.
 */
final class Tags {
  static final int NULL = 0x00;
  static final int FALSE = 0x10;
  static final int TRUE = 0x11;
  static final int FLOAT = 0x20;
  static final int DOUBLE = 0x21;
  static final int DECIMAL_NEGATIVE = 0x30;
  static final int DECIMAL_ZERO = 0x31;
  static final int DECIMAL_POSITIVE = 0x32;
  static final int STRING = 0x40;
  static final int BYTES = 0x41;
  static final int DATE = 0x50;
  static final int TIMESTAMP = 0x51;

  /** Length prefix of a non-negative integer of n significant bytes is INT_ZERO + n (n = 0..8). */
  static final int INT_ZERO = 0x80;

  /** Length prefix of a negative integer of n significant bytes is INT_MINUS_ONE - n. */
  static final int INT_MINUS_ONE = 0x7F;

  /** Inside strings and bytes: 0x00 is written as ESCAPE, ESCAPED_ZERO; the end as ESCAPE, END. */
  static final int ESCAPE = 0x00;

  static final int ESCAPED_ZERO = 0xFF;
  static final int END = 0x01;

  private Tags() {}
}
