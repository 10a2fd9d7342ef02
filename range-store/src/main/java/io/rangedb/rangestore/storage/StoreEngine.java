package io.rangedb.rangestore.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import java.util.stream.Stream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.Env;
import org.rocksdb.FlushOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;
import org.rocksdb.SstFileManager;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One store: one RocksDB with a column family per {@link ColumnFamily}. Thread-safe. Every native
 * object it creates is closed exactly once by {@link #close()}, including iterators and snapshots a
 * caller forgot (logged, since that is a bug in the caller).
 */
public final class StoreEngine implements EngineReader, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreEngine.class);

  static {
    RocksDB.loadLibrary();
  }

  private final String where;
  private final NativeHandles handles;
  private final RocksDB db;
  private final List<ColumnFamilyHandle> cfHandleList;
  private final Map<ColumnFamily, ColumnFamilyHandle> cfHandles;
  private final WriteOptions syncWrite;
  private final WriteOptions asyncWrite;
  private final ReadOptions defaultRead;
  private final ReadOptions unboundedIteration;
  private final Set<AutoCloseable> openChildren = ConcurrentHashMap.newKeySet();
  // Per column family, an idle iterator kept by withLatestIterator (or null).
  private final AtomicReferenceArray<EngineIterator> spareIterators =
      new AtomicReferenceArray<>(ColumnFamily.values().length);
  private final Set<Integer> cfIds = new HashSet<>();
  private volatile boolean closed;

  /** An in-memory store has no disk to sync (and RocksDB's memory files refuse SyncWAL). */
  private final boolean inMemory;

  private StoreEngine(
      String where,
      boolean inMemory,
      NativeHandles handles,
      RocksDB db,
      List<ColumnFamilyHandle> cfHandleList,
      Map<ColumnFamily, ColumnFamilyHandle> cfHandles) {
    this.where = where;
    this.inMemory = inMemory;
    this.handles = handles;
    this.db = db;
    this.cfHandleList = cfHandleList;
    this.cfHandles = cfHandles;
    this.syncWrite = handles.own(new WriteOptions().setSync(true));
    this.asyncWrite = handles.own(new WriteOptions().setSync(false));
    this.defaultRead = handles.own(new ReadOptions());
    // Shared by every unbounded iterator: saves a native allocation per point lookup.
    this.unboundedIteration = handles.own(new ReadOptions().setTotalOrderSeek(true));
    for (ColumnFamilyHandle h : cfHandleList) {
      cfIds.add(h.getID());
    }
  }

  /**
   * Opens the store described by {@code options}, creating it if the directory is missing or empty.
   *
   * @throws ForeignStoreException the directory holds something that is not a rangedb store
   * @throws StoreLockedException another open store holds the directory
   * @throws StoreCorruptedException RocksDB finds the files damaged
   */
  public static StoreEngine open(StoreOptions options) {
    String where = (options.inMemory() ? "in-memory store " : "store ") + options.directory();
    NativeHandles handles = new NativeHandles();
    RocksDB db = null;
    List<ColumnFamilyHandle> cfHandleList = new ArrayList<>();
    StoreEngine engine = null;
    try {
      Env env = options.inMemory() ? options.memory().env() : Env.getDefault();
      boolean exists = existingColumnFamilies(options, env, handles, where);
      DBOptions dbOptions = handles.own(dbOptions(options, env, handles));
      dbOptions.setCreateIfMissing(!exists).setCreateMissingColumnFamilies(!exists);
      List<ColumnFamilyDescriptor> descriptors = columnFamilies(options, handles);
      if (!options.inMemory()) {
        Files.createDirectories(options.directory());
      }
      db = RocksDB.open(dbOptions, options.directory().toString(), descriptors, cfHandleList);
      Map<ColumnFamily, ColumnFamilyHandle> byCf = new EnumMap<>(ColumnFamily.class);
      for (ColumnFamily cf : ColumnFamily.values()) {
        byCf.put(cf, cfHandleList.get(cf.ordinal()));
      }
      engine = new StoreEngine(where, options.inMemory(), handles, db, cfHandleList, byCf);
      engine.checkOrWriteIdentity();
      return engine;
    } catch (RocksDBException e) {
      closeQuietly(db, cfHandleList, handles);
      throw RocksErrors.translate("opening " + where, e);
    } catch (IOException e) {
      closeQuietly(db, cfHandleList, handles);
      throw new StorageException("opening " + where, e);
    } catch (RuntimeException e) {
      if (engine != null) {
        engine.close();
      } else {
        closeQuietly(db, cfHandleList, handles);
      }
      throw e;
    }
  }

  /**
   * Whether a database exists at the location: true when it is a RocksDB with exactly our column
   * families; false for a missing or empty directory or an interrupted creation (before any data,
   * even if some of our column families were made). Anything else throws.
   */
  private static boolean existingColumnFamilies(
      StoreOptions options, Env env, NativeHandles handles, String where)
      throws RocksDBException, IOException {
    if (!options.inMemory()) {
      Path dir = options.directory();
      if (!Files.exists(dir.resolve("CURRENT"))) {
        if (Files.isDirectory(dir)) {
          checkNoDataWithoutCurrent(dir, where);
        } else if (Files.exists(dir)) {
          throw new ForeignStoreException(where + " is not a directory");
        }
        return false;
      }
    }
    List<byte[]> names;
    try (Options probe = new Options().setEnv(env)) {
      names = RocksDB.listColumnFamilies(probe, options.directory().toString());
    } catch (RocksDBException e) {
      if (options.inMemory() && e.getStatus() != null && isMissing(e)) {
        return false;
      }
      throw e;
    }
    if (names.isEmpty() && options.inMemory()) {
      return false;
    }
    Set<String> found = new HashSet<>();
    for (byte[] n : names) {
      found.add(new String(n, java.nio.charset.StandardCharsets.UTF_8));
    }
    Set<String> ours = new HashSet<>();
    for (ColumnFamily cf : ColumnFamily.values()) {
      ours.add(cf.rocksNameString());
    }
    if (!found.equals(ours)) {
      // A damaged MANIFEST can list too few column families; let RocksDB itself read the whole
      // database before calling it somebody else's, so damage is reported as damage.
      boolean empty = probeReadOnly(options, env, names);
      if (empty && ours.containsAll(found)) {
        // A creation interrupted between column families: RocksDB makes the default family
        // first, then the others one at a time. Nothing was written yet; it is completed.
        return false;
      }
      throw new ForeignStoreException(
          where
              + " holds a RocksDB database with column families "
              + found
              + ", not a rangedb store");
    }
    return true;
  }

  /**
   * A directory without RocksDB's CURRENT file is a fresh store only if it holds nothing, or only
   * what RocksDB writes before any data when creating a database (an interrupted creation). RocksDB
   * data files without CURRENT mean a damaged store; anything else is somebody else's.
   */
  private static void checkNoDataWithoutCurrent(Path dir, String where) throws IOException {
    List<String> names;
    try (Stream<Path> files = Files.list(dir)) {
      names = files.map(p -> p.getFileName().toString()).sorted().toList();
    }
    List<String> other = new ArrayList<>();
    boolean rocksData = false;
    for (String n : names) {
      if (n.equals("LOCK")
          || n.equals("IDENTITY")
          || n.startsWith("LOG")
          || n.startsWith("OPTIONS-")
          || n.endsWith(".dbtmp")) {
        continue; // written by RocksDB before the database holds anything
      }
      if (n.startsWith("MANIFEST-") || n.endsWith(".sst") || n.endsWith(".log")) {
        rocksData = true;
      }
      other.add(n);
    }
    if (rocksData) {
      throw new StoreCorruptedException(
          where
              + " holds RocksDB files "
              + other.subList(0, Math.min(5, other.size()))
              + " but no CURRENT file: a damaged store (or an interrupted creation); not opening it",
          null);
    }
    if (!other.isEmpty()) {
      throw new ForeignStoreException(
          where
              + " is not empty and holds no rangedb store (found "
              + other.subList(0, Math.min(5, other.size()))
              + ")");
    }
  }

  /**
   * Opens the database read-only with every column family it lists, so that RocksDB reports damage
   * as such; returns whether none of them holds a key.
   */
  private static boolean probeReadOnly(StoreOptions options, Env env, List<byte[]> names)
      throws RocksDBException {
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    List<ColumnFamilyHandle> probeHandles = new ArrayList<>();
    try (DBOptions o = new DBOptions().setEnv(env);
        ColumnFamilyOptions cfo = new ColumnFamilyOptions()) {
      for (byte[] n : names) {
        descriptors.add(new ColumnFamilyDescriptor(n, cfo));
      }
      RocksDB probe =
          RocksDB.openReadOnly(o, options.directory().toString(), descriptors, probeHandles);
      try {
        boolean empty = true;
        for (ColumnFamilyHandle h : probeHandles) {
          try (RocksIterator it = probe.newIterator(h)) {
            it.seekToFirst();
            empty &= !it.isValid();
            it.status();
          }
        }
        return empty;
      } finally {
        probeHandles.forEach(ColumnFamilyHandle::close);
        probe.close();
      }
    }
  }

  private static boolean isMissing(RocksDBException e) {
    String m = String.valueOf(e.getMessage());
    return m.contains("No such file") || m.contains("NotFound") || m.contains("not found");
  }

  /** Obsolete write-ahead log files kept for reuse (see {@link #dbOptions}). */
  static final int WAL_FILES_RECYCLED = 2;

  private static DBOptions dbOptions(StoreOptions options, Env env, NativeHandles handles) {
    DBOptions o = new DBOptions();
    o.setEnv(env);
    // Flushes and compactions share the machine's few cores with request processing.
    o.setMaxBackgroundJobs(options.backgroundJobs());
    // Smooth out write-back instead of one large fsync stall at file close.
    o.setBytesPerSync(1L << 20);
    o.setWalBytesPerSync(1L << 20);
    o.setInfoLogLevel(InfoLogLevel.WARN_LEVEL);
    o.setKeepLogFileNum(3);
    // Write into old, already allocated write-ahead log files instead of growing new ones: an
    // fdatasync then has no file size to write back, only the data (Raft syncs the log hundreds of
    // times a second). On our 2-core VM a synced 120-byte write takes 0.69x the time at p50 and
    // 0.66x the CPU (WalRecyclingBenchmark; docs/benchmarks.md, "Write-ahead log recycling").
    // RocksDB writes recycled logs in a format whose records name their log, so the old records
    // behind the new tail are never replayed.
    o.setRecycleLogFileNum(WAL_FILES_RECYCLED);
    o.setParanoidChecks(true);
    if (options.maxDiskBytes() > 0) {
      try {
        SstFileManager sst = handles.own(new SstFileManager(env));
        sst.setMaxAllowedSpaceUsage(options.maxDiskBytes());
        o.setSstFileManager(sst);
      } catch (RocksDBException e) {
        o.close();
        throw RocksErrors.translate("creating the SST file manager", e);
      }
    }
    return o;
  }

  private static List<ColumnFamilyDescriptor> columnFamilies(
      StoreOptions options, NativeHandles handles) {
    // One block cache and one bloom filter policy for all column families: memory is bounded
    // by a single setting, whichever family is hot.
    LRUCache cache = handles.own(new LRUCache(options.blockCacheBytes()));
    BloomFilter bloom = handles.own(new BloomFilter(10, false));
    List<ColumnFamilyDescriptor> out = new ArrayList<>();
    for (ColumnFamily cf : ColumnFamily.values()) {
      BlockBasedTableConfig table =
          new BlockBasedTableConfig()
              .setBlockCache(cache)
              .setFilterPolicy(bloom)
              .setBlockSize(16 * 1024)
              .setCacheIndexAndFilterBlocks(true)
              .setPinL0FilterAndIndexBlocksInCache(true);
      ColumnFamilyOptions o =
          handles.own(
              cf == ColumnFamily.RAFT_LOG ? raftLogBaseOptions() : new ColumnFamilyOptions());
      o.setTableFormatConfig(table);
      // Upper levels churn, so compress them cheaply; the bottommost level holds most data and
      // changes least, so it pays for ZSTD's better ratio.
      o.setCompressionType(CompressionType.LZ4_COMPRESSION);
      o.setBottommostCompressionType(CompressionType.ZSTD_COMPRESSION);
      o.setLevelCompactionDynamicLevelBytes(true);
      switch (cf) {
        case MVCC -> {
          o.setWriteBufferSize(options.writeBufferBytes());
          // Compact each flushed memtable into the base level at once (RocksDB's default waits
          // for 4 L0 files). Every MVCC read and write is an iterator seek (a write reads the
          // key's intent and newest version first), and a seek visits every sorted run, each
          // L0 file being one: no bloom filter lets it skip a file, as a point get would. So
          // L0 files make every MVCC operation slower, a put most (it reads, then writes).
          // Measured (docs/benchmarks.md, "Storage: MVCC against raw RocksDB"): MVCC put at
          // 0.44-0.49x of a raw put with 4, 0.46-0.53x with 2 (CockroachDB's L0 threshold in
          // Pebble), 0.49-0.60x with 1. The price is compaction work: a compaction after every
          // flush instead of every fourth, each rewriting the base-level data the flushed file
          // overlaps. Under write pressure L0 still fills while a compaction runs, and the next
          // one takes all its files at once.
          o.setLevel0FileNumCompactionTrigger(1);
        }
        case RAFT_LOG -> {
          o.setWriteBufferSize(Math.max(1L << 20, options.writeBufferBytes() / 2));
          o.useCappedPrefixExtractor(ColumnFamily.RAFT_LOG_PREFIX_BYTES);
          o.setMemtablePrefixBloomSizeRatio(0.1);
          // Entries live on disk only until the group truncates its log, so compressing them buys
          // little space, while it costs CPU at every flush and compaction on the cores that run
          // the commit path: with LZ4 and ZSTD a third of RocksDB's own threads' CPU under the
          // Raft commit benchmark (docs/benchmarks.md, "An uncompressed Raft log").
          o.setCompressionType(CompressionType.NO_COMPRESSION);
          o.setBottommostCompressionType(CompressionType.NO_COMPRESSION);
        }
        case LOCAL -> o.setWriteBufferSize(Math.max(1L << 20, options.writeBufferBytes() / 8));
      }
      out.add(new ColumnFamilyDescriptor(cf.rocksName(), o));
    }
    return out;
  }

  /**
   * Options for the Raft log family that RocksJava has no setter for. Each memtable insert keeps a
   * hint per key prefix (a group id and a record kind), so a group's appends, which always land
   * right after its previous ones, skip the skiplist search from the top: profiling a host with
   * 1,000 busy groups showed that search as the largest cost of its writes, and a write of one
   * entry to one of 1,000 groups became about 20% faster with the hint (measured in isolation).
   */
  private static ColumnFamilyOptions raftLogBaseOptions() {
    java.util.Properties props = new java.util.Properties();
    props.setProperty(
        "memtable_insert_with_hint_prefix_extractor",
        "rocksdb.CappedPrefix." + (ColumnFamily.RAFT_LOG_PREFIX_BYTES + 1));
    try (org.rocksdb.ConfigOptions config = new org.rocksdb.ConfigOptions()) {
      ColumnFamilyOptions o = ColumnFamilyOptions.getColumnFamilyOptionsFromProps(config, props);
      if (o == null) {
        throw new StorageException("RocksDB refused the Raft log column family options " + props);
      }
      return o;
    }
  }

  private void checkOrWriteIdentity() {
    byte[] marker = get(ColumnFamily.LOCAL, StoreIdentity.KEY);
    if (marker != null) {
      StoreIdentity.check(marker, where);
      return;
    }
    // No marker: a brand-new store, or one whose creation was interrupted before the marker was
    // written (then it is still empty). Data without a marker is somebody else's.
    for (ColumnFamily cf : ColumnFamily.values()) {
      try (EngineIterator it = newIterator(cf, IterOptions.UNBOUNDED)) {
        it.seekToFirst();
        if (it.valid()) {
          throw new ForeignStoreException(where + " holds data but no rangedb store identity");
        }
      }
    }
    try (EngineBatch b = newBatch()) {
      b.put(ColumnFamily.LOCAL, StoreIdentity.KEY, StoreIdentity.encode());
      write(b, true);
    }
  }

  @Override
  public byte[] get(ColumnFamily cf, byte[] key) {
    return get(cf, key, defaultRead);
  }

  byte[] get(ColumnFamily cf, byte[] key, ReadOptions ro) {
    ensureOpen();
    try {
      return db.get(cfHandles.get(cf), ro, key);
    } catch (RocksDBException e) {
      throw RocksErrors.translate("reading " + where, e);
    }
  }

  @Override
  public EngineIterator newIterator(ColumnFamily cf, IterOptions options) {
    return newIterator(cf, options, null);
  }

  EngineIterator newIterator(ColumnFamily cf, IterOptions options, Snapshot snapshot) {
    return newIterator(cf, options, snapshot, null, null);
  }

  /**
   * An iterator over {@code cf} as of {@code snapshot} (null: the live state), seen through {@code
   * overlay}'s writes if not null; {@code onClose}, if not null, runs when it is closed.
   */
  EngineIterator newIterator(
      ColumnFamily cf,
      IterOptions options,
      Snapshot snapshot,
      WriteBatchWithIndex overlay,
      Runnable onClose) {
    ensureOpen();
    boolean plain =
        snapshot == null
            && options.lowerBound() == null
            && options.upperBound() == null
            && !options.prefixSameAsStart();
    ReadOptions ro = null; // null: the shared unbounded read options
    Slice lower = null;
    Slice upper = null;
    if (!plain) {
      ro = new ReadOptions();
      if (snapshot != null) {
        ro.setSnapshot(snapshot);
      }
      if (options.lowerBound() != null) {
        lower = new Slice(options.lowerBound());
        ro.setIterateLowerBound(lower);
      }
      if (options.upperBound() != null) {
        upper = new Slice(options.upperBound());
        ro.setIterateUpperBound(upper);
      }
      if (options.prefixSameAsStart()) {
        ro.setPrefixSameAsStart(true);
      } else {
        ro.setTotalOrderSeek(true);
      }
    }
    ReadOptions effective = ro == null ? unboundedIteration : ro;
    ColumnFamilyHandle cfh = cfHandles.get(cf);
    RocksIterator it = db.newIterator(cfh, effective);
    if (overlay != null) {
      // The batch iterator takes ownership of the base iterator and frees it with itself.
      it = overlay.newIteratorWithBase(cfh, it, effective);
    }
    EngineIterator[] self = new EngineIterator[1];
    self[0] =
        new EngineIterator(
            it,
            ro,
            lower,
            upper,
            () -> {
              openChildren.remove(self[0]);
              if (onClose != null) {
                onClose.run();
              }
            });
    openChildren.add(self[0]);
    return self[0];
  }

  /**
   * Runs {@code body} with an unbounded iterator over {@code cf} that sees every write completed
   * before the call, like a {@linkplain #newIterator new iterator}, and closes or keeps the
   * iterator afterwards: {@code body} must not close it or use it after returning. One iterator per
   * column family is kept between calls and refreshed for the next one, which saves creating and
   * destroying a RocksDB iterator (and its read of the store's current version) per short read such
   * as a write's conflict check. Calls that find it in use create their own. A kept iterator pins
   * the memtables and files of the state it last read until the next call refreshes it, {@link
   * #flush} drops it, or the store closes.
   */
  public <T> T withLatestIterator(ColumnFamily cf, Function<EngineIterator, T> body) {
    ensureOpen();
    EngineIterator it = spareIterators.getAndSet(cf.ordinal(), null);
    if (it == null) {
      it = newIterator(cf, IterOptions.UNBOUNDED);
    } else {
      try {
        it.refresh();
      } catch (RuntimeException e) {
        it.close();
        throw e;
      }
    }
    boolean keep = false;
    try {
      T result = body.apply(it);
      keep = true;
      return result;
    } finally {
      // After a failure the iterator may carry an error status: not worth keeping.
      if (!keep || closed || !spareIterators.compareAndSet(cf.ordinal(), null, it)) {
        it.close();
      }
    }
  }

  /** Iterators and snapshots open now, including a kept iterator (tests). */
  int openChildCount() {
    return openChildren.size();
  }

  private void dropSpareIterators() {
    for (int i = 0; i < spareIterators.length(); i++) {
      EngineIterator it = spareIterators.getAndSet(i, null);
      if (it != null) {
        it.close();
      }
    }
  }

  /** A new, empty batch; apply it with {@link #write}. */
  public EngineBatch newBatch() {
    ensureOpen();
    return new EngineBatch(this::handle); // refused once the engine freed its handles
  }

  /**
   * Applies {@code batch} atomically. With {@code sync}, returns only once the write-ahead log is
   * fsynced: required before a Raft replica acknowledges or votes. Without, a machine crash may
   * lose the write (a process crash does not); fine for data Raft can replay.
   */
  public void write(EngineBatch batch, boolean sync) {
    ensureOpen();
    try {
      db.write(sync ? syncWrite : asyncWrite, batch.rocksBatch());
    } catch (RocksDBException e) {
      throw RocksErrors.translate("writing " + where, e);
    }
  }

  /**
   * Fsyncs the write-ahead log: every write that returned before this call is durable after it, the
   * unsynced ones too. Thread-safe; lets a caller write unsynced and wait for durability on another
   * thread. An in-memory store's writes are already as durable as it gets (they survive a close and
   * reopen on the same {@link InMemoryStorage}), so there it only checks that the store is open.
   */
  public void syncWal() {
    ensureOpen();
    if (inMemory) {
      return;
    }
    try {
      db.syncWal();
    } catch (RocksDBException e) {
      throw RocksErrors.translate("syncing the write-ahead log of " + where, e);
    }
  }

  /** A consistent view of all column families as of now. */
  public EngineSnapshot snapshot() {
    ensureOpen();
    StoreSnapshot snap = new StoreSnapshot(db.getSnapshot());
    openChildren.add(snap);
    return snap;
  }

  /** A snapshot of this engine, which indexed batches can read through. */
  final class StoreSnapshot implements EngineSnapshot {
    private final Snapshot snap;
    private final ReadOptions ro;
    private boolean released;

    private StoreSnapshot(Snapshot snap) {
      this.snap = snap;
      this.ro = new ReadOptions().setSnapshot(snap);
    }

    @Override
    public byte[] get(ColumnFamily cf, byte[] key) {
      check();
      return StoreEngine.this.get(cf, key, ro);
    }

    @Override
    public EngineIterator newIterator(ColumnFamily cf, IterOptions options) {
      check();
      return StoreEngine.this.newIterator(cf, options, snap);
    }

    StoreEngine owner() {
      return StoreEngine.this;
    }

    Snapshot rocksSnapshot() {
      return snap;
    }

    ReadOptions readOptions() {
      return ro;
    }

    void check() {
      if (released) {
        throw new IllegalStateException("snapshot is closed");
      }
    }

    @Override
    public synchronized void close() {
      if (!released) {
        released = true;
        ro.close();
        db.releaseSnapshot(snap);
        openChildren.remove(this);
      }
    }
  }

  /**
   * A new, empty batch whose reads see its own writes over the store's live state (each read sees
   * the state as of that read). Apply it with {@link #write(IndexedBatch, boolean)}, or ship its
   * {@link IndexedBatch#repr}.
   */
  public IndexedBatch newIndexedBatch() {
    ensureOpen();
    return new IndexedBatch(this, null);
  }

  /**
   * A new, empty batch whose reads see its own writes over {@code base}, a snapshot of this store,
   * which must stay open while the batch is read.
   */
  public IndexedBatch newIndexedBatch(EngineSnapshot base) {
    ensureOpen();
    if (!(base instanceof StoreSnapshot s) || s.owner() != this) {
      throw new IllegalArgumentException("not a snapshot of " + where);
    }
    s.check();
    return new IndexedBatch(this, s);
  }

  ColumnFamilyHandle handle(ColumnFamily cf) {
    ensureOpen();
    return cfHandles.get(cf);
  }

  /** {@code key} in {@code overlay} if written there, else in the base (null: the live state). */
  byte[] getThrough(WriteBatchWithIndex overlay, ColumnFamily cf, byte[] key, StoreSnapshot base) {
    ensureOpen();
    try {
      return overlay.getFromBatchAndDB(
          db, cfHandles.get(cf), base == null ? defaultRead : base.readOptions(), key);
    } catch (RocksDBException e) {
      throw RocksErrors.translate("reading " + where + " through a batch", e);
    }
  }

  /** Applies {@code batch} atomically, as {@link #write(EngineBatch, boolean)} does. */
  public void write(IndexedBatch batch, boolean sync) {
    ensureOpen();
    try {
      db.write(sync ? syncWrite : asyncWrite, batch.rocksBatch());
    } catch (RocksDBException e) {
      throw RocksErrors.translate("writing " + where, e);
    }
  }

  /**
   * Applies a serialized batch ({@link IndexedBatch#repr}) atomically, as {@link
   * #write(EngineBatch, boolean)} does. The bytes are parsed in full first, and must hold only
   * puts, deletions and range deletions in this store's column families.
   *
   * @throws BatchCorruptedException the bytes do not parse or hold anything else; nothing is
   *     written
   */
  public void writeRepr(byte[] repr, boolean sync) {
    ensureOpen();
    try (WriteBatch wb = new WriteBatch(repr)) {
      BatchValidator.check(wb, cfIds);
      db.write(sync ? syncWrite : asyncWrite, wb);
    } catch (RocksDBException e) {
      throw RocksErrors.translate("writing " + where, e);
    }
  }

  /** Flushes every memtable to SST files and waits (tests, benchmarks, before a checkpoint). */
  public void flush() {
    ensureOpen();
    dropSpareIterators(); // it would keep the flushed memtables alive
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
      db.flush(fo, cfHandleList);
    } catch (RocksDBException e) {
      throw RocksErrors.translate("flushing " + where, e);
    }
  }

  /** A RocksDB integer property of one column family, e.g. "rocksdb.estimate-num-keys". */
  public long longProperty(ColumnFamily cf, String name) {
    ensureOpen();
    try {
      return db.getLongProperty(cfHandles.get(cf), name);
    } catch (RocksDBException e) {
      throw RocksErrors.translate("reading property " + name, e);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException(where + " is closed");
    }
  }

  /**
   * Closes the store and every native object it owns. Call it once all users of the store have
   * stopped: an operation racing with close may touch freed native memory.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    dropSpareIterators();
    if (!openChildren.isEmpty()) {
      log.warn("{}: closing {} iterator(s)/snapshot(s) left open", where, openChildren.size());
      for (AutoCloseable child : List.copyOf(openChildren)) {
        try {
          child.close();
        } catch (Exception e) {
          log.warn("{}: closing a leftover iterator failed", where, e);
        }
      }
    }
    RocksDBException closeError = null;
    // RocksDB requires column family handles to go before the database.
    for (ColumnFamilyHandle h : cfHandleList) {
      h.close();
    }
    try {
      db.closeE();
    } catch (RocksDBException e) {
      closeError = e;
    } finally {
      handles.close();
    }
    if (closeError != null) {
      throw RocksErrors.translate("closing " + where, closeError);
    }
  }

  private static void closeQuietly(
      RocksDB db, List<ColumnFamilyHandle> cfs, NativeHandles handles) {
    for (ColumnFamilyHandle h : cfs) {
      h.close();
    }
    if (db != null) {
      db.close();
    }
    handles.close();
  }
}
