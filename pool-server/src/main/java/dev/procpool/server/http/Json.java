package dev.procpool.server.http;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.procpool.PoolStatus;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server's JSON documents (jackson-jr over maps and lists): error bodies and the pool's status.
 */
public final class Json {
  private Json() {}

  /** Writes maps, lists, strings, numbers, booleans and null as JSON. */
  public static String write(Object value) {
    try {
      return JSON.std.asString(value);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write JSON for " + value.getClass().getName(), e);
    }
  }

  /** Reads a JSON object. */
  public static Map<String, Object> readObject(String text) throws IOException {
    return JSON.std.mapFrom(text);
  }

  /** An ordered JSON object from alternating names and values (values may be null). */
  public static Map<String, Object> object(Object... namesAndValues) {
    Map<String, Object> object = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      object.put((String) namesAndValues[i], namesAndValues[i + 1]);
    }
    return object;
  }

  /**
   * Marks an answer after which the connection closes, for requests whose remaining bytes cannot be
   * trusted or skipped (oversized, too slow); written by handlers ahead of the pipelining gate, it
   * carries its own length.
   */
  static FullHttpResponse closing(FullHttpResponse response) {
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    return response;
  }

  /** The body of every error response: {@code {"code":...,"message":...}}. */
  static String error(String code, String message) {
    return write(object("code", code, "message", message));
  }

  /**
   * A status document stays small whatever the children print (it is sent every second): the newest
   * deaths only, each line of their output cut.
   */
  static final int MAX_DEATHS = 20;

  static final int MAX_LINE_CHARS = 300;

  private static List<Map<String, Object>> deaths(PoolStatus s) {
    List<PoolStatus.ChildDeath> recent = s.recentDeaths();
    List<Map<String, Object>> deaths = new ArrayList<>(Math.min(recent.size(), MAX_DEATHS));
    for (PoolStatus.ChildDeath d : recent.subList(0, Math.min(recent.size(), MAX_DEATHS))) {
      deaths.add(
          object(
              "childId", d.childId(),
              "pid", d.pid(),
              "at", d.at().toString(),
              "exitStatus", d.exitStatus(),
              "signal", d.signal(),
              "cause", d.cause(),
              "lastLines", cut(d.lastLines())));
    }
    return deaths;
  }

  /** Crash output, each line cut to {@link #MAX_LINE_CHARS}: a child's output is not trusted. */
  static List<String> cut(List<String> lines) {
    List<String> cut = new ArrayList<>(Math.min(lines.size(), 20));
    for (String line : lines.subList(Math.max(0, lines.size() - 20), lines.size())) {
      cut.add(
          line.length() <= MAX_LINE_CHARS
              ? line
              : line.substring(0, MAX_LINE_CHARS)
                  + "... ("
                  + (line.length() - MAX_LINE_CHARS)
                  + " more characters)");
    }
    return cut;
  }

  /** {@code GET /status}, the dashboard's events and the admin answers share this document. */
  public static Map<String, Object> status(PoolStatus s) {
    List<Map<String, Object>> children = new ArrayList<>(s.children().size());
    for (PoolStatus.Child c : s.children()) {
      children.add(
          object(
              "id", c.id(),
              "pid", c.pid(),
              "state", c.state().name(),
              "jobsDone", c.jobsDone(),
              "jobType", c.jobType(),
              "jobMillis", c.jobMillis(),
              "uptimeMillis", c.uptimeMillis(),
              "heapBytes", c.heapBytes(),
              "rssBytes", c.rssBytes(),
              "cpuMillis", c.cpuMillis(),
              "allocatedBytes", c.allocatedBytes()));
    }
    return object(
        "pool", s.name(),
        "healthy", s.problem() == null,
        "problem", s.problem(),
        "uptimeMillis", s.uptime().toMillis(),
        "queued", s.queued(),
        "busy", s.busy(),
        "idle", s.idle(),
        "depth", s.depth(),
        "completed", s.completed(),
        "failed", s.failed(),
        "runP50Micros", s.runP50Micros(),
        "runP99Micros", s.runP99Micros(),
        "children", children,
        "time",
            object(
                "queueWaitMillis", s.time().queueWaitMillis(),
                "overheadMillis", s.time().overheadMillis(),
                "runMillis", s.time().runMillis(),
                "cpuMillis", s.time().cpuMillis()),
        "recentDeaths", deaths(s),
        "sandbox", s.sandbox());
  }
}
