package dev.procpool.internal.engine;

import java.util.List;

/**
 * The engine's state at one moment, taken on its loop so the numbers agree.
 *
 * @param depth how many jobs a busy child may hold now, its running one included
 * @param target how many live children the pool aims for now (it moves with resize and dynamic
 *     sizing)
 */
public record EngineStatus(
    int queued,
    int busy,
    int idle,
    int depth,
    int target,
    List<ChildSnapshot> children,
    List<ChildDeath> deaths) {}
