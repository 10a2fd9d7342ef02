package io.rangedb.raft.transport;

/**
 * Where a received snapshot's image goes as its chunks arrive, so that no node holds a large image
 * whole in memory: written by the transport's thread, in order, then either finished (every chunk
 * arrived) or aborted (the stream broke), never both.
 */
public interface ImageSink {

  /** The image's next bytes. */
  void write(byte[] chunk);

  /**
   * Every chunk was written: the image is complete and is handed on (to the host, which steps the
   * snapshot message into Raft).
   */
  void finish();

  /** The stream broke before its last chunk: drop what was written. Idempotent. */
  void abort();
}
