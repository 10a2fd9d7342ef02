package io.rangedb.wire.keys;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;

/**
 * Builds an order-preserving composite key: the bytewise (unsigned, lexicographic) order of two
 * keys written with the same sequence of column types and directions is the order of their values,
 * column by column. {@link KeyDecoder} reads the columns back.
 *
 * <p>Orders and their documented edges:
 *
 * <ul>
 *   <li>NULL sorts before every value in an ascending column and after every value in a descending
 *       one (a descending column is the exact mirror of an ascending one).
 *   <li>Doubles and floats follow {@link Double#compare}: {@code -Infinity < ... < -0.0 < 0.0 < ...
 *       < +Infinity < NaN}. Every NaN is written as the canonical {@link Double#NaN}. {@code -0.0}
 *       and {@code 0.0} stay distinct so that a value reads back bit-exactly; a caller with SQL
 *       semantics (where they are equal) normalizes {@code -0.0} to {@code 0.0} before writing.
 *   <li>Decimals follow {@link BigDecimal#compareTo}: {@code 1.0} and {@code 1.00} are one key, and
 *       read back as {@code stripTrailingZeros()} of the written value.
 *   <li>Strings sort by Unicode code point (the order of their UTF-8 bytes), which differs from
 *       {@link String#compareTo} (UTF-16 units) only for supplementary characters. Strings with
 *       unpaired surrogates cannot be encoded and are rejected.
 *   <li>Timestamps are {@link Instant}s (seconds, then nanoseconds); dates are {@link LocalDate}s.
 * </ul>
 */
public final class KeyEncoder {
  private byte[] buf;
  private int len;

  public KeyEncoder() {
    this(32);
  }

  public KeyEncoder(int initialCapacity) {
    buf = new byte[Math.max(8, initialCapacity)];
  }

  /** Starts with an already-encoded prefix, e.g. a table/index prefix. */
  public KeyEncoder(byte[] prefix) {
    this(prefix.length + 32);
    appendRaw(prefix);
  }

  public int length() {
    return len;
  }

  public byte[] toBytes() {
    return Arrays.copyOf(buf, len);
  }

  /** Appends bytes verbatim (an encoded prefix); they are not a column and are not escaped. */
  public KeyEncoder appendRaw(byte[] bytes) {
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, len, bytes.length);
    len += bytes.length;
    return this;
  }

  public KeyEncoder writeNull(Direction dir) {
    int start = len;
    put(Tags.NULL);
    return finish(start, dir);
  }

  public KeyEncoder writeBoolean(boolean v, Direction dir) {
    int start = len;
    put(v ? Tags.TRUE : Tags.FALSE);
    return finish(start, dir);
  }

  public KeyEncoder writeLong(long v, Direction dir) {
    int start = len;
    putSignedVarint(v);
    return finish(start, dir);
  }

  /** Writes {@code v} read as an unsigned 64-bit integer (see {@link Long#compareUnsigned}). */
  public KeyEncoder writeUnsignedLong(long v, Direction dir) {
    int start = len;
    int n = significantBytes(v);
    put(Tags.INT_ZERO + n);
    putLow(v, n);
    return finish(start, dir);
  }

  public KeyEncoder writeDouble(double v, Direction dir) {
    int start = len;
    put(Tags.DOUBLE);
    // doubleToLongBits canonicalizes NaN. Positive values: flip the sign bit so they sort above
    // negatives; negative values: flip every bit so a larger magnitude sorts lower.
    long bits = Double.doubleToLongBits(v);
    putLow(bits < 0 ? ~bits : bits ^ Long.MIN_VALUE, 8);
    return finish(start, dir);
  }

  public KeyEncoder writeFloat(float v, Direction dir) {
    int start = len;
    put(Tags.FLOAT);
    int bits = Float.floatToIntBits(v);
    putLow((bits < 0 ? ~bits : bits ^ Integer.MIN_VALUE) & 0xFFFFFFFFL, 4);
    return finish(start, dir);
  }

  /**
   * Writes a decimal as sign, then the decimal exponent E and the significant digits d1 d2 ... of
   * |v| = 0.d1d2... x 10^E (d1 != 0). For positives a larger E, then a larger digit string, is a
   * larger number; digits go two per byte (pair + 1, so 1..100) and end with 0x00, so a digit
   * string sorts before its own extensions. Negatives write the same tail complemented.
   */
  public KeyEncoder writeDecimal(BigDecimal v, Direction dir) {
    int start = len;
    int sign = v.signum();
    if (sign == 0) {
      put(Tags.DECIMAL_ZERO);
      return finish(start, dir);
    }
    put(sign > 0 ? Tags.DECIMAL_POSITIVE : Tags.DECIMAL_NEGATIVE);
    int tail = len;
    BigDecimal stripped = v.stripTrailingZeros();
    BigInteger unscaled = stripped.unscaledValue().abs();
    String digits = unscaled.toString();
    long exponent = (long) digits.length() - stripped.scale();
    putSignedVarint(exponent);
    for (int i = 0; i < digits.length(); i += 2) {
      int hi = digits.charAt(i) - '0';
      int lo = i + 1 < digits.length() ? digits.charAt(i + 1) - '0' : 0;
      put(hi * 10 + lo + 1);
    }
    put(0x00);
    if (sign < 0) {
      complement(tail, len);
    }
    return finish(start, dir);
  }

  public KeyEncoder writeString(String v, Direction dir) {
    int start = len;
    put(Tags.STRING);
    putEscaped(utf8Strict(v));
    return finish(start, dir);
  }

  public KeyEncoder writeBytes(byte[] v, Direction dir) {
    int start = len;
    put(Tags.BYTES);
    putEscaped(v);
    return finish(start, dir);
  }

  public KeyEncoder writeDate(LocalDate v, Direction dir) {
    int start = len;
    put(Tags.DATE);
    putSignedVarint(v.toEpochDay());
    return finish(start, dir);
  }

  public KeyEncoder writeTimestamp(Instant v, Direction dir) {
    int start = len;
    put(Tags.TIMESTAMP);
    putSignedVarint(v.getEpochSecond());
    putSignedVarint(v.getNano());
    return finish(start, dir);
  }

  /**
   * Integers are a length prefix and the significant big-endian bytes. Non-negative values of n
   * significant bytes get prefix 0x80 + n, so longer (larger) values sort later; negative values
   * use the bytes of v itself with prefix 0x7F - n where n counts the significant bytes of ~v, so a
   * more negative value gets a smaller prefix. Small numbers stay short (0 is one byte).
   */
  private void putSignedVarint(long v) {
    if (v >= 0) {
      int n = significantBytes(v);
      put(Tags.INT_ZERO + n);
      putLow(v, n);
    } else {
      int n = significantBytes(~v);
      put(Tags.INT_MINUS_ONE - n);
      putLow(v, n);
    }
  }

  static int significantBytes(long v) {
    return (64 - Long.numberOfLeadingZeros(v) + 7) / 8;
  }

  /** Writes 0x00 as (0x00, 0xFF) and ends with (0x00, 0x01), keeping bytewise order. */
  private void putEscaped(byte[] v) {
    ensure(v.length + 2);
    for (byte b : v) {
      if (b == 0) {
        put(Tags.ESCAPE);
        put(Tags.ESCAPED_ZERO);
      } else {
        put(b);
      }
    }
    put(Tags.ESCAPE);
    put(Tags.END);
  }

  private static byte[] utf8Strict(String v) {
    try {
      ByteBuffer bb =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(v));
      byte[] out = new byte[bb.remaining()];
      bb.get(out);
      return out;
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("string is not valid Unicode (unpaired surrogate)", e);
    }
  }

  private void putLow(long v, int n) {
    ensure(n);
    for (int i = n - 1; i >= 0; i--) {
      buf[len++] = (byte) (v >>> (8 * i));
    }
  }

  private KeyEncoder finish(int start, Direction dir) {
    if (dir == Direction.DESC) {
      complement(start, len);
    }
    return this;
  }

  private void complement(int from, int to) {
    for (int i = from; i < to; i++) {
      buf[i] = (byte) ~buf[i];
    }
  }

  private void put(int b) {
    ensure(1);
    buf[len++] = (byte) b;
  }

  private void ensure(int extra) {
    if (len + extra > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }
  }
}
