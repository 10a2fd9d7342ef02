package io.rangedb.raft.transport;

import io.rangedb.raft.Message;
import io.rangedb.raft.Snapshot;
import java.io.ByteArrayOutputStream;
import java.util.function.Consumer;

/**
 * Assembles a received image in memory and hands it on whole once finished: for receivers whose
 * state machine keeps its snapshots in the Raft log, where the image is stored whole anyway, and
 * for tests.
 */
public final class AssemblingSink implements ImageSink {
  private final Consumer<byte[]> whole;
  private ByteArrayOutputStream data = new ByteArrayOutputStream();

  /** Hands the whole image to {@code whole} once the last chunk arrived. */
  public AssemblingSink(Consumer<byte[]> whole) {
    this.whole = whole;
  }

  /**
   * Hands {@code header}, a SNAP message whose snapshot holds no data, with the whole image as its
   * data to {@code message} once the last chunk arrived.
   */
  public static AssemblingSink ofMessage(Envelope header, Consumer<Envelope> message) {
    return new AssemblingSink(
        image -> {
          Message m = header.message();
          Snapshot meta = m.snapshot();
          Snapshot full = new Snapshot(meta.index(), meta.term(), meta.conf(), image);
          message.accept(new Envelope(header.groupId(), m.toBuilder().snapshot(full).build()));
        });
  }

  @Override
  public void write(byte[] chunk) {
    if (data == null) {
      throw new IllegalStateException("the image was already finished or aborted");
    }
    data.writeBytes(chunk);
  }

  @Override
  public void finish() {
    if (data == null) {
      throw new IllegalStateException("the image was already finished or aborted");
    }
    byte[] image = data.toByteArray();
    data = null;
    whole.accept(image);
  }

  @Override
  public void abort() {
    data = null;
  }
}
