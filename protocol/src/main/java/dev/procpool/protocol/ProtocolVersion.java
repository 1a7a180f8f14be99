package dev.procpool.protocol;

/** The version both sides put in and check against {@link Hello#getProtocolVersion()}. */
public final class ProtocolVersion {
  /** Bumped on any change a peer of the previous version could not read. */
  public static final int CURRENT = 1;

  private ProtocolVersion() {}
}
