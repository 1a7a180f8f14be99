package dev.procpool.internal.engine;

import dev.procpool.protocol.Hello;
import dev.procpool.protocol.ProtocolVersion;
import java.security.MessageDigest;

/**
 * Whether a connection's first message admits it as a child: the id of a child waiting to connect,
 * that child's one-time token (compared in constant time, never logged), the current protocol
 * version, and the pid of the process the pool started. Pure: it decides, the roster acts.
 */
final class HelloCheck {
  private HelloCheck() {}

  /** The verdict on one hello; a KILL's reason is a start-up fault. */
  record Verdict(Kind kind, String reason) {
    enum Kind {
      ACCEPT,
      /** A stranger: close the connection, touch no child. */
      DROP,
      /** The right child, but broken: kill it. */
      KILL
    }

    static final Verdict ACCEPT = new Verdict(Kind.ACCEPT, null);
  }

  /**
   * A child's second connection, its control channel: the child must be live, have no control
   * channel yet, and present its token and pid again. A stranger is dropped; never a kill.
   */
  static Verdict checkControl(ChildSlot child, Hello hello) {
    if (child == null || !child.isLive() || child.controlLink() != null) {
      return new Verdict(
          Verdict.Kind.DROP, "no child by id " + hello.getChildId() + " awaits a control channel");
    }
    long pidInside = child.process() != null ? child.process().pidInside() : child.pid();
    if (!MessageDigest.isEqual(child.token(), hello.getToken().toByteArray())
        || (pidInside > 0 && pidInside != hello.getPid())) {
      return new Verdict(
          Verdict.Kind.DROP, "wrong token or pid for the control channel of " + child);
    }
    return Verdict.ACCEPT;
  }

  static Verdict check(ChildSlot child, Hello hello) {
    if (child == null || child.state() != ChildSlot.State.STARTING || child.link() != null) {
      return new Verdict(
          Verdict.Kind.DROP, "no child by id " + hello.getChildId() + " is waiting to connect");
    }
    if (!MessageDigest.isEqual(child.token(), hello.getToken().toByteArray())) {
      return new Verdict(Verdict.Kind.DROP, "wrong token for " + child);
    }
    if (hello.getProtocolVersion() != ProtocolVersion.CURRENT) {
      return new Verdict(
          Verdict.Kind.KILL,
          "speaks protocol version "
              + hello.getProtocolVersion()
              + ", expected "
              + ProtocolVersion.CURRENT);
    }
    if (child.process() != null && child.process().pidInside() != hello.getPid()) {
      return new Verdict(
          Verdict.Kind.KILL,
          "said hello with pid "
              + hello.getPid()
              + " but its process is "
              + child.process().pidInside());
    }
    return Verdict.ACCEPT;
  }
}
