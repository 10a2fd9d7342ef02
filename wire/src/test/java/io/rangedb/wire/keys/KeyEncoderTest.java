package io.rangedb.wire.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** Documented edges of the encoding that SQL relies on, pinned one by one. */
class KeyEncoderTest {

  @Test
  void nullSortsFirstAscendingAndLastDescending() {
    byte[] nullAsc = new KeyEncoder().writeNull(Direction.ASC).toBytes();
    byte[] minAsc = new KeyEncoder().writeLong(Long.MIN_VALUE, Direction.ASC).toBytes();
    assertTrue(Keys.compare(nullAsc, minAsc) < 0);
    byte[] nullDesc = new KeyEncoder().writeNull(Direction.DESC).toBytes();
    byte[] minDesc = new KeyEncoder().writeLong(Long.MIN_VALUE, Direction.DESC).toBytes();
    assertTrue(Keys.compare(minDesc, nullDesc) < 0);
  }

  @Test
  void smallIntegersAreShort() {
    assertEquals(1, new KeyEncoder().writeLong(0, Direction.ASC).length());
    assertEquals(1, new KeyEncoder().writeLong(-1, Direction.ASC).length());
    assertEquals(2, new KeyEncoder().writeLong(200, Direction.ASC).length());
    assertEquals(9, new KeyEncoder().writeLong(Long.MIN_VALUE, Direction.ASC).length());
  }

  @Test
  void floatEdgesFollowDoubleCompare() {
    double[] ascending = {
      Double.NEGATIVE_INFINITY,
      -1.5,
      -0.0,
      0.0,
      Double.MIN_VALUE,
      2.0,
      Double.POSITIVE_INFINITY,
      Double.NaN
    };
    for (int i = 1; i < ascending.length; i++) {
      byte[] a = new KeyEncoder().writeDouble(ascending[i - 1], Direction.ASC).toBytes();
      byte[] b = new KeyEncoder().writeDouble(ascending[i], Direction.ASC).toBytes();
      assertTrue(Keys.compare(a, b) < 0, ascending[i - 1] + " < " + ascending[i]);
    }
    // Any NaN bit pattern is one key.
    double otherNaN = Double.longBitsToDouble(0xFFF0_0000_0000_0001L);
    assertArrayEquals(
        new KeyEncoder().writeDouble(Double.NaN, Direction.ASC).toBytes(),
        new KeyEncoder().writeDouble(otherNaN, Direction.ASC).toBytes());
  }

  @Test
  void decimalsEqualByValueAreOneKey() {
    assertArrayEquals(
        new KeyEncoder().writeDecimal(new BigDecimal("1.0"), Direction.ASC).toBytes(),
        new KeyEncoder().writeDecimal(new BigDecimal("1.000"), Direction.ASC).toBytes());
    BigDecimal back =
        new KeyDecoder(
                new KeyEncoder().writeDecimal(new BigDecimal("120.50"), Direction.DESC).toBytes())
            .readDecimal(Direction.DESC);
    assertEquals(new BigDecimal("120.5"), back);
  }

  @Test
  void unpairedSurrogateIsRejectedNotMangled() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new KeyEncoder().writeString("a\uD800b", Direction.ASC));
  }

  @Test
  void readingTheWrongTypeOrATruncatedKeyFails() {
    byte[] s = new KeyEncoder().writeString("abc", Direction.ASC).toBytes();
    assertThrows(KeyFormatException.class, () -> new KeyDecoder(s).readLong(Direction.ASC));
    byte[] truncated = java.util.Arrays.copyOf(s, s.length - 1);
    assertThrows(
        KeyFormatException.class, () -> new KeyDecoder(truncated).readString(Direction.ASC));
  }

  @Test
  void prefixEndOfAllOnesIsUnbounded() {
    assertTrue(Keys.prefixEnd(new byte[] {(byte) 0xFF, (byte) 0xFF}).isEmpty());
    assertTrue(Keys.prefixEnd(new byte[0]).isEmpty());
    assertArrayEquals(
        new byte[] {1, 3}, Keys.prefixEnd(new byte[] {1, 2, (byte) 0xFF}).orElseThrow());
  }
}
