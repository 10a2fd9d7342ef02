package io.rangedb.rangestore.raftcluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.transport.ImageSink;
import io.rangedb.rangestore.raftcluster.RecordingStateMachine.Applied;
import io.rangedb.rangestore.storage.InMemoryStorage;
import io.rangedb.rangestore.storage.StoreEngine;
import io.rangedb.rangestore.storage.StoreOptions;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the RocksDB test state machine holds of received images when drops, finishes and restores
 * race (found by review: a destroy during a stream left a holed image held; a restore racing a
 * second finish of the same index read an empty one).
 */
class StoredImagesTest {
  private InMemoryStorage memory;
  private StoreEngine engine;
  private RecordingStateMachine view;
  private StoredRecordingStateMachine sm;

  @BeforeEach
  void open() {
    memory = new InMemoryStorage();
    engine = StoreEngine.open(StoreOptions.inMemory(memory, "images"));
    view = new RecordingStateMachine(true);
    sm = new StoredRecordingStateMachine(view, engine);
  }

  @AfterEach
  void close() {
    engine.close();
    memory.close();
  }

  private static final List<Applied> EXPECTED =
      List.of(
          new Applied(2, "alpha"),
          new Applied(3, "bravo"),
          new Applied(4, "charlie"),
          new Applied(5, "delta"));

  private static Snapshot snap(long index) {
    return new Snapshot(index, 2, ConfState.ofVoters(1L, 2L, 3L), null);
  }

  /** The image of {@link #EXPECTED} in chunks of 7 bytes: chunk edges fall inside records. */
  private static List<byte[]> chunks() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Applied a : EXPECTED) {
      ByteBuffer r = StoredImages.record(a.index(), a.command().getBytes(StandardCharsets.UTF_8));
      out.writeBytes(Arrays.copyOfRange(r.array(), 0, r.limit()));
    }
    byte[] all = out.toByteArray();
    List<byte[]> chunks = new ArrayList<>();
    for (int i = 0; i < all.length; i += 7) {
      chunks.add(Arrays.copyOfRange(all, i, Math.min(all.length, i + 7)));
    }
    return chunks;
  }

  /**
   * A replica removed (destroy) while a leader's stream to it still runs, then opened again on an
   * empty log: the stream's finish marks as held an image whose first chunks the destroy deleted,
   * and the SNAP message that follows it is taken by the new replica's empty log, whose restore
   * then reads that image.
   */
  @Test
  void anImageHeldAfterADestroyThatRacedItsStreamIsWhole() {
    long group = 7;
    List<byte[]> chunks = chunks();
    ImageSink sink = sm.receiveImage(group, snap(50));
    sink.write(chunks.get(0));
    sink.write(chunks.get(1));
    sm.destroy(group); // the replica's log was destroyed; the stream goes on
    for (byte[] c : chunks.subList(2, chunks.size())) {
      sink.write(c);
    }
    // The finish fails, so the transport aborts the stream and its message never reaches the loop.
    assertThrows(IllegalStateException.class, sink::finish);
    sink.abort();
    assertFalse(sm.holdsImage(group, 50), "no image with a hole is held");
    assertEquals(0, StoredImages.heldKeys(engine), "and none of its chunks stays");

    ImageSink next = sm.receiveImage(group, snap(50)); // the leader's next stream
    chunks.forEach(next::write);
    next.finish();
    sm.restore(group, snap(50));
    assertEquals(EXPECTED, view.appliedWithIndexes(group), "the restored image is whole");
    assertEquals(0, StoredImages.heldKeys(engine), "and dropped once restored");
  }

  @Test
  void aSecondEqualImageLeavesTheFirstHeldAndAnAbortAfterAFinishKeepsIt() {
    long group = 8;
    List<byte[]> chunks = chunks();
    ImageSink first = sm.receiveImage(group, snap(50));
    ImageSink second = sm.receiveImage(group, snap(50));
    chunks.forEach(first::write);
    chunks.forEach(second::write);
    first.finish();
    long keys = StoredImages.heldKeys(engine);
    second.finish();
    assertEquals(keys - chunks.size(), StoredImages.heldKeys(engine), "the second one's chunks go");
    first.abort(); // a transport's abort after the finish, when handing on the message failed
    assertTrue(sm.holdsImage(group, 50));
    sm.restore(group, snap(50));
    assertEquals(EXPECTED, view.appliedWithIndexes(group));
  }

  @Test
  void anImageOfAnIndexTheGroupAppliedPastIsDroppedByThatApply() {
    long group = 9;
    ImageSink stale = sm.receiveImage(group, snap(3)); // a deposed leader's, refused by Raft
    chunks().forEach(stale::write);
    stale.finish();
    for (long i = 1; i <= 2; i++) {
      sm.apply(
          group, io.rangedb.raft.Entry.normal(1, i, ("c" + i).getBytes(StandardCharsets.UTF_8)));
      assertTrue(sm.holdsImage(group, 3), "still held after applying " + i);
    }
    sm.apply(group, io.rangedb.raft.Entry.normal(1, 3, "c3".getBytes(StandardCharsets.UTF_8)));
    assertFalse(sm.holdsImage(group, 3));
    assertEquals(0, StoredImages.heldKeys(engine));
  }

  /**
   * A restore of index 50 on the loop while a second stream of the same index (a leader's retry, an
   * equal image) finishes on a transport thread, replacing the first: the restore must read one
   * whole image, not the first one's chunks after the second's finish deleted them.
   */
  @Test
  void aRestoreRacingTheFinishOfAnEqualImageReadsAWholeImage() throws Exception {
    List<byte[]> chunks = chunks();
    int rounds = 1_000;
    AtomicInteger wrong = new AtomicInteger();
    List<String> examples = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      long group = 1_000 + round;
      ImageSink first = sm.receiveImage(group, snap(50));
      chunks.forEach(first::write);
      first.finish();
      ImageSink second = sm.receiveImage(group, snap(50));
      chunks.forEach(second::write);
      AtomicInteger go = new AtomicInteger();
      int skew = round % 64;
      Thread transport =
          new Thread(
              () -> {
                while (go.get() == 0) {
                  Thread.onSpinWait();
                }
                for (int i = 0; i < skew * 20; i++) {
                  Thread.onSpinWait();
                }
                try {
                  second.finish();
                } catch (IllegalStateException droppedByTheRestore) {
                  second.abort(); // as a transport does when a finish throws
                }
              });
      transport.start();
      go.set(1);
      sm.restore(group, snap(50));
      transport.join();
      List<Applied> got = view.appliedWithIndexes(group);
      if (!got.equals(EXPECTED)) {
        wrong.incrementAndGet();
        if (examples.size() < 3) {
          examples.add("round " + round + ": restored " + got);
        }
      }
    }
    assertEquals(0, wrong.get(), "restores that read a partial or empty image: " + examples);
    assertEquals(0, StoredImages.heldKeys(engine), "neither image is left, whichever came first");
  }
}
