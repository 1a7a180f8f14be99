package dev.procpool.child;

/** What a handler may know about the child it runs in; passed to {@link JobHandler#open}. */
public interface ChildContext {

  /** The master's id for this child, stable for the child's life (a replacement gets a new id). */
  int childId();

  /** This child's process id. */
  long pid();
}
