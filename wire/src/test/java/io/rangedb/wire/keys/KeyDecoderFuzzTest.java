package io.rangedb.wire.keys;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * Bytes that are not a key of the expected shape (damaged, or of another schema) make the decoder
 * throw {@link KeyFormatException}, never another exception. Seeded: -Dkeys.seed=N.
 */
class KeyDecoderFuzzTest {
  private static final long SEED = Long.getLong("keys.seed", 20261201L);

  private static final List<BiFunction<KeyDecoder, Direction, Object>> READERS =
      List.of(
          KeyDecoder::readLong,
          KeyDecoder::readUnsignedLong,
          KeyDecoder::readDouble,
          KeyDecoder::readFloat,
          KeyDecoder::readDecimal,
          KeyDecoder::readString,
          KeyDecoder::readBytes,
          KeyDecoder::readBoolean,
          KeyDecoder::readDate,
          KeyDecoder::readTimestamp);

  @Test
  void garbageIsRejectedWithKeyFormatException() {
    Random r = new Random(SEED);
    for (int i = 0; i < 20_000; i++) {
      byte[] junk = new byte[r.nextInt(14)];
      r.nextBytes(junk);
      // Often start from a real tag so decoding gets past the first byte.
      if (junk.length > 0 && r.nextBoolean()) {
        junk[0] =
            (byte) new int[] {0x20, 0x21, 0x30, 0x32, 0x40, 0x41, 0x50, 0x51, 0x88}[r.nextInt(9)];
      }
      for (Direction dir : Direction.values()) {
        for (BiFunction<KeyDecoder, Direction, Object> read : READERS) {
          try {
            read.apply(new KeyDecoder(junk), dir);
          } catch (KeyFormatException expected) {
            // the contract
          } catch (RuntimeException e) {
            fail(
                "seed " + SEED + ": " + java.util.HexFormat.of().formatHex(junk) + " threw " + e,
                e);
          }
        }
      }
    }
  }
}
