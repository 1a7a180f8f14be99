package dev.procpool.internal.engine;

import java.util.List;

/**
 * A child's process ended while one of its connections still had bytes the loop had not read: its
 * last replies and skip answers. Its loss waits for them ({@link Roster#onExit}), so that what the
 * pool decides about the jobs it held rests on everything the child said.
 */
record HeardExit(int status, List<String> lastLines, Loop.Timer deadline) {}
