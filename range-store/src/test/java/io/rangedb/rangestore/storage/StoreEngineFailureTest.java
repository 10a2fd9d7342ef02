package io.rangedb.rangestore.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/** Damaged, foreign, locked and full stores fail with typed errors and never lose data silently. */
class StoreEngineFailureTest {
  @TempDir Path dir;

  @Test
  void directoryWithOtherFilesIsRefused() throws IOException {
    Path store = dir.resolve("s");
    Files.createDirectories(store);
    Files.writeString(store.resolve("notes.txt"), "my thesis");
    ForeignStoreException e =
        assertThrows(
            ForeignStoreException.class, () -> StoreEngine.open(StoreOptions.onDisk(store)));
    assertTrue(e.getMessage().contains("notes.txt"), e.getMessage());
    assertTrue(Files.exists(store.resolve("notes.txt")), "the foreign file is untouched");
  }

  @Test
  void creationInterruptedBeforeAnyDataIsCompletedOnTheNextOpen() throws IOException {
    Path store = dir.resolve("s");
    Files.createDirectories(store);
    for (String f : new String[] {"LOCK", "LOG", "IDENTITY"}) {
      Files.writeString(store.resolve(f), "");
    }
    try (StoreEngine e = StoreEngine.open(StoreOptions.onDisk(store))) {
      StoreEngineTest.put(e, "k", "v");
    }
    try (StoreEngine e = StoreEngine.open(StoreOptions.onDisk(store))) {
      assertArrayEquals("v".getBytes(UTF_8), e.get(ColumnFamily.MVCC, "k".getBytes(UTF_8)));
    }
  }

  @Test
  void storeThatLostItsCurrentFileIsReportedNotRecreated() throws IOException {
    Path store = dir.resolve("s");
    try (StoreEngine e = StoreEngine.open(StoreOptions.onDisk(store))) {
      StoreEngineTest.put(e, "k", "v");
      e.flush();
    }
    Files.delete(store.resolve("CURRENT"));
    List<String> before = fileNames(store);
    StoreCorruptedException e =
        assertThrows(
            StoreCorruptedException.class, () -> StoreEngine.open(StoreOptions.onDisk(store)));
    assertTrue(e.getMessage().contains("no CURRENT"), e.getMessage());
    assertEquals(before, fileNames(store), "nothing was created or removed");
  }

  private static List<String> fileNames(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void rocksDbOfAnotherProgramIsRefused() throws Exception {
    Path store = dir.resolve("s");
    try (Options o = new Options().setCreateIfMissing(true);
        RocksDB db = RocksDB.open(o, store.toString())) {
      db.put("theirs".getBytes(UTF_8), "data".getBytes(UTF_8));
    }
    assertThrows(ForeignStoreException.class, () -> StoreEngine.open(StoreOptions.onDisk(store)));
  }

  @Test
  void storeOfANewerFormatIsRefused() {
    Path store = dir.resolve("s");
    try (StoreEngine e = StoreEngine.open(StoreOptions.onDisk(store));
        EngineBatch b = e.newBatch()) {
      byte[] marker = StoreIdentity.encode();
      marker[marker.length - 1] = 99;
      b.put(ColumnFamily.LOCAL, StoreIdentity.KEY, marker);
      e.write(b, true);
    }
    ForeignStoreException e =
        assertThrows(
            ForeignStoreException.class, () -> StoreEngine.open(StoreOptions.onDisk(store)));
    assertTrue(e.getMessage().contains("newer"), e.getMessage());
  }

  @Test
  void secondOpenOfALockedDirectoryFails() {
    Path store = dir.resolve("s");
    try (StoreEngine first = StoreEngine.open(StoreOptions.onDisk(store))) {
      assertThrows(StoreLockedException.class, () -> StoreEngine.open(StoreOptions.onDisk(store)));
      StoreEngineTest.put(first, "still", "works");
    }
    StoreEngine.open(StoreOptions.onDisk(store)).close(); // the lock is released on close
  }

  /**
   * RocksDB creates a store's column families one at a time after the default one: a first start
   * killed in between leaves a database with some of them and no data, which the next start
   * completes (it was refused as foreign for ever). With a key in it, it is somebody else's.
   */
  @Test
  void aCreationInterruptedBetweenColumnFamiliesIsCompletedUnlessItHoldsData() throws Exception {
    Path store = dir.resolve("s");
    createWithFamiliesOnly(store, false, ColumnFamily.LOCAL, ColumnFamily.MVCC);
    try (StoreEngine e = StoreEngine.open(StoreOptions.onDisk(store))) {
      StoreEngineTest.put(e, "k", "v");
    }
    try (StoreEngine e = StoreEngine.open(StoreOptions.onDisk(store))) {
      assertArrayEquals("v".getBytes(UTF_8), e.get(ColumnFamily.MVCC, "k".getBytes(UTF_8)));
    }

    Path foreign = dir.resolve("f");
    createWithFamiliesOnly(foreign, true, ColumnFamily.LOCAL, ColumnFamily.MVCC);
    assertThrows(ForeignStoreException.class, () -> StoreEngine.open(StoreOptions.onDisk(foreign)));
  }

  /** A RocksDB database with only {@code families}, holding one key if {@code withKey}. */
  private static void createWithFamiliesOnly(Path store, boolean withKey, ColumnFamily... families)
      throws Exception {
    try (org.rocksdb.DBOptions o =
            new org.rocksdb.DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true);
        org.rocksdb.ColumnFamilyOptions cfo = new org.rocksdb.ColumnFamilyOptions()) {
      List<org.rocksdb.ColumnFamilyDescriptor> cfs = new java.util.ArrayList<>();
      for (ColumnFamily cf : families) {
        cfs.add(new org.rocksdb.ColumnFamilyDescriptor(cf.rocksName(), cfo));
      }
      List<org.rocksdb.ColumnFamilyHandle> handles = new java.util.ArrayList<>();
      try (RocksDB db = RocksDB.open(o, store.toString(), cfs, handles)) {
        if (withKey) {
          db.put(handles.get(handles.size() - 1), "theirs".getBytes(UTF_8), new byte[] {1});
        }
        handles.forEach(org.rocksdb.ColumnFamilyHandle::close);
      }
    }
  }

  @Test
  void aLockFileThatCannotBeOpenedIsNotReportedAsAnotherStoreHoldingIt() throws IOException {
    Path store = dir.resolve("s");
    Files.createDirectories(store.resolve("LOCK")); // opening it fails as for a read-only disk
    StorageException e =
        assertThrows(StorageException.class, () -> StoreEngine.open(StoreOptions.onDisk(store)));
    assertEquals(StorageException.class, e.getClass(), "no other store holds it: " + e);
    assertTrue(e.getMessage().contains("LOCK"), e.getMessage());
  }

  @Test
  void damagedManifestIsReportedAsCorruption() throws IOException {
    Path store = dir.resolve("s");
    try (StoreEngine e = StoreEngine.open(StoreOptions.onDisk(store))) {
      StoreEngineTest.put(e, "k", "v");
    }
    String manifest = Files.readString(store.resolve("CURRENT")).trim();
    Files.write(store.resolve(manifest), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    assertThrows(StoreCorruptedException.class, () -> StoreEngine.open(StoreOptions.onDisk(store)));
  }

  @Test
  void damagedTableFileIsReportedAsCorruptionOnRead() throws IOException {
    Path store = dir.resolve("s");
    byte[] value = new byte[4096];
    new Random(1).nextBytes(value);
    try (StoreEngine e = StoreEngine.open(StoreOptions.onDisk(store));
        EngineBatch b = e.newBatch()) {
      for (int i = 0; i < 200; i++) {
        b.put(ColumnFamily.MVCC, ("key" + i).getBytes(UTF_8), value);
      }
      e.write(b, true);
      e.flush();
    }
    Path sst;
    try (Stream<Path> files = Files.list(store)) {
      sst = files.filter(p -> p.toString().endsWith(".sst")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(sst);
    for (int i = 100; i < bytes.length / 2; i += 7) {
      bytes[i] ^= 0x5A;
    }
    Files.write(sst, bytes);
    try (StoreEngine e = StoreEngine.open(StoreOptions.onDisk(store))) {
      assertThrows(
          StoreCorruptedException.class,
          () -> {
            for (int i = 0; i < 200; i++) {
              e.get(ColumnFamily.MVCC, ("key" + i).getBytes(UTF_8));
            }
          });
    } catch (StoreCorruptedException atOpen) {
      // RocksDB may also notice while opening (it reads table properties); either is loud.
    }
  }

  @Test
  void fullStoreFailsWritesWithDiskFullAndKeepsAcknowledgedData() {
    Path store = dir.resolve("s");
    StoreOptions options = StoreOptions.onDisk(store).withMaxDiskBytes(64 * 1024);
    byte[] value = new byte[1024];
    new Random(2).nextBytes(value); // incompressible
    try (StoreEngine e = StoreEngine.open(options)) {
      StoreEngineTest.put(e, "first", "kept");
      assertThrows(
          DiskFullException.class,
          () -> {
            for (int round = 0; round < 100; round++) {
              try (EngineBatch b = e.newBatch()) {
                for (int i = 0; i < 100; i++) {
                  b.put(ColumnFamily.MVCC, ("r" + round + "k" + i).getBytes(UTF_8), value);
                }
                e.write(b, true);
              }
              e.flush();
            }
          });
      assertArrayEquals("kept".getBytes(UTF_8), e.get(ColumnFamily.MVCC, "first".getBytes(UTF_8)));
    }
  }
}
