package io.rangedb.rangestore.mvcc;

import java.util.List;

/**
 * Rows of a scan in scan order, and where to continue if a limit stopped it.
 *
 * @param rows visible values, ascending for a forward scan and descending for a reverse one
 * @param resumeStart when a limit stopped the scan: start of the span still to scan, else null
 * @param resumeEnd when a limit stopped the scan: end (exclusive) of the span still to scan
 */
public record ScanResult(List<KeyValue> rows, byte[] resumeStart, byte[] resumeEnd) {
  public boolean hasResume() {
    return resumeStart != null;
  }
}
