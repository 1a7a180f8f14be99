package dev.procpool.child.internal;

import com.google.protobuf.ByteString;
import dev.procpool.child.ChildContext;
import dev.procpool.protocol.Frames;
import dev.procpool.protocol.Hello;
import dev.procpool.protocol.ProtocolVersion;
import dev.procpool.protocol.ToMaster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Entry point of a child JVM, started by the master.
 *
 * <p>Command line: {@code <socket path> <child id> <max frame bytes>}. Standard input: the one-time
 * token in hex on the first line. The token is never on the command line, which other local users
 * can read in {@code /proc/<pid>/cmdline}. After the token, standard input stays open for the
 * child's life: {@link MasterWatchdog} ends the child when it closes, so a child never outlives a
 * master that was SIGKILLed, even while a handler is stuck.
 *
 * <p>Order: load and open the handlers, connect (waiting for the master's socket if the child came
 * first: {@link MasterSocket}), send {@code Hello}, run the {@link JobLoop}. A child that said
 * hello is therefore ready for work.
 */
public final class ChildMain {

  private ChildMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.in));
  }

  static int run(String[] args, InputStream stdin) {
    if (args.length != 3) {
      System.err.println("usage: ChildMain <socket path> <child id> <max frame bytes>");
      return ExitCodes.USAGE;
    }
    int childId;
    int maxFrameBytes;
    byte[] token;
    try {
      childId = Integer.parseInt(args[1]);
      maxFrameBytes = Integer.parseInt(args[2]);
      token = HexFormat.of().parseHex(readLine(stdin));
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("procpool child: bad arguments or token: " + e);
      return ExitCodes.USAGE;
    }
    MasterWatchdog.start(stdin);

    long pid = ProcessHandle.current().pid();
    Optional<DataSource> database;
    try {
      database = ChildDatabase.open(System.getenv(), childId);
    } catch (RuntimeException e) {
      System.err.println("procpool child " + childId + ": could not open the database: " + e);
      return ExitCodes.OPEN_FAILED;
    }
    ChildContext context = new Context(childId, pid, database);
    ChildTracing.start(childId); // before handlers: their open() may look up the global SDK
    Handlers handlers;
    try {
      handlers = Handlers.load(ChildMain.class.getClassLoader());
      handlers.open(context);
    } catch (Exception e) {
      System.err.println("procpool child " + childId + ": handlers failed to open");
      e.printStackTrace();
      ChildDatabase.close(database);
      return ExitCodes.OPEN_FAILED;
    }

    try (AutoCloseable closeDatabase = () -> ChildDatabase.close(database);
        handlers;
        SocketChannel channel = MasterSocket.connect(args[0], MasterSocket.PATIENCE_NANOS)) {
      Hello hello =
          Hello.newBuilder()
              .setProtocolVersion(ProtocolVersion.CURRENT)
              .setChildId(childId)
              .setPid(pid)
              .setToken(ByteString.copyFrom(token))
              .addAllJobTypes(handlers.types())
              .build();
      try {
        Frames.write(channel, ToMaster.newBuilder().setHello(hello).build(), maxFrameBytes);
      } catch (IOException e) {
        System.err.println("procpool child " + childId + ": could not say hello: " + e);
        return ExitCodes.CONNECT_FAILED;
      }
      JobLoop loop = new JobLoop(channel, handlers, context, maxFrameBytes);
      Watchdog watchdog =
          Watchdog.start(
              Path.of(args[0]),
              childId,
              pid,
              token,
              maxFrameBytes,
              Thread.currentThread(),
              loop::runningJob,
              loop.skips());
      try {
        loop.run();
      } finally {
        if (watchdog != null) {
          watchdog.quiet(); // leaving on purpose from here on: no exit notice
        }
      }
      return ExitCodes.OK;
    } catch (MasterSocket.Unreachable e) {
      System.err.println("procpool child " + childId + ": " + e.getMessage());
      return ExitCodes.CONNECT_FAILED;
    } catch (JobLoop.Fatal e) {
      System.err.println("procpool child " + childId + ": fatal error in a handler, exiting");
      e.getCause().printStackTrace();
      Runtime.getRuntime().halt(ExitCodes.FATAL);
      return ExitCodes.FATAL;
    } catch (dev.procpool.protocol.FrameException e) {
      System.err.println("procpool child " + childId + ": protocol error: " + e.getMessage());
      return ExitCodes.PROTOCOL_ERROR;
    } catch (IOException e) {
      // The master closed the channel or went away: nothing to report to.
      return ExitCodes.OK;
    } catch (Exception e) {
      System.err.println("procpool child " + childId + ": error while closing: " + e);
      return ExitCodes.OK;
    }
  }

  /** Reads one line byte by byte, so nothing after it is consumed from the shared stream. */
  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("standard input ended before the token line");
      }
      if (line.length() > 1024) {
        throw new IOException("token line too long");
      }
      line.append((char) b);
    }
    return line.toString().trim();
  }

  private static final class Context implements ChildContext {
    private final int childId;
    private final long pid;
    private final Optional<DataSource> dataSource;

    Context(int childId, long pid, Optional<DataSource> dataSource) {
      this.childId = childId;
      this.pid = pid;
      this.dataSource = dataSource;
    }

    @Override
    public Optional<DataSource> dataSource() {
      return dataSource;
    }

    @Override
    public int childId() {
      return childId;
    }

    @Override
    public long pid() {
      return pid;
    }
  }
}
