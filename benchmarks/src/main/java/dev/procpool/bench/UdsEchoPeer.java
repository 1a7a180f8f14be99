package dev.procpool.bench;

import com.google.protobuf.ByteString;
import dev.procpool.protocol.FrameReader;
import dev.procpool.protocol.Frames;
import dev.procpool.protocol.JobReply;
import dev.procpool.protocol.ToChild;
import dev.procpool.protocol.ToMaster;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;

/**
 * The far end of the transport ceiling: a JVM that connects to a Unix socket and answers every
 * {@code ToChild} job frame with a {@code ToMaster} reply carrying the same payload. No pool, no
 * handler lookup, no futures: only the frames procpool sends, over the same kind of socket.
 */
public final class UdsEchoPeer {
  public static void main(String[] args) throws Exception {
    int max = Frames.DEFAULT_MAX_FRAME_BYTES;
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(args[0]))) {
      FrameReader reader = new FrameReader(channel, max);
      for (ToChild request = reader.read(ToChild.parser());
          request != null;
          request = reader.read(ToChild.parser())) {
        ByteString payload = request.getJob().getPayload();
        Frames.write(
            channel,
            ToMaster.newBuilder()
                .setReply(
                    JobReply.newBuilder().setJobId(request.getJob().getJobId()).setResult(payload))
                .build(),
            max);
      }
    }
  }
}
