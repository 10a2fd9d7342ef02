package io.rangedb.wire.keys;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Reads back, column by column, a key written by {@link KeyEncoder}. The caller names the type and
 * direction of every column (the schema knows them); a mismatch or truncated input throws {@link
 * KeyFormatException} rather than returning a wrong value.
 */
public final class KeyDecoder {
  private final byte[] key;
  private int pos;

  public KeyDecoder(byte[] key) {
    this(key, 0);
  }

  /** Starts reading at {@code offset}, e.g. after a known prefix. */
  public KeyDecoder(byte[] key, int offset) {
    this.key = key;
    this.pos = offset;
  }

  public int position() {
    return pos;
  }

  public boolean hasMore() {
    return pos < key.length;
  }

  /** If the next column is NULL, consumes it and returns true; otherwise consumes nothing. */
  public boolean readNullIf(Direction dir) {
    if (peek(dir) == Tags.NULL) {
      pos++;
      return true;
    }
    return false;
  }

  public boolean readBoolean(Direction dir) {
    int tag = next(dir);
    if (tag == Tags.TRUE) {
      return true;
    }
    if (tag == Tags.FALSE) {
      return false;
    }
    throw mismatch("boolean", tag);
  }

  public long readLong(Direction dir) {
    int prefix = next(dir);
    if (prefix >= Tags.INT_ZERO && prefix <= Tags.INT_ZERO + 8) {
      int n = prefix - Tags.INT_ZERO;
      long v = readLow(n, dir);
      if (v < 0) {
        throw new KeyFormatException("integer does not fit a signed long at " + (pos - n));
      }
      return v;
    }
    if (prefix >= Tags.INT_MINUS_ONE - 8 && prefix <= Tags.INT_MINUS_ONE) {
      int n = Tags.INT_MINUS_ONE - prefix;
      long low = readLow(n, dir);
      // The n low bytes were written as-is; everything above them is the sign (all ones).
      return n == 8 ? low : (-1L << (8 * n)) | low;
    }
    throw mismatch("integer", prefix);
  }

  public long readUnsignedLong(Direction dir) {
    int prefix = next(dir);
    if (prefix < Tags.INT_ZERO || prefix > Tags.INT_ZERO + 8) {
      throw mismatch("unsigned integer", prefix);
    }
    return readLow(prefix - Tags.INT_ZERO, dir);
  }

  public double readDouble(Direction dir) {
    expect(Tags.DOUBLE, "double", dir);
    long b = readLow(8, dir);
    return Double.longBitsToDouble(b < 0 ? b ^ Long.MIN_VALUE : ~b);
  }

  public float readFloat(Direction dir) {
    expect(Tags.FLOAT, "float", dir);
    int b = (int) readLow(4, dir);
    return Float.intBitsToFloat(b < 0 ? b ^ Integer.MIN_VALUE : ~b);
  }

  public BigDecimal readDecimal(Direction dir) {
    int tag = next(dir);
    if (tag == Tags.DECIMAL_ZERO) {
      return BigDecimal.ZERO;
    }
    if (tag != Tags.DECIMAL_POSITIVE && tag != Tags.DECIMAL_NEGATIVE) {
      throw mismatch("decimal", tag);
    }
    boolean negative = tag == Tags.DECIMAL_NEGATIVE;
    // The tail of a negative is complemented once more on top of the column direction.
    Direction tailDir = negative ^ (dir == Direction.DESC) ? Direction.DESC : Direction.ASC;
    long exponent = readLong(tailDir);
    StringBuilder digits = new StringBuilder();
    while (true) {
      int b = next(tailDir);
      if (b == 0x00) {
        break;
      }
      if (b > 100) {
        throw new KeyFormatException("bad decimal digit pair " + b + " at " + (pos - 1));
      }
      int pair = b - 1;
      digits.append((char) ('0' + pair / 10)).append((char) ('0' + pair % 10));
    }
    // The last pair may carry a padding zero; the written digits never end in zero otherwise.
    int end = digits.length();
    while (end > 0 && digits.charAt(end - 1) == '0') {
      end--;
    }
    if (end == 0) {
      throw new KeyFormatException("decimal without significant digits at " + pos);
    }
    BigInteger unscaled = new BigInteger(digits.substring(0, end));
    long scale = end - exponent;
    if (exponent < Integer.MIN_VALUE || exponent > Integer.MAX_VALUE || scale != (int) scale) {
      throw new KeyFormatException("decimal exponent out of range: " + exponent);
    }
    BigDecimal v = new BigDecimal(unscaled, (int) scale);
    return negative ? v.negate() : v;
  }

  public String readString(Direction dir) {
    expect(Tags.STRING, "string", dir);
    byte[] raw = readEscaped(dir);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(raw))
          .toString();
    } catch (CharacterCodingException e) {
      throw new KeyFormatException("string column is not valid UTF-8 before " + pos);
    }
  }

  public byte[] readBytes(Direction dir) {
    expect(Tags.BYTES, "bytes", dir);
    return readEscaped(dir);
  }

  public LocalDate readDate(Direction dir) {
    expect(Tags.DATE, "date", dir);
    long day = readLong(dir);
    try {
      return LocalDate.ofEpochDay(day);
    } catch (DateTimeException e) {
      throw new KeyFormatException("date out of range: epoch day " + day);
    }
  }

  public Instant readTimestamp(Direction dir) {
    expect(Tags.TIMESTAMP, "timestamp", dir);
    long seconds = readLong(dir);
    long nanos = readLong(dir);
    try {
      return Instant.ofEpochSecond(seconds, nanos);
    } catch (DateTimeException | ArithmeticException e) {
      throw new KeyFormatException("timestamp out of range: " + seconds + "s " + nanos + "ns");
    }
  }

  private byte[] readEscaped(Direction dir) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      int b = next(dir);
      if (b != Tags.ESCAPE) {
        out.write(b);
        continue;
      }
      int after = next(dir);
      if (after == Tags.END) {
        return out.toByteArray();
      }
      if (after != Tags.ESCAPED_ZERO) {
        throw new KeyFormatException("bad escape 0x00 0x" + Integer.toHexString(after));
      }
      out.write(0);
    }
  }

  private long readLow(int n, Direction dir) {
    long v = 0;
    for (int i = 0; i < n; i++) {
      v = (v << 8) | next(dir);
    }
    return v;
  }

  private void expect(int tag, String type, Direction dir) {
    int got = next(dir);
    if (got != tag) {
      throw mismatch(type, got);
    }
  }

  private KeyFormatException mismatch(String type, int tag) {
    return new KeyFormatException(
        "expected " + type + " at " + (pos - 1) + ", found tag 0x" + Integer.toHexString(tag));
  }

  private int peek(Direction dir) {
    if (pos >= key.length) {
      throw new KeyFormatException("key ends at " + pos + " but another column was expected");
    }
    return (key[pos] ^ dir.mask) & 0xFF;
  }

  private int next(Direction dir) {
    int b = peek(dir);
    pos++;
    return b;
  }
}
