package io.rangedb.wire.keys;

import java.util.Arrays;
import java.util.Optional;

/** Helpers over encoded keys, which are compared as unsigned bytes, lexicographically. */
public final class Keys {
  private Keys() {}

  public static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  public static boolean hasPrefix(byte[] key, byte[] prefix) {
    return key.length >= prefix.length
        && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  /**
   * The first key after every key that starts with {@code prefix}, i.e. the exclusive end of the
   * span {@code [prefix, prefixEnd(prefix))} holding exactly the keys with that prefix: drop
   * trailing 0xFF bytes and increment the last remaining byte. Empty when no such key exists (the
   * prefix is empty or all 0xFF), meaning the span is unbounded above.
   */
  public static Optional<byte[]> prefixEnd(byte[] prefix) {
    for (int i = prefix.length - 1; i >= 0; i--) {
      if (prefix[i] != (byte) 0xFF) {
        byte[] end = Arrays.copyOf(prefix, i + 1);
        end[i]++;
        return Optional.of(end);
      }
    }
    return Optional.empty();
  }

  /** The immediate successor of {@code key}: no key sorts strictly between the two. */
  public static byte[] next(byte[] key) {
    return Arrays.copyOf(key, key.length + 1);
  }
}
