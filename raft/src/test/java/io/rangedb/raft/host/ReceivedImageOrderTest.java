package io.rangedb.raft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rangedb.raft.ConfState;
import io.rangedb.raft.Entry;
import io.rangedb.raft.Message;
import io.rangedb.raft.MessageType;
import io.rangedb.raft.RaftConfig;
import io.rangedb.raft.Snapshot;
import io.rangedb.raft.transport.Envelope;
import io.rangedb.raft.transport.ImageSink;
import io.rangedb.raft.transport.ImageSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A durable state machine's received image is finished before its SNAP message is handed to the
 * loop (so that the log never records a snapshot whose image is not held), and a stream that breaks
 * is aborted in the state machine's sink, but never one already finished.
 */
class ReceivedImageOrderTest {

  @Test
  void theSnapshotMessageReachesTheLoopOnlyAfterTheImageIsFinished() {
    List<Runnable> tasks = new ArrayList<>();
    List<String> events = new ArrayList<>();
    RaftHost.DurableStateMachine sm =
        new RaftHost.DurableStateMachine() {
          @Override
          public void apply(long groupId, Entry entry) {}

          @Override
          public void restore(long groupId, Snapshot snapshot) {}

          @Override
          public long appliedIndex(long groupId) {
            return 0;
          }

          @Override
          public ImageSource takeImage(long groupId) {
            return ImageSource.of(new byte[0]);
          }

          @Override
          public ImageSink receiveImage(long groupId, Snapshot snapshot) {
            return new ImageSink() {
              @Override
              public void write(byte[] chunk) {}

              @Override
              public void finish() {
                // The image becomes durable here; nothing may be on its way to the loop yet.
                events.add("finished with " + tasks.size() + " loop tasks queued");
              }

              @Override
              public void abort() {
                events.add("aborted");
              }
            };
          }

          @Override
          public boolean holdsImage(long groupId, long index) {
            return false;
          }

          @Override
          public void destroy(long groupId) {}
        };
    RaftHost host =
        new RaftHost(
            1,
            new MemoryLogStore(),
            new NowhereTransport(),
            tasks::add,
            tasks::add,
            new SplittableRandom(1),
            sm,
            RaftHost.Options.defaults());
    Message snap =
        Message.builder(MessageType.SNAP)
            .from(2)
            .to(1)
            .term(3)
            .snapshot(new Snapshot(50, 3, ConfState.ofVoters(1L, 2L, 3L), null))
            .build();
    host.addGroup(7, RaftConfig.defaults(1)); // a new replica, on an empty log
    while (!tasks.isEmpty()) {
      tasks.remove(0).run();
    }
    assertThrows(
        IllegalStateException.class,
        () -> host.snapshotSink(2, new Envelope(8, snap)),
        "a stream for a group not open here is refused: its image would never be dropped");

    ImageSink sink = host.snapshotSink(2, new Envelope(7, snap));
    sink.write(new byte[] {1, 2, 3});
    sink.finish();
    assertEquals(List.of("finished with 0 loop tasks queued"), events);
    assertTrue(tasks.size() > 0, "then the message went to the loop");
    sink.abort(); // a transport aborting after the finish (handing on the message failed)
    assertEquals(1, events.size(), "a finished image is not aborted");

    ImageSink broken = host.snapshotSink(2, new Envelope(7, snap));
    broken.write(new byte[] {1});
    broken.abort();
    assertEquals(
        List.of(events.get(0), "aborted"),
        events,
        "a broken stream's image is dropped by the state machine");
    assertEquals(1, host.stats().snapshotStreamsAborted.get());
  }
}
