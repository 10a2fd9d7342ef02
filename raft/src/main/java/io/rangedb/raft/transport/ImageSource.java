package io.rangedb.raft.transport;

import java.util.Arrays;

/**
 * A state machine image for a follower that needs a snapshot, read in pieces, in order, by the
 * transport while it streams them, off the host's loop. Taking it fixes what it holds (a range
 * replica: a storage snapshot taken right after applying); reading it does the I/O. The transport
 * closes it when the stream ends, however it ends.
 */
public interface ImageSource extends AutoCloseable {

  /**
   * The image's size in bytes, or an estimate no lower than it: what a transport sizes the stream's
   * deadline by.
   */
  long sizeBytes();

  /**
   * The image's next bytes, at most {@code maxBytes} and at least one while any are left; an empty
   * array once all have been read.
   *
   * @throws RuntimeException if the image cannot be read (the stream then fails, and the leader
   *     sends a new snapshot later)
   */
  byte[] read(int maxBytes);

  /** Releases what holds the image (a storage snapshot, files); idempotent. */
  @Override
  void close();

  /** An image already in memory: a state machine that keeps its snapshots in the Raft log. */
  static ImageSource of(byte[] image) {
    return new ImageSource() {
      private int offset;

      @Override
      public long sizeBytes() {
        return image.length;
      }

      @Override
      public byte[] read(int maxBytes) {
        if (maxBytes <= 0) {
          throw new IllegalArgumentException("maxBytes must be positive");
        }
        int end = (int) Math.min(image.length, (long) offset + maxBytes);
        byte[] out = Arrays.copyOfRange(image, offset, end);
        offset = end;
        return out;
      }

      @Override
      public void close() {}
    };
  }
}
