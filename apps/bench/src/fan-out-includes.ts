/**
 * The implementations of a fan-out scenario, by name, and what one timed call of each
 * includes (written into every result).
 *
 * @example
 * ```ts
 * INCLUDES.floor; // 'touched rooms from integer rooms-of-user arrays + ...'
 * ```
 * @module
 */

/** What one timed call of each implementation includes. */
export const INCLUDES = {
  engine:
    "router.fanOut(batch) (membership lookups, module call, grouping; member lists already interned) + reading every group's memberIds + result.remote (who receives something)",
  'engine-flat':
    'router.fanOut(batch) as for engine + reading result.localGroups (flat typed arrays of group ids, starts and members; no object per group) + result.remote',
  'engine+states':
    "as engine, plus reading every group's states (what each receives; built lazily per group)",
  naive:
    'membership lookups + module call + building Map<userId, Set<state>> member by member + iterating its entries',
  floor:
    'touched rooms from integer rooms-of-user arrays + one stamp-array visit per member of each touched room (no strings, no states)',
  'engine-route':
    "router.getUsersForStates(batch) (module call, room expansion, grouping) + reading every recipient's states once",
  'naive-route':
    "module call + membership lookup + building Map<userId, Set<state>> member by member + reading every recipient's states once",
  'floor-route':
    'routed rooms from integer arrays + one stamp-array visit per member (no strings, no states)',
} as const;

/** The implementations of a fan-out scenario. */
export type ImplementationName = keyof typeof INCLUDES;
