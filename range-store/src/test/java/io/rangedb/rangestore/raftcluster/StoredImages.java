package io.rangedb.rangestore.raftcluster;

import io.rangedb.raft.transport.ImageSink;
import io.rangedb.raft.transport.ImageSource;
import io.rangedb.rangestore.storage.ColumnFamily;
import io.rangedb.rangestore.storage.EngineBatch;
import io.rangedb.rangestore.storage.EngineIterator;
import io.rangedb.rangestore.storage.EngineSnapshot;
import io.rangedb.rangestore.storage.IterOptions;
import io.rangedb.rangestore.storage.StoreEngine;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The images of {@link StoredRecordingStateMachine}, streamed to and from the node's store as a
 * range replica's would be: a sent image is read from a storage snapshot as the transport asks for
 * chunks, and a received one is written into the {@code LOCAL} column family chunk by chunk as it
 * arrives (unsynced: in order with the Raft log's later writes), then marked finished, and read
 * back when the state machine restores it.
 *
 * <p>An image is the group's records, each {@code index (8 bytes), length (4), command}. Keys of a
 * received image: {@code "si" + group + index + stream + chunk sequence}, 8 bytes each; the
 * finished mark {@code "sf" + group + index} holds the stream whose chunks make the image.
 */
final class StoredImages {
  private static final byte[] CHUNKS = {'s', 'i'};
  private static final byte[] FINISHED = {'s', 'f'};

  private final StoreEngine engine;
  private final AtomicLong streams = new AtomicLong(System.nanoTime());

  /** Per group, the indexes of the finished images held: what an apply checks. */
  private final Map<Long, NavigableSet<Long>> held = new ConcurrentHashMap<>();

  /** Loads which images the store holds. */
  StoredImages(StoreEngine engine) {
    this.engine = engine;
    byte[] end = {FINISHED[0], (byte) (FINISHED[1] + 1)};
    try (EngineIterator it =
        engine.newIterator(ColumnFamily.LOCAL, IterOptions.bounded(FINISHED, end))) {
      for (it.seek(FINISHED); it.valid(); it.next()) {
        ByteBuffer k = ByteBuffer.wrap(it.key(), FINISHED.length, 16);
        long group = k.getLong();
        indexes(group).add(k.getLong());
      }
    }
  }

  /**
   * Writes {@code b}, an apply through {@code applied}, dropping with it the group's images at or
   * below that index: once the group has applied through an image's index it is never restored (a
   * stale leader's image the core refused would otherwise stay).
   */
  void writeApplying(EngineBatch b, long group, long applied) {
    NavigableSet<Long> indexes = held.get(group);
    if (indexes != null && !indexes.isEmpty() && indexes.first() <= applied) {
      writeDroppingThrough(b, group, applied);
    } else {
      engine.write(b, false);
    }
  }

  private NavigableSet<Long> indexes(long group) {
    return held.computeIfAbsent(group, g -> new ConcurrentSkipListSet<>());
  }

  /**
   * An image of the records under {@code [from, to)} of {@code LOCAL} as of now, of {@code
   * sizeBytes} encoded, read from a storage snapshot only as it is asked for.
   *
   * @param decode turns a stored record (key, value) into its index and command, or null to skip
   */
  ImageSource take(byte[] from, byte[] to, long sizeBytes, RecordReader decode) {
    EngineSnapshot snap = engine.snapshot();
    EngineIterator it = snap.newIterator(ColumnFamily.LOCAL, IterOptions.bounded(from, to));
    it.seek(from);
    return new ImageSource() {
      private ByteBuffer pending = ByteBuffer.allocate(0);
      private boolean closed;

      @Override
      public long sizeBytes() {
        return sizeBytes;
      }

      @Override
      public synchronized byte[] read(int maxBytes) {
        ByteBuffer out = ByteBuffer.allocate(maxBytes);
        while (out.hasRemaining()) {
          if (!pending.hasRemaining()) {
            if (closed || !it.valid()) {
              break;
            }
            pending = decode.record(it.key(), it.value());
            it.next();
            continue;
          }
          int n = Math.min(out.remaining(), pending.remaining());
          out.put(pending.array(), pending.position(), n);
          pending.position(pending.position() + n);
        }
        return Arrays.copyOf(out.array(), out.position());
      }

      @Override
      public synchronized void close() {
        if (!closed) {
          closed = true;
          it.close();
          snap.close();
        }
      }
    };
  }

  /** Encodes one record of an image; a reader of stored records returns these. */
  static ByteBuffer record(long index, byte[] command) {
    return ByteBuffer.allocate(12 + command.length)
        .putLong(index)
        .putInt(command.length)
        .put(command)
        .flip();
  }

  /** Turns a stored key and value into an image record, or an empty buffer to skip it. */
  interface RecordReader {
    ByteBuffer record(byte[] key, byte[] value);
  }

  /** Sinks still being written, by group: a drop that covers one's index makes its finish fail. */
  private final Map<Long, Set<Receiving>> open = new HashMap<>();

  /** Where an image of {@code group} at {@code index} received from a leader is written. */
  ImageSink receive(long group, long index) {
    Receiving r = new Receiving(group, index, streams.incrementAndGet());
    synchronized (this) {
      open.computeIfAbsent(group, g -> new HashSet<>()).add(r);
    }
    return r;
  }

  /** One image being received: its chunks under its own stream id, marked held when finished. */
  private final class Receiving implements ImageSink {
    private final long group;
    private final long index;
    private final long stream;
    private long seq;
    private boolean dropped;
    private boolean finished;

    Receiving(long group, long index, long stream) {
      this.group = group;
      this.index = index;
      this.stream = stream;
    }

    @Override
    public void write(byte[] chunk) {
      // Unlocked: a chunk written after a drop is deleted by the abort that follows the failed
      // finish.
      try (EngineBatch b = engine.newBatch()) {
        b.put(ColumnFamily.LOCAL, key(CHUNKS, group, index, stream, seq++), chunk);
        engine.write(b, false);
      }
    }

    @Override
    public void finish() {
      synchronized (StoredImages.this) {
        if (dropped) {
          // A restore or destroy deleted this image's first chunks as it arrived: never held.
          throw new IllegalStateException(
              "the image of group " + group + " at " + index + " was dropped as it arrived");
        }
        byte[] mark = key(FINISHED, group, index);
        try (EngineBatch b = engine.newBatch()) {
          if (engine.get(ColumnFamily.LOCAL, mark) != null) {
            // An equal image of the same index is held already: it stays (a restore may be
            // reading it), this one goes.
            deleteStream(b);
          } else {
            b.put(ColumnFamily.LOCAL, mark, ByteBuffer.allocate(8).putLong(stream).array());
          }
          engine.write(b, false);
        }
        indexes(group).add(index);
        finished = true;
        forget();
      }
    }

    @Override
    public void abort() {
      synchronized (StoredImages.this) {
        if (finished) {
          return; // held: its chunks stay
        }
        forget();
        try (EngineBatch b = engine.newBatch()) {
          deleteStream(b);
          engine.write(b, false);
        }
      }
    }

    private void deleteStream(EngineBatch b) {
      b.deleteRange(
          ColumnFamily.LOCAL,
          key(CHUNKS, group, index, stream),
          key(CHUNKS, group, index, stream + 1));
    }

    private void forget() {
      Set<Receiving> mine = open.get(group);
      if (mine != null && mine.remove(this) && mine.isEmpty()) {
        open.remove(group);
      }
    }
  }

  /** How many keys of received images (chunks and finished marks) the store holds. */
  static long heldKeys(StoreEngine engine) {
    long n = 0;
    for (byte[] prefix : new byte[][] {CHUNKS, FINISHED}) {
      byte[] end = {prefix[0], (byte) (prefix[1] + 1)};
      try (EngineIterator it =
          engine.newIterator(ColumnFamily.LOCAL, IterOptions.bounded(prefix, end))) {
        for (it.seek(prefix); it.valid(); it.next()) {
          n++;
        }
      }
    }
    return n;
  }

  /** Whether a finished image of {@code group} at {@code index} is held. */
  boolean holds(long group, long index) {
    return engine.get(ColumnFamily.LOCAL, key(FINISHED, group, index)) != null;
  }

  /** Visits the records of the finished image of {@code group} at {@code index}, in order. */
  void read(long group, long index, RecordVisitor visitor) {
    // One storage snapshot for the mark and the chunks: a stream of the same index finishing
    // meanwhile replaces the mark and deletes the chunks it pointed to.
    try (EngineSnapshot snap = engine.snapshot()) {
      byte[] mark = snap.get(ColumnFamily.LOCAL, key(FINISHED, group, index));
      if (mark == null) {
        throw new IllegalStateException("no image of group " + group + " at " + index + " is held");
      }
      long stream = ByteBuffer.wrap(mark).getLong();
      byte[] from = key(CHUNKS, group, index, stream);
      byte[] to = key(CHUNKS, group, index, stream + 1);
      RecordParser parser = new RecordParser(visitor);
      try (EngineIterator it =
          snap.newIterator(ColumnFamily.LOCAL, IterOptions.bounded(from, to))) {
        for (it.seek(from); it.valid(); it.next()) {
          parser.add(it.value());
        }
      }
      parser.end();
    }
  }

  /** Takes the records of an image in order. */
  interface RecordVisitor {
    void record(long index, byte[] command);
  }

  /**
   * Writes {@code b} with the group's received images at or below {@code through} deleted, and
   * makes the sinks still receiving one of them fail at their finish: their first chunks are gone.
   */
  synchronized void writeDroppingThrough(EngineBatch b, long group, long through) {
    b.deleteRange(ColumnFamily.LOCAL, key(CHUNKS, group), key(CHUNKS, group, through + 1));
    b.deleteRange(ColumnFamily.LOCAL, key(FINISHED, group), key(FINISHED, group, through + 1));
    for (Receiving r : open.getOrDefault(group, Set.of())) {
      if (r.index <= through) {
        r.dropped = true;
      }
    }
    engine.write(b, false);
    indexes(group).headSet(through, true).clear();
  }

  /** {@link #writeDroppingThrough} of every image of the group received here. */
  void writeDroppingAll(EngineBatch b, long group) {
    writeDroppingThrough(b, group, Long.MAX_VALUE - 1);
  }

  private static byte[] key(byte[] prefix, long... parts) {
    ByteBuffer k = ByteBuffer.allocate(prefix.length + 8 * parts.length).put(prefix);
    for (long p : parts) {
      k.putLong(p);
    }
    return k.array();
  }

  /** Cuts a stream of chunks back into records, whatever the chunks' boundaries. */
  private static final class RecordParser {
    private final RecordVisitor visitor;
    private ByteBuffer buffered = ByteBuffer.allocate(0);

    RecordParser(RecordVisitor visitor) {
      this.visitor = visitor;
    }

    void add(byte[] chunk) {
      ByteBuffer in =
          ByteBuffer.allocate(buffered.remaining() + chunk.length).put(buffered).put(chunk).flip();
      while (in.remaining() >= 12) {
        int length = in.getInt(in.position() + 8);
        if (length < 0) {
          throw new IllegalStateException("a corrupt image record");
        }
        if (in.remaining() < 12 + length) {
          break;
        }
        long index = in.getLong();
        in.getInt();
        byte[] command = new byte[length];
        in.get(command);
        visitor.record(index, command);
      }
      buffered = in.slice();
    }

    void end() {
      if (buffered.hasRemaining()) {
        throw new IllegalStateException("an image ends inside a record");
      }
    }
  }
}
