package io.rangedb.raft.transport;

/**
 * Where a received snapshot's image goes as its chunks arrive, so that no node holds a large image
 * whole in memory. One stream's calls come one at a time, from the transport's thread: writes in
 * order, then {@link #finish} (every chunk arrived) or {@link #abort} (the stream broke); an abort
 * also follows a finish that threw, and may follow one that returned (a receiver that must keep a
 * finished image ignores it).
 */
public interface ImageSink {

  /** The image's next bytes. */
  void write(byte[] chunk);

  /**
   * Every chunk was written: the image is complete and is handed on (to the host, which steps the
   * snapshot message into Raft).
   */
  void finish();

  /** The stream broke before its image was finished: drop what was written. Idempotent. */
  void abort();
}
