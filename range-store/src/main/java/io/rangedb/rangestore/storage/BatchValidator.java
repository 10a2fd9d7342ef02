package io.rangedb.rangestore.storage;

import java.util.Set;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * Parses a serialized write batch in full before a store applies it: RocksDB would otherwise find a
 * malformed record only while inserting into the memtable, after the write-ahead log has the batch,
 * and stop the whole store. Accepts puts, deletions and range deletions in known column families;
 * the record count in the header must match (RocksDB checks it).
 */
final class BatchValidator extends WriteBatch.Handler {
  private final Set<Integer> cfIds;
  private String problem;

  private BatchValidator(Set<Integer> cfIds) {
    this.cfIds = cfIds;
  }

  /**
   * @throws BatchCorruptedException with what is wrong
   */
  static void check(WriteBatch wb, Set<Integer> cfIds) {
    try (BatchValidator v = new BatchValidator(cfIds)) {
      try {
        wb.iterate(v);
      } catch (RocksDBException e) {
        throw new BatchCorruptedException(
            "serialized batch refused: " + (v.problem != null ? v.problem : e.getMessage()), e);
      }
      if (v.problem != null) {
        throw new BatchCorruptedException("serialized batch refused: " + v.problem, null);
      }
    }
  }

  private void cf(int id) {
    if (problem == null && !cfIds.contains(id)) {
      problem = "unknown column family id " + id;
    }
  }

  private void refuse(String what) {
    if (problem == null) {
      problem = "unexpected record: " + what;
    }
  }

  @Override
  public boolean shouldContinue() {
    return problem == null;
  }

  @Override
  public void put(int columnFamilyId, byte[] key, byte[] value) {
    cf(columnFamilyId);
  }

  @Override
  public void put(byte[] key, byte[] value) {
    cf(0);
  }

  @Override
  public void delete(int columnFamilyId, byte[] key) {
    cf(columnFamilyId);
  }

  @Override
  public void delete(byte[] key) {
    cf(0);
  }

  @Override
  public void deleteRange(int columnFamilyId, byte[] beginKey, byte[] endKey) {
    cf(columnFamilyId);
  }

  @Override
  public void deleteRange(byte[] beginKey, byte[] endKey) {
    cf(0);
  }

  @Override
  public void merge(int columnFamilyId, byte[] key, byte[] value) {
    refuse("merge");
  }

  @Override
  public void merge(byte[] key, byte[] value) {
    refuse("merge");
  }

  @Override
  public void singleDelete(int columnFamilyId, byte[] key) {
    refuse("single delete");
  }

  @Override
  public void singleDelete(byte[] key) {
    refuse("single delete");
  }

  @Override
  public void logData(byte[] blob) {
    refuse("log data");
  }

  @Override
  public void putBlobIndex(int columnFamilyId, byte[] key, byte[] value) {
    refuse("blob index");
  }

  @Override
  public void markBeginPrepare() {
    refuse("prepare marker");
  }

  @Override
  public void markEndPrepare(byte[] xid) {
    refuse("prepare marker");
  }

  @Override
  public void markNoop(boolean emptyBatch) {
    refuse("noop marker");
  }

  @Override
  public void markRollback(byte[] xid) {
    refuse("rollback marker");
  }

  @Override
  public void markCommit(byte[] xid) {
    refuse("commit marker");
  }

  @Override
  public void markCommitWithTimestamp(byte[] xid, byte[] ts) {
    refuse("commit marker");
  }
}
