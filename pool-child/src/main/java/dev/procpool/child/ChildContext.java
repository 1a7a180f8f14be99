package dev.procpool.child;

import java.util.Optional;
import javax.sql.DataSource;

/** What a handler may know about the child it runs in; passed to {@link JobHandler#open}. */
public interface ChildContext {

  /** The master's id for this child, stable for the child's life (a replacement gets a new id). */
  int childId();

  /** This child's process id. */
  long pid();

  /**
   * The child's database, when the master was given one: a HikariCP pool of exactly one connection
   * (a child runs one job at a time), opened before any handler's {@code open} and closed after
   * every handler's {@code close}. Empty when no database is configured.
   */
  Optional<DataSource> dataSource();
}
