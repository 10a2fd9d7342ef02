package io.rangedb.rangestore.raftnet;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.rangedb.wire.proto.RaftBatchAck;
import io.rangedb.wire.proto.RaftTransportGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * The {@code RaftTransport/Stream} call with its requests as the bytes of an encoded {@code
 * RaftMessageBatch} rather than generated message objects: {@link RaftMessageCodec} writes and
 * reads them directly. The bytes on the wire are the same, so a peer using the generated stub talks
 * to this one and back; what changes is the work per message, which with thousands of groups is per
 * commit.
 */
final class RaftStreamMethod {
  private RaftStreamMethod() {}

  static final MethodDescriptor<byte[], RaftBatchAck> STREAM =
      RaftTransportGrpc.getStreamMethod().toBuilder(
              new BytesMarshaller(), RaftTransportGrpc.getStreamMethod().getResponseMarshaller())
          .build();

  /** Passes encoded messages through: gRPC copies them once into its frame, and out again. */
  static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new Bytes(value);
    }

    @Override
    public byte[] parse(InputStream in) {
      try {
        if (!(in instanceof KnownLength)) {
          return in.readAllBytes();
        }
        // gRPC hands over a message it holds whole: its length is known, and read in one go.
        byte[] known = in.readNBytes(in.available());
        int next = in.read();
        if (next < 0) {
          return known;
        }
        byte[] rest = in.readAllBytes(); // more than it said: keep it all the same
        byte[] all = java.util.Arrays.copyOf(known, known.length + 1 + rest.length);
        all[known.length] = (byte) next;
        System.arraycopy(rest, 0, all, known.length + 1, rest.length);
        return all;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Bytes that gRPC may drain into its buffer in one write, knowing their length. */
  private static final class Bytes extends ByteArrayInputStream implements Drainable, KnownLength {
    Bytes(byte[] b) {
      super(b);
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int n = count - pos;
      target.write(buf, pos, n);
      pos = count;
      return n;
    }
  }
}
