package io.rangedb.wire.keys;

/** Thrown when bytes handed to {@link KeyDecoder} are not a key of the expected shape. */
public final class KeyFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public KeyFormatException(String message) {
    super(message);
  }
}
