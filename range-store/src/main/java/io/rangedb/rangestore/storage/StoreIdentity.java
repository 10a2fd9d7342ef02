package io.rangedb.rangestore.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The marker written into {@link ColumnFamily#LOCAL} when a store is created and checked at every
 * open: magic bytes naming rangedb plus the on-disk format version. It tells a rangedb store apart
 * from another program's RocksDB and from one written by a newer, incompatible rangedb.
 */
final class StoreIdentity {
  static final byte[] KEY = "\u0000\u0000store-identity".getBytes(StandardCharsets.US_ASCII);
  static final int FORMAT_VERSION = 1;
  private static final byte[] MAGIC = "RANGEDB-STORE".getBytes(StandardCharsets.US_ASCII);

  private StoreIdentity() {}

  static byte[] encode() {
    return ByteBuffer.allocate(MAGIC.length + 4).put(MAGIC).putInt(FORMAT_VERSION).array();
  }

  /** Throws {@link ForeignStoreException} unless {@code value} is a marker this build can read. */
  static void check(byte[] value, String where) {
    if (value.length != MAGIC.length + 4
        || !Arrays.equals(value, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new ForeignStoreException(
          where + " holds a RocksDB database that is not a rangedb store");
    }
    int version = ByteBuffer.wrap(value, MAGIC.length, 4).getInt();
    if (version > FORMAT_VERSION) {
      throw new ForeignStoreException(
          where
              + " was written in store format "
              + version
              + " by a newer rangedb; this build reads format "
              + FORMAT_VERSION);
    }
  }
}
