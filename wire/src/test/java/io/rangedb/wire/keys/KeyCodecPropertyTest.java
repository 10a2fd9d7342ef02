package io.rangedb.wire.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * For every type and direction, and for composite keys: the bytewise order of encodings is the
 * order of the values, and decoding gives the value back. Seeded: set -Dkeys.seed=N to replay.
 */
class KeyCodecPropertyTest {
  private static final long SEED = Long.getLong("keys.seed", 20261201L);
  private static final int PAIRS = 4_000;

  /** One column type: how to make, compare, write and read its values (null means SQL NULL). */
  record Codec<T>(
      String name,
      Function<Random, T> gen,
      Comparator<T> order,
      TriWriter<T> write,
      Function2<KeyDecoder, Direction, T> read,
      Function<T, T> canonical) {

    int compareNullable(Object a, Object b) {
      if (a == null || b == null) {
        return a == null ? (b == null ? 0 : -1) : 1;
      }
      @SuppressWarnings("unchecked")
      int c = order.compare((T) a, (T) b);
      return Integer.signum(c);
    }

    @SuppressWarnings("unchecked")
    void writeNullable(KeyEncoder e, Object v, Direction d) {
      if (v == null) {
        e.writeNull(d);
      } else {
        write.write(e, (T) v, d);
      }
    }

    Object readNullable(KeyDecoder k, Direction d) {
      return k.readNullIf(d) ? null : read.apply(k, d);
    }

    @SuppressWarnings("unchecked")
    Object canon(Object v) {
      return v == null ? null : canonical.apply((T) v);
    }
  }

  interface TriWriter<T> {
    void write(KeyEncoder e, T v, Direction d);
  }

  interface Function2<A, B, R> {
    R apply(A a, B b);
  }

  static List<Codec<?>> codecs() {
    List<Codec<?>> all = new ArrayList<>();
    all.add(
        new Codec<Long>(
            "long",
            KeyCodecPropertyTest::randomLong,
            Long::compare,
            (e, v, d) -> e.writeLong(v, d),
            KeyDecoder::readLong,
            v -> v));
    all.add(
        new Codec<Long>(
            "unsigned",
            KeyCodecPropertyTest::randomLong,
            Long::compareUnsigned,
            (e, v, d) -> e.writeUnsignedLong(v, d),
            KeyDecoder::readUnsignedLong,
            v -> v));
    all.add(
        new Codec<Double>(
            "double",
            KeyCodecPropertyTest::randomDouble,
            Double::compare,
            (e, v, d) -> e.writeDouble(v, d),
            KeyDecoder::readDouble,
            v -> v));
    all.add(
        new Codec<Float>(
            "float",
            r -> (float) randomDouble(r),
            Float::compare,
            (e, v, d) -> e.writeFloat(v, d),
            KeyDecoder::readFloat,
            v -> v));
    all.add(
        new Codec<BigDecimal>(
            "decimal",
            KeyCodecPropertyTest::randomDecimal,
            BigDecimal::compareTo,
            (e, v, d) -> e.writeDecimal(v, d),
            KeyDecoder::readDecimal,
            v -> v.signum() == 0 ? BigDecimal.ZERO : v.stripTrailingZeros()));
    all.add(
        new Codec<String>(
            "string",
            KeyCodecPropertyTest::randomString,
            KeyCodecPropertyTest::compareCodePoints,
            (e, v, d) -> e.writeString(v, d),
            KeyDecoder::readString,
            v -> v));
    all.add(
        new Codec<byte[]>(
            "bytes",
            KeyCodecPropertyTest::randomBytes,
            Arrays::compareUnsigned,
            (e, v, d) -> e.writeBytes(v, d),
            KeyDecoder::readBytes,
            v -> v));
    all.add(
        new Codec<Boolean>(
            "boolean",
            Random::nextBoolean,
            Boolean::compare,
            (e, v, d) -> e.writeBoolean(v, d),
            KeyDecoder::readBoolean,
            v -> v));
    all.add(
        new Codec<LocalDate>(
            "date",
            r -> LocalDate.ofEpochDay(r.nextLong(-3_000_000, 3_000_000)),
            LocalDate::compareTo,
            (e, v, d) -> e.writeDate(v, d),
            KeyDecoder::readDate,
            v -> v));
    all.add(
        new Codec<Instant>(
            "timestamp",
            r ->
                Instant.ofEpochSecond(
                    r.nextInt(3) == 0
                        ? r.nextLong(-5, 5)
                        : r.nextLong(-99_999_999_999L, 99_999_999_999L),
                    r.nextInt(4) == 0 ? 0 : r.nextInt(1_000_000_000)),
            Instant::compareTo,
            (e, v, d) -> e.writeTimestamp(v, d),
            KeyDecoder::readTimestamp,
            v -> v));
    return all;
  }

  static Stream<Arguments> codecsAndDirections() {
    return codecs().stream()
        .flatMap(c -> Stream.of(Direction.values()).map(d -> Arguments.of(c.name(), c, d)));
  }

  @ParameterizedTest(name = "{0} {2}")
  @MethodSource("codecsAndDirections")
  void singleColumnOrderAndRoundTrip(String name, Codec<?> codec, Direction dir) {
    Random r = new Random(SEED ^ name.hashCode() ^ dir.ordinal());
    for (int i = 0; i < PAIRS; i++) {
      Object a = r.nextInt(20) == 0 ? null : codec.gen().apply(r);
      Object b = r.nextInt(10) == 0 ? a : r.nextInt(20) == 0 ? null : codec.gen().apply(r);
      byte[] ea = encode(codec, a, dir);
      byte[] eb = encode(codec, b, dir);
      int expected = codec.compareNullable(a, b) * (dir == Direction.ASC ? 1 : -1);
      assertEquals(
          expected,
          Integer.signum(Arrays.compareUnsigned(ea, eb)),
          () -> "seed " + SEED + ": order of " + show(a) + " vs " + show(b));
      KeyDecoder dec = new KeyDecoder(ea);
      Object back = codec.readNullable(dec, dir);
      assertFalse(dec.hasMore(), "decoder consumed the whole key");
      assertValueEquals(codec.canon(a), back, () -> "seed " + SEED + ": round trip " + show(a));
    }
  }

  @ParameterizedTest(name = "composite seed offset {0}")
  @MethodSource("compositeSeeds")
  void compositeKeysOrderColumnByColumn(int offset) {
    Random r = new Random(SEED + offset);
    List<Codec<?>> all = codecs();
    for (int schemaNo = 0; schemaNo < 40; schemaNo++) {
      int columns = 1 + r.nextInt(4);
      List<Codec<?>> schema = new ArrayList<>();
      List<Direction> dirs = new ArrayList<>();
      for (int c = 0; c < columns; c++) {
        schema.add(all.get(r.nextInt(all.size())));
        dirs.add(r.nextBoolean() ? Direction.ASC : Direction.DESC);
      }
      for (int i = 0; i < 100; i++) {
        Object[] a = randomRow(r, schema);
        // Share a prefix often, so later columns decide the order.
        Object[] b = randomRow(r, schema);
        int shared = r.nextInt(columns + 1);
        System.arraycopy(a, 0, b, 0, shared);
        byte[] ea = encodeRow(schema, dirs, a);
        byte[] eb = encodeRow(schema, dirs, b);
        int expected = 0;
        for (int c = 0; c < columns && expected == 0; c++) {
          expected =
              schema.get(c).compareNullable(a[c], b[c]) * (dirs.get(c) == Direction.ASC ? 1 : -1);
        }
        int actual = Integer.signum(Arrays.compareUnsigned(ea, eb));
        final int exp = expected;
        assertEquals(
            exp,
            actual,
            () -> "seed " + (SEED + offset) + ": " + Arrays.deepToString(a) + " vs " + show(b));
        KeyDecoder dec = new KeyDecoder(ea);
        for (int c = 0; c < columns; c++) {
          Object back = schema.get(c).readNullable(dec, dirs.get(c));
          assertValueEquals(schema.get(c).canon(a[c]), back, () -> "composite round trip");
        }
        assertFalse(dec.hasMore());
      }
    }
  }

  static Stream<Integer> compositeSeeds() {
    return Stream.of(1, 2, 3, 4, 5);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("codecsAndDirectionsNames")
  void prefixEndBoundsEveryExtensionOfAnEncodedColumn(String name) {
    Random r = new Random(SEED ^ name.hashCode());
    Codec<?> codec = codecs().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    for (int i = 0; i < 500; i++) {
      Object v = codec.gen().apply(r);
      byte[] prefix = encode(codec, v, Direction.ASC);
      byte[] end = Keys.prefixEnd(prefix).orElseThrow();
      byte[] extended = new KeyEncoder(prefix).writeBytes(randomBytes(r), Direction.DESC).toBytes();
      assertTrue(Keys.compare(prefix, extended) < 0);
      assertTrue(Keys.compare(extended, end) < 0, "every extension sorts below prefixEnd");
      assertFalse(Keys.hasPrefix(end, prefix));
      assertTrue(Keys.compare(prefix, Keys.next(prefix)) < 0);
    }
  }

  static Stream<String> codecsAndDirectionsNames() {
    return codecs().stream().map(Codec::name);
  }

  private static Object[] randomRow(Random r, List<Codec<?>> schema) {
    Object[] row = new Object[schema.size()];
    for (int c = 0; c < row.length; c++) {
      row[c] = r.nextInt(10) == 0 ? null : schema.get(c).gen().apply(r);
    }
    return row;
  }

  private static byte[] encodeRow(List<Codec<?>> schema, List<Direction> dirs, Object[] row) {
    KeyEncoder e = new KeyEncoder();
    for (int c = 0; c < row.length; c++) {
      schema.get(c).writeNullable(e, row[c], dirs.get(c));
    }
    return e.toBytes();
  }

  private static byte[] encode(Codec<?> codec, Object v, Direction dir) {
    KeyEncoder e = new KeyEncoder();
    codec.writeNullable(e, v, dir);
    return e.toBytes();
  }

  private static void assertValueEquals(
      Object expected, Object actual, java.util.function.Supplier<String> msg) {
    if (expected instanceof byte[] eb) {
      assertArrayEquals(eb, (byte[]) actual, msg);
    } else if (expected instanceof Double d) {
      assertEquals(Double.doubleToLongBits(d), Double.doubleToLongBits((Double) actual), msg);
    } else {
      assertEquals(expected, actual, msg);
    }
  }

  private static String show(Object v) {
    return v instanceof byte[] b
        ? Arrays.toString(b)
        : v instanceof Object[] o ? Arrays.deepToString(o) : Objects.toString(v);
  }

  static long randomLong(Random r) {
    return switch (r.nextInt(6)) {
      case 0 ->
          new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 255, 256, -256, -257}[r.nextInt(9)];
      case 1 -> r.nextInt(200) - 100;
      // A random bit length covers every length prefix.
      default -> r.nextLong() >> r.nextInt(64);
    };
  }

  static double randomDouble(Random r) {
    return switch (r.nextInt(8)) {
      case 0 ->
          new double[] {
                0.0,
                -0.0,
                Double.NaN,
                Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY,
                Double.MIN_VALUE,
                -Double.MIN_VALUE,
                Double.MAX_VALUE,
                -Double.MAX_VALUE
              }
              [r.nextInt(9)];
      case 1 -> Double.longBitsToDouble(r.nextLong()); // any bit pattern, NaN payloads included
      case 2 -> r.nextInt(100) - 50;
      default -> (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(40) - 20);
    };
  }

  static BigDecimal randomDecimal(Random r) {
    BigInteger unscaled =
        switch (r.nextInt(4)) {
          case 0 -> BigInteger.valueOf(r.nextInt(21) - 10);
          case 1 -> new BigInteger(1 + r.nextInt(200), r);
          default -> BigInteger.valueOf(r.nextLong() >> r.nextInt(64));
        };
    if (r.nextBoolean()) {
      unscaled = unscaled.negate();
    }
    // Trailing zeros in the unscaled value exercise 1.0 == 1.00 equivalence.
    if (r.nextInt(4) == 0) {
      unscaled = unscaled.multiply(BigInteger.TEN.pow(r.nextInt(4)));
    }
    return new BigDecimal(unscaled, r.nextInt(81) - 40);
  }

  static String randomString(Random r) {
    int n = r.nextInt(4) == 0 ? 0 : r.nextInt(12);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int cp =
          switch (r.nextInt(6)) {
            case 0 -> 0; // NUL exercises the escape
            case 1 -> 1 + r.nextInt(3);
            case 2 -> 0x80 + r.nextInt(0x700);
            case 3 -> 0xE000 + r.nextInt(0x2000); // above the surrogates in UTF-16 order
            case 4 -> 0x10000 + r.nextInt(0x100000); // supplementary: UTF-16 order differs
            default -> 'a' + r.nextInt(4);
          };
      sb.appendCodePoint(cp);
    }
    return sb.toString();
  }

  static byte[] randomBytes(Random r) {
    byte[] b = new byte[r.nextInt(4) == 0 ? 0 : r.nextInt(10)];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) new int[] {0x00, 0x01, 0xFF, 0xFE, r.nextInt(256)}[r.nextInt(5)];
    }
    return b;
  }

  static int compareCodePoints(String a, String b) {
    int[] x = a.codePoints().toArray();
    int[] y = b.codePoints().toArray();
    return Arrays.compare(x, y);
  }
}
