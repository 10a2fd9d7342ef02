package io.rangedb.rangestore.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An iterator or batch used after it was closed, by its owner or by the engine or batch that closed
 * it as a leftover, throws {@link IllegalStateException}. RocksDB's own objects would read or write
 * freed native memory: with Java assertions off, as in production, that crashes the JVM (SIGSEGV,
 * seen in a child JVM before these checks) or silently corrupts the native heap.
 */
class UseAfterCloseTest {
  @TempDir Path dir;

  private static final List<Consumer<EngineIterator>> ITERATOR_USES =
      List.of(
          EngineIterator::seekToFirst,
          EngineIterator::seekToLast,
          it -> it.seek(key(1)),
          it -> it.seekForPrev(key(1)),
          EngineIterator::next,
          EngineIterator::prev,
          EngineIterator::valid,
          EngineIterator::key,
          EngineIterator::value,
          EngineIterator::valueLength);

  private static final List<Consumer<EngineBatch>> BATCH_USES =
      List.of(
          b -> b.put(ColumnFamily.MVCC, key(1), key(2)),
          b -> b.delete(ColumnFamily.MVCC, key(1)),
          b -> b.deleteRange(ColumnFamily.MVCC, key(1), key(2)),
          EngineBatch::count,
          EngineBatch::dataSize,
          EngineBatch::isEmpty);

  private static byte[] key(int i) {
    return ("key" + i).getBytes(UTF_8);
  }

  private StoreEngine openWithData() {
    StoreEngine e = StoreEngine.open(StoreOptions.onDisk(dir.resolve("s")));
    try (EngineBatch b = e.newBatch()) {
      for (int i = 0; i < 100; i++) {
        b.put(ColumnFamily.MVCC, key(i), new byte[100]);
      }
      e.write(b, false);
    }
    return e;
  }

  private static void assertEveryUseRefused(EngineIterator it) {
    for (Consumer<EngineIterator> use : ITERATOR_USES) {
      assertThrows(IllegalStateException.class, () -> use.accept(it));
    }
  }

  @Test
  void anIteratorClosedByItsOwnerRefusesUse() {
    try (StoreEngine e = openWithData()) {
      EngineIterator it = e.newIterator(ColumnFamily.MVCC, IterOptions.UNBOUNDED);
      it.seekToFirst();
      it.close();
      assertEveryUseRefused(it);
    }
  }

  @Test
  void anIteratorTheEngineClosedAsALeftoverRefusesUse() {
    StoreEngine e = openWithData();
    EngineIterator it = e.newIterator(ColumnFamily.MVCC, IterOptions.UNBOUNDED);
    it.seekToFirst();
    e.close(); // closes the forgotten iterator, then the database
    assertEveryUseRefused(it);
  }

  @Test
  void anIteratorItsIndexedBatchClosedRefusesUse() {
    try (StoreEngine e = openWithData()) {
      IndexedBatch batch = e.newIndexedBatch();
      batch.put(ColumnFamily.MVCC, key(1000), key(1));
      EngineIterator it = batch.newIterator(ColumnFamily.MVCC, IterOptions.UNBOUNDED);
      it.seekToFirst();
      batch.close(); // closes its iterators
      assertEveryUseRefused(it);
    }
  }

  @Test
  void aClosedBatchRefusesUse() {
    try (StoreEngine e = openWithData()) {
      EngineBatch b = e.newBatch();
      b.put(ColumnFamily.MVCC, key(1), key(1));
      b.close();
      for (Consumer<EngineBatch> use : BATCH_USES) {
        assertThrows(IllegalStateException.class, () -> use.accept(b));
      }
      assertThrows(IllegalStateException.class, () -> e.write(b, false));
    }
  }

  @Test
  void aBatchRefusesWritesOnceItsEngineClosed() {
    StoreEngine e = openWithData();
    try (EngineBatch b = e.newBatch()) {
      e.close(); // frees the column family handles a write would name
      assertThrows(IllegalStateException.class, () -> b.put(ColumnFamily.MVCC, key(1), key(1)));
      assertThrows(IllegalStateException.class, () -> b.delete(ColumnFamily.MVCC, key(1)));
      assertThrows(
          IllegalStateException.class, () -> b.deleteRange(ColumnFamily.MVCC, key(1), key(2)));
    }
  }
}
