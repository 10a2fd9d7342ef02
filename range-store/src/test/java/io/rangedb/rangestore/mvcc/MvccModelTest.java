package io.rangedb.rangestore.mvcc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rangedb.rangestore.mvcc.MvccModel.ModelConflict;
import io.rangedb.rangestore.storage.EngineSnapshot;
import io.rangedb.rangestore.storage.InMemoryStorage;
import io.rangedb.rangestore.storage.StoreEngine;
import io.rangedb.rangestore.storage.StoreOptions;
import io.rangedb.txn.hlc.Timestamp;
import io.rangedb.wire.keys.Keys;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Model-based test: thousands of seeded random operation sequences (writes and deletions by several
 * transactions and by non-transactional writers, reads and scans with limits and uncertainty,
 * delete-range, resolution by key and by span, pushes, restarts of transactions, GC, and store
 * restarts) run against both {@link MvccStore} and {@link MvccModel}; every outcome must match, and
 * after every operation the incrementally kept statistics must equal both a full recompute from
 * RocksDB and the model's.
 *
 * <p>Most operations run grouped into commands of random size, each evaluated in one {@link
 * MvccBatch} (over the live store, or over a snapshot taken when the command starts), so later
 * operations of a command read and conflict with the earlier ones' writes before anything is
 * written; the model applies each operation at once. A command ends with {@link MvccBatch#commit}
 * or with its {@link MvccBatch#repr} applied through {@link MvccStore#applyRepr}. Inside a command,
 * the statistics recomputed through the batch must equal the model's, and the running statistics
 * plus the batch's delta must equal them too; the rest run one by one on the store, as before.
 *
 * <p>Replay one sequence: {@code bin/mvn -pl range-store test -Dtest=MvccModelTest -Dmvcc.seed=N}.
 * More sequences: {@code -Dmvcc.sequences=N}.
 */
class MvccModelTest {
  private static final int SEQUENCES = Integer.getInteger("mvcc.sequences", 2_000);
  private static final int OPS = Integer.getInteger("mvcc.ops", 60);
  private static final String SEED_PROPERTY = System.getProperty("mvcc.seed");

  /** User-key suffixes chosen to stress the encoding: prefixes of each other, zero bytes. */
  private static final byte[][] SUFFIXES = {
    {}, {'a'}, {'a', 0}, {'a', 0, 'b'}, {'a', 'b'}, {'b'}, {0}, {0, 0}, {(byte) 0xFF}, {'c', 1}
  };

  private static InMemoryStorage memory;
  private static StoreEngine engine;

  @BeforeAll
  static void open() {
    memory = new InMemoryStorage();
    engine = StoreEngine.open(StoreOptions.inMemory(memory, "model"));
  }

  @AfterAll
  static void close() {
    engine.close();
    memory.close();
  }

  @Test
  void storeMatchesTheModel() {
    if (SEED_PROPERTY != null) {
      runSequence(Long.parseLong(SEED_PROPERTY));
      return;
    }
    for (long seed = 1; seed <= SEQUENCES; seed++) {
      runSequence(seed);
    }
  }

  /** One transaction as a client drives it: it may restart (epoch) and be pushed. */
  private static final class Txn {
    TxnMeta meta;
    Timestamp readTs;

    Txn(UUID id, Timestamp ts) {
      meta = new TxnMeta(id, 0, ts, 0);
      readTs = ts;
    }
  }

  private void runSequence(long seed) {
    Random r = new Random(seed);
    byte[] prefix = ByteBuffer.allocate(8).putLong(seed).array();
    byte[] spanEnd = Keys.prefixEnd(prefix).orElseThrow();
    MvccModel model = new MvccModel();
    MvccStats stats = new MvccStats();
    List<Txn> txns = new ArrayList<>();
    List<TxnMeta> finished = new ArrayList<>();
    int txnCounter = 0;
    for (int i = 0; i < 3; i++) {
      txns.add(new Txn(new UUID(seed, txnCounter++), ts(r)));
    }
    List<String> log = new ArrayList<>();
    Command command = null;
    for (int op = 0; op < OPS; op++) {
      String description = "?";
      try {
        MvccStore plain = new MvccStore(engine, false);
        int kind = r.nextInt(100);
        if (command == null && kind < 98 && r.nextInt(4) != 0) {
          command = new Command(plain, r, 1 + r.nextInt(8));
          log.add(
              "begin command of " + command.left + (command.snapshot != null ? " (snapshot)" : ""));
        }
        Target store = new Target(plain, command == null ? null : command.batch, stats);
        byte[] key = key(prefix, r);
        Txn txn = txns.get(r.nextInt(txns.size()));
        if (kind < 22) {
          byte[] value = r.nextInt(8) == 0 ? null : value(r);
          boolean transactional = r.nextInt(3) != 0;
          Timestamp ts = ts(r);
          TxnMeta meta = transactional ? replayedOrNot(txn.meta, r) : null;
          description =
              (value == null ? "delete " : "put ")
                  + MvccModel.hex(key)
                  + (transactional ? " txn " + meta : " at " + ts);
          check(
              description,
              () -> {
                model.write(key, ts, meta, value);
                return "ok";
              },
              () -> {
                store.write(key, ts, meta, value);
                return "ok";
              });
        } else if (kind < 42) {
          ReadAt read = readAt(r, txn);
          description = "get " + MvccModel.hex(key) + " " + read;
          check(
              description,
              () -> model.read(key, read),
              () -> {
                KeyValue kv = store.get(key, read);
                return kv == null ? "none" : MvccModel.val(kv.value(), kv.timestamp());
              });
        } else if (kind < 54) {
          ReadAt read = readAt(r, txn);
          byte[][] span = span(prefix, spanEnd, r);
          ScanOptions opts =
              new ScanOptions(
                  r.nextBoolean(),
                  r.nextInt(3) == 0 ? 1 + r.nextInt(4) : 0,
                  r.nextInt(4) == 0 ? 1 + r.nextInt(40) : 0);
          description =
              "scan "
                  + MvccModel.hex(span[0])
                  + "-"
                  + MvccModel.hex(span[1])
                  + " "
                  + read
                  + " "
                  + opts;
          check(
              description,
              () -> model.scan(span[0], span[1], read, opts),
              () -> render(store.scan(span[0], span[1], read, opts)));
        } else if (kind < 59) {
          byte[][] span = span(prefix, spanEnd, r);
          Timestamp ts = ts(r);
          TxnMeta meta = r.nextBoolean() ? replayedOrNot(txn.meta, r) : null;
          description =
              "deleteRange "
                  + MvccModel.hex(span[0])
                  + "-"
                  + MvccModel.hex(span[1])
                  + " "
                  + (meta != null ? "txn " + meta : "at " + ts);
          check(
              description,
              () -> model.deleteRange(span[0], span[1], ts, meta),
              () -> {
                StringBuilder sb = new StringBuilder("deleted:");
                for (byte[] k : store.deleteRange(span[0], span[1], ts, meta)) {
                  sb.append(' ').append(MvccModel.hex(k));
                }
                return sb.toString();
              });
        } else if (kind < 75) {
          // Finish a transaction: commit or abort, resolving by key or span (maybe partially).
          boolean commit = r.nextInt(3) != 0;
          TxnStatus status = commit ? TxnStatus.COMMITTED : TxnStatus.ABORTED;
          TxnMeta meta = txn.meta;
          description = resolveOp(r, store, model, prefix, spanEnd, meta, status);
          finished.add(meta);
          txns.set(txns.indexOf(txn), new Txn(new UUID(seed, txnCounter++), ts(r)));
        } else if (kind < 80 && !finished.isEmpty()) {
          // Resolve leftovers of a finished transaction again: idempotent.
          TxnMeta meta = finished.get(r.nextInt(finished.size()));
          TxnStatus status = r.nextBoolean() ? TxnStatus.COMMITTED : TxnStatus.ABORTED;
          description = resolveOp(r, store, model, prefix, spanEnd, meta, status);
        } else if (kind < 85) {
          // Push: the pusher moves the intents up; the transaction will learn and commit higher.
          Timestamp to = ts(r);
          TxnMeta pushed = txn.meta.withWriteTimestamp(to);
          description = resolveOp(r, store, model, prefix, spanEnd, pushed, TxnStatus.PENDING);
          if (r.nextBoolean() && txn.meta.writeTimestamp().lessThan(to)) {
            txn.meta = pushed;
          }
        } else if (kind < 89) {
          // Restart: a new epoch at a higher timestamp; old-epoch intents become garbage.
          Timestamp ts = Timestamp.max(txn.meta.writeTimestamp().next(), ts(r));
          txn.meta = new TxnMeta(txn.meta.id(), txn.meta.epoch() + 1, ts, 0);
          txn.readTs = ts;
          description = "restart txn " + txn.meta;
        } else if (kind < 93) {
          Timestamp ts = Timestamp.max(txn.meta.writeTimestamp(), ts(r));
          txn.meta = new TxnMeta(txn.meta.id(), txn.meta.epoch(), ts, txn.meta.sequence() + 1);
          description = "bump txn " + txn.meta;
        } else if (kind < 98) {
          byte[][] span = span(prefix, spanEnd, r);
          Timestamp threshold = ts(r);
          description =
              "gc " + MvccModel.hex(span[0]) + "-" + MvccModel.hex(span[1]) + " below " + threshold;
          check(
              description,
              () -> "removed " + model.gc(span[0], span[1], threshold),
              () -> "removed " + store.gc(span[0], span[1], threshold));
        } else {
          if (command != null) {
            log.add(command.finish(plain, stats, r));
            command = null;
          }
          description = "restart store";
          engine.close();
          engine = StoreEngine.open(StoreOptions.inMemory(memory, "model"));
        }
        log.add(description);
        if (command != null) {
          MvccStats throughBatch = MvccStats.compute(command.batch.reader(), prefix, spanEnd);
          assertEquals(model.stats(), throughBatch, "stats recomputed through the batch vs model");
          MvccStats sum = new MvccStats();
          sum.add(stats);
          sum.add(command.batch.stats());
          assertEquals(throughBatch, sum, "incremental stats plus the batch's delta vs recompute");
          if (--command.left == 0 || op == OPS - 1) {
            log.add(command.finish(new MvccStore(engine, false), stats, r));
            command = null;
          }
        }
        if (command == null) {
          MvccStats recomputed = MvccStats.compute(engine, prefix, spanEnd);
          assertEquals(model.stats(), recomputed, "recomputed stats vs model");
          assertEquals(recomputed, stats, "incremental stats vs recompute");
        }
      } catch (AssertionError | RuntimeException e) {
        if (command != null) {
          command.close();
        }
        throw new AssertionError(
            "MVCC model mismatch in sequence "
                + seed
                + " at operation #"
                + op
                + " ("
                + description
                + ")\n  earlier operations: "
                + String.join("\n    ", log)
                + "\n  replay: bin/mvn -pl range-store test -Dtest=MvccModelTest -Dmvcc.seed="
                + seed,
            e);
      }
    }
  }

  /** A command being evaluated: its batch, the snapshot it reads if any, operations to go. */
  private static final class Command implements AutoCloseable {
    final EngineSnapshot snapshot;
    final MvccBatch batch;
    int left;

    Command(MvccStore store, Random r, int size) {
      snapshot = r.nextInt(4) == 0 ? store.engine().snapshot() : null;
      batch = snapshot == null ? store.newBatch() : store.newBatch(snapshot);
      left = size;
    }

    /** Commits the batch, or applies its serialized form, and closes it. */
    String finish(MvccStore store, MvccStats stats, Random r) {
      try {
        if (r.nextBoolean()) {
          batch.commit(false, stats);
          return "commit";
        }
        MvccStats delta = batch.stats();
        store.applyRepr(batch.repr(), delta, stats);
        return "apply repr";
      } finally {
        close();
      }
    }

    @Override
    public void close() {
      batch.close();
      if (snapshot != null) {
        snapshot.close();
      }
    }
  }

  /** The store's operations, run either on the store directly or inside a command's batch. */
  private record Target(MvccStore store, MvccBatch batch, MvccStats stats) {
    KeyValue get(byte[] key, ReadAt read) {
      return batch != null ? batch.get(key, read) : store.get(key, read);
    }

    ScanResult scan(byte[] start, byte[] end, ReadAt read, ScanOptions opts) {
      return batch != null
          ? batch.scan(start, end, read, opts)
          : store.scan(start, end, read, opts);
    }

    void write(byte[] key, Timestamp ts, TxnMeta txn, byte[] value) {
      if (batch == null) {
        if (txn != null) {
          if (value == null) {
            store.delete(key, txn, stats);
          } else {
            store.put(key, txn, value, stats);
          }
        } else if (value == null) {
          store.delete(key, ts, stats);
        } else {
          store.put(key, ts, value, stats);
        }
      } else if (txn != null) {
        if (value == null) {
          batch.delete(key, txn);
        } else {
          batch.put(key, txn, value);
        }
      } else if (value == null) {
        batch.delete(key, ts);
      } else {
        batch.put(key, ts, value);
      }
    }

    List<byte[]> deleteRange(byte[] start, byte[] end, Timestamp ts, TxnMeta txn) {
      return batch != null
          ? batch.deleteRange(start, end, ts, txn)
          : store.deleteRange(start, end, ts, txn, stats);
    }

    boolean resolveIntent(byte[] key, TxnMeta txn, TxnStatus status) {
      return batch != null
          ? batch.resolveIntent(key, txn, status)
          : store.resolveIntent(key, txn, status, stats);
    }

    int resolveIntentRange(byte[] start, byte[] end, TxnMeta txn, TxnStatus status) {
      return batch != null
          ? batch.resolveIntentRange(start, end, txn, status)
          : store.resolveIntentRange(start, end, txn, status, stats);
    }

    int gc(byte[] start, byte[] end, Timestamp threshold) {
      return batch != null
          ? batch.gc(start, end, threshold)
          : store.gc(start, end, threshold, stats);
    }
  }

  private static String resolveOp(
      Random r,
      Target store,
      MvccModel model,
      byte[] prefix,
      byte[] spanEnd,
      TxnMeta meta,
      TxnStatus status) {
    if (r.nextBoolean()) {
      byte[] key = key(prefix, r);
      String d = "resolve " + status + " " + MvccModel.hex(key) + " " + meta;
      check(
          d,
          () -> "changed " + model.resolve(key, meta, status),
          () -> "changed " + store.resolveIntent(key, meta, status));
      return d;
    }
    byte[][] span = r.nextInt(3) == 0 ? span(prefix, spanEnd, r) : new byte[][] {prefix, spanEnd};
    String d =
        "resolveRange "
            + status
            + " "
            + MvccModel.hex(span[0])
            + "-"
            + MvccModel.hex(span[1])
            + " "
            + meta;
    check(
        d,
        () -> "changed " + model.resolveRange(span[0], span[1], meta, status),
        () -> "changed " + store.resolveIntentRange(span[0], span[1], meta, status));
    return d;
  }

  /** Runs the model and the store; both must give the same result or the same conflict. */
  private static void check(String what, Supplier<String> model, Supplier<String> store) {
    String expected;
    try {
      expected = model.get();
    } catch (ModelConflict c) {
      expected = c.getMessage();
    }
    String actual;
    try {
      actual = store.get();
    } catch (WriteIntentException e) {
      actual = MvccModel.intentConflict(e.key(), e.holder());
    } catch (WriteTooOldException e) {
      actual = "WriteTooOld " + MvccModel.hex(e.key()) + " existing " + e.existingTimestamp();
      assertEquals(e.existingTimestamp().next(), e.retryTimestamp());
    } catch (ReadWithinUncertaintyException e) {
      actual = MvccModel.uncertain(e.key(), e.valueTimestamp());
    }
    assertEquals(expected, actual, what);
  }

  private static String render(ScanResult result) {
    StringBuilder sb = new StringBuilder("rows:");
    for (KeyValue kv : result.rows()) {
      sb.append(' ')
          .append(MvccModel.hex(kv.key()))
          .append('=')
          .append(MvccModel.val(kv.value(), kv.timestamp()));
    }
    if (result.hasResume()) {
      sb.append(" resume:")
          .append(MvccModel.hex(result.resumeStart()))
          .append('-')
          .append(MvccModel.hex(result.resumeEnd()));
    }
    return sb.toString();
  }

  private static ReadAt readAt(Random r, Txn txn) {
    boolean transactional = r.nextInt(3) == 0;
    Timestamp ts = transactional ? txn.readTs : ts(r);
    ReadAt read = ReadAt.at(ts);
    if (transactional) {
      read = read.withTxn(txn.meta);
    }
    if (r.nextInt(3) == 0) {
      read = read.withUncertaintyLimit(new Timestamp(ts.wallNanos() + r.nextInt(6), r.nextInt(2)));
    }
    return read;
  }

  private static Timestamp ts(Random r) {
    return new Timestamp(1 + r.nextInt(30), r.nextInt(2));
  }

  private static byte[] key(byte[] prefix, Random r) {
    byte[] suffix = SUFFIXES[r.nextInt(SUFFIXES.length)];
    byte[] key = new byte[prefix.length + suffix.length];
    System.arraycopy(prefix, 0, key, 0, prefix.length);
    System.arraycopy(suffix, 0, key, prefix.length, suffix.length);
    return key;
  }

  /**
   * Now and then a retry of one of the transaction's earlier requests (a lower sequence of the same
   * epoch), as a coordinator resends after an ambiguous outcome.
   */
  private static TxnMeta replayedOrNot(TxnMeta meta, Random r) {
    if (meta.sequence() == 0 || r.nextInt(6) != 0) {
      return meta;
    }
    return new TxnMeta(meta.id(), meta.epoch(), meta.writeTimestamp(), r.nextInt(meta.sequence()));
  }

  private static byte[][] span(byte[] prefix, byte[] spanEnd, Random r) {
    if (r.nextInt(3) == 0) {
      return new byte[][] {prefix, spanEnd};
    }
    byte[] a = key(prefix, r);
    byte[] b = r.nextInt(4) == 0 ? spanEnd : key(prefix, r);
    return Keys.compare(a, b) <= 0 ? new byte[][] {a, b} : new byte[][] {b, a};
  }

  private static byte[] value(Random r) {
    byte[] v = new byte[r.nextInt(6)];
    r.nextBytes(v);
    return v;
  }
}
