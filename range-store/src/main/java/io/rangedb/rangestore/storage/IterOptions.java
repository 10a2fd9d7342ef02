package io.rangedb.rangestore.storage;

/**
 * Bounds of an engine iterator. Bounds let RocksDB stop at the edge of a span instead of walking
 * into (possibly deleted, expensive to skip) keys beyond it.
 *
 * @param lowerBound inclusive, or null
 * @param upperBound exclusive, or null
 * @param prefixSameAsStart stay within the prefix of the seek key (only meaningful for a column
 *     family with a prefix extractor, i.e. {@link ColumnFamily#RAFT_LOG}); uses prefix blooms
 */
public record IterOptions(byte[] lowerBound, byte[] upperBound, boolean prefixSameAsStart) {
  public static final IterOptions UNBOUNDED = new IterOptions(null, null, false);

  public static IterOptions bounded(byte[] lowerBound, byte[] upperBound) {
    return new IterOptions(lowerBound, upperBound, false);
  }

  public static IterOptions prefix() {
    return new IterOptions(null, null, true);
  }
}
