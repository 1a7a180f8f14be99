package dev.procpool.internal.engine;

import java.util.List;

/** The engine's state at one moment, taken on its loop so the numbers agree. */
/**
 * @param target how many live children the pool aims for now (it moves with resize and dynamic
 *     sizing)
 */
public record EngineStatus(
    int queued,
    int busy,
    int idle,
    int target,
    List<ChildSnapshot> children,
    List<ChildDeath> deaths) {}
