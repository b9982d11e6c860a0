/**
 * Seeded `ExamplePresenceRouter` configurations for a workload: `always_send_to_users` (a
 * few local users who receive every update) and `users_to_rooms` (a share of users whose
 * updates also go to some rooms), in the module's YAML shape and in integer form for the
 * floor.
 *
 * @example
 * ```ts
 * const plan = generateRouterPlan(workload, { seed: 1 });
 * plan.config.always_send_to_users; // ['@u17:bench.test', ...]
 * plan.config.users_to_rooms['@u3:bench.test']; // ['!r9:bench.test']
 * ```
 * @module
 */
import { BenchError } from './errors.ts';
import { randomInt, randomStream } from './random-streams.ts';
import type { Workload } from './workload.ts';

/** The `config:` mapping of `ExamplePresenceRouter`. */
export interface ExampleRouterConfig {
  /** Users who receive every presence update. */
  readonly always_send_to_users: readonly string[];
  /** User -> rooms that user's updates are also sent to. */
  readonly users_to_rooms: Readonly<Record<string, readonly string[]>>;
}

/** A router configuration and its integer form. */
export interface RouterPlan {
  readonly config: ExampleRouterConfig;
  /** `always_send_to_users` as user indices. */
  readonly alwaysSend: Int32Array;
  /** Rooms of user `u` in `users_to_rooms`: `routedRooms[routedOffsets[u] .. routedOffsets[u + 1]]`. */
  readonly routedOffsets: Int32Array;
  readonly routedRooms: Int32Array;
}

/** Options of {@link generateRouterPlan}. */
export interface RouterPlanOptions {
  readonly seed: number;
  /** Number of `always_send_to_users`. Default 3. */
  readonly alwaysSendCount?: number;
  /** Share of users in `users_to_rooms`. Default 0.05. */
  readonly routedShare?: number;
  /** Most rooms per routed user (each gets 1 to this many, among participating rooms). Default 3. */
  readonly maxRoomsPerUser?: number;
}

/** A seeded router configuration over `workload`. */
export function generateRouterPlan(workload: Workload, options: RouterPlanOptions): RouterPlan {
  const alwaysSendCount = options.alwaysSendCount ?? 3;
  const routedShare = options.routedShare ?? 0.05;
  const maxRooms = options.maxRoomsPerUser ?? 3;
  if (!Number.isInteger(alwaysSendCount) || alwaysSendCount < 0) {
    throw new BenchError('INVALID_OPTION', `alwaysSendCount must be an integer >= 0`);
  }
  if (!(routedShare >= 0 && routedShare <= 1)) {
    throw new BenchError('INVALID_OPTION', `routedShare must be in [0, 1]`);
  }
  if (!Number.isInteger(maxRooms) || maxRooms < 1) {
    throw new BenchError('INVALID_OPTION', `maxRoomsPerUser must be a positive integer`);
  }
  const random = randomStream(options.seed, 20);
  const locals = workload.localUsers;
  const alwaysSend = new Int32Array(Math.min(alwaysSendCount, locals.length));
  const chosen = new Set<number>();
  for (let k = 0; k < alwaysSend.length; ) {
    const user = locals[randomInt(random, locals.length)] as number;
    if (chosen.has(user)) continue;
    chosen.add(user);
    alwaysSend[k++] = user;
  }
  const participatingRooms: number[] = [];
  for (let r = 0; r < workload.roomCount; r++) {
    if (workload.participating[r] === 1) participatingRooms.push(r);
  }
  const n = workload.userCount;
  const routedOffsets = new Int32Array(n + 1);
  const routed: number[] = [];
  const usersToRooms: Record<string, string[]> = {};
  for (let u = 0; u < n; u++) {
    if (participatingRooms.length > 0 && random() < routedShare) {
      const count = 1 + randomInt(random, maxRooms);
      const rooms = new Set<number>();
      for (let k = 0; k < count; k++) {
        rooms.add(participatingRooms[randomInt(random, participatingRooms.length)] as number);
      }
      const sorted = [...rooms].sort((a, b) => a - b);
      routed.push(...sorted);
      usersToRooms[workload.userIds[u] as string] = sorted.map((r) => workload.roomIdOf(r));
    }
    routedOffsets[u + 1] = routed.length;
  }
  return {
    config: {
      always_send_to_users: [...alwaysSend].map((u) => workload.userIds[u] as string),
      users_to_rooms: usersToRooms,
    },
    alwaysSend,
    routedOffsets,
    routedRooms: Int32Array.from(routed),
  };
}
