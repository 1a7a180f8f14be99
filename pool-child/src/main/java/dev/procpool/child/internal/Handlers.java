package dev.procpool.child.internal;

import dev.procpool.child.ChildContext;
import dev.procpool.child.JobHandler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** The child's handlers by type: found with {@link ServiceLoader}, opened once, closed once. */
final class Handlers implements AutoCloseable {
  /** Where procpool's demo handlers live (module pool-server). */
  static final String BUILT_IN_PACKAGE = "dev.procpool.server.demo.";

  private final Map<String, JobHandler> byType;

  private Handlers(Map<String, JobHandler> byType) {
    this.byType = byType;
  }

  /** Loads every handler on the class path; two handlers of one type are a configuration error. */
  static Handlers load(ClassLoader loader) {
    Map<String, JobHandler> byType = new LinkedHashMap<>();
    for (JobHandler handler : ServiceLoader.load(JobHandler.class, loader)) {
      String type = handler.type();
      if (type == null || type.isEmpty()) {
        throw new IllegalStateException(handler.getClass().getName() + ".type() is empty");
      }
      JobHandler previous = byType.putIfAbsent(type, handler);
      if (previous != null && isBuiltIn(previous) != isBuiltIn(handler)) {
        // procpool's own demo handlers (echo, sleep, ledger.*) yield to a user's handler of the
        // same type.
        byType.put(type, isBuiltIn(handler) ? previous : handler);
      } else if (previous != null) {
        throw new IllegalStateException(
            "job type '"
                + type
                + "' is served by both "
                + previous.getClass().getName()
                + " and "
                + handler.getClass().getName());
      }
    }
    return new Handlers(byType);
  }

  private static boolean isBuiltIn(JobHandler handler) {
    return handler.getClass().getName().startsWith(BUILT_IN_PACKAGE);
  }

  /** Opens every handler in class-path order; if one throws, closes those already opened. */
  void open(ChildContext ctx) throws Exception {
    List<JobHandler> opened = new ArrayList<>();
    for (JobHandler handler : byType.values()) {
      try {
        handler.open(ctx);
        opened.add(handler);
      } catch (Exception e) {
        Collections.reverse(opened);
        opened.forEach(Handlers::closeQuietly);
        throw e;
      }
    }
  }

  JobHandler get(String type) {
    return byType.get(type);
  }

  List<String> types() {
    return List.copyOf(byType.keySet());
  }

  @Override
  public void close() {
    List<JobHandler> all = new ArrayList<>(byType.values());
    Collections.reverse(all);
    all.forEach(Handlers::closeQuietly);
  }

  private static void closeQuietly(JobHandler handler) {
    try {
      handler.close();
    } catch (RuntimeException e) {
      System.err.println("procpool: " + handler.getClass().getName() + ".close() threw " + e);
    }
  }
}
