package io.rangedb.rangestore.mvcc;

/**
 * Limits of one scan.
 *
 * @param reverse return keys from the end of the span down
 * @param maxKeys stop after this many rows (0: no limit)
 * @param targetBytes stop after the row that brings key + value bytes to this total (0: no limit);
 *     at least one row is returned, so a huge row cannot stall a paging client
 */
public record ScanOptions(boolean reverse, long maxKeys, long targetBytes) {
  public static final ScanOptions FORWARD = new ScanOptions(false, 0, 0);
  public static final ScanOptions REVERSE = new ScanOptions(true, 0, 0);

  public ScanOptions {
    if (maxKeys < 0 || targetBytes < 0) {
      throw new IllegalArgumentException("negative scan limit");
    }
  }

  public ScanOptions withMaxKeys(long n) {
    return new ScanOptions(reverse, n, targetBytes);
  }

  public ScanOptions withTargetBytes(long n) {
    return new ScanOptions(reverse, maxKeys, n);
  }
}
