/**
 * The narrowing benchmark's denials (issue 12, "the cost of narrowing"), seeded: one large
 * room (the largest holding at most a tenth of the users: the Pareto workload's largest room
 * holds everyone, and denying it would leave nothing to measure), 10% of the local users
 * deny it, 5% share only locally (they deny every remote server). Expressed through core's
 * API as a routing module's `getDeniedRecipients`, grouped per sender.
 *
 * @example
 * ```ts
 * const plan = generateNarrowingPlan(workload, { seed: 1 });
 * const module = createDenialModule(plan, workload); // beside the example router
 * ```
 * @module
 */
import {
  type DeniedRecipients,
  type PresenceRouterModule,
  type RecipientDenial,
  serverNameOf,
  type UserPresenceState,
} from '@presence-router/core';
import { randomStream } from './random-streams.ts';
import { userIndexOf, type Workload } from './workload.ts';

/** Options of {@link generateNarrowingPlan}. */
export interface NarrowingPlanOptions {
  readonly seed: number;
  /** Share of local users denying the large room. Default 0.1. */
  readonly denyRoomShare?: number;
  /** Share of local users sharing only locally. Default 0.05. */
  readonly localOnlyShare?: number;
}

/** Who denies what. */
export interface NarrowingPlan {
  /** The large room's index and ID. */
  readonly room: number;
  readonly roomId: string;
  readonly roomSize: number;
  /** 1 for users denying the large room. */
  readonly deniesRoom: Uint8Array;
  /** 1 for users sharing only locally (denying every remote server). */
  readonly localOnly: Uint8Array;
  /** Every remote server of the workload, sorted. */
  readonly remoteServers: readonly string[];
  readonly denyingUsers: number;
  readonly localOnlyUsers: number;
}

/** Stream number of the narrowing draws (apart from the workload's). */
const NARROWING_STREAM = 41;

/** The largest participating room of at most `limit` members (the largest one if none fits). */
export function largeRoomAtMost(workload: Workload, limit: number): number {
  let best = -1;
  let bestSize = -1;
  for (let room = 0; room < workload.roomCount; room++) {
    if (workload.participating[room] !== 1) continue;
    const size = workload.membersOf(room).length;
    if (size <= limit && size > bestSize) {
      best = room;
      bestSize = size;
    }
  }
  return Math.max(best, 0);
}

/** Draws who denies the large room and who shares only locally (disjoint). */
export function generateNarrowingPlan(
  workload: Workload,
  options: NarrowingPlanOptions,
): NarrowingPlan {
  const denyShare = options.denyRoomShare ?? 0.1;
  const localShare = options.localOnlyShare ?? 0.05;
  const random = randomStream(options.seed, NARROWING_STREAM);
  const room = largeRoomAtMost(workload, Math.max(2, Math.floor(workload.userCount / 10)));
  const deniesRoom = new Uint8Array(workload.userCount);
  const localOnly = new Uint8Array(workload.userCount);
  let denyingUsers = 0;
  let localOnlyUsers = 0;
  for (const user of workload.localUsers) {
    const r = random();
    if (r < denyShare) {
      deniesRoom[user] = 1;
      denyingUsers++;
    } else if (r < denyShare + localShare) {
      localOnly[user] = 1;
      localOnlyUsers++;
    }
  }
  const servers = new Set<string>();
  for (let u = 0; u < workload.userCount; u++) {
    if (workload.isLocal[u] !== 1)
      servers.add(serverNameOf(workload.userIds[u] as string) as string);
  }
  return {
    room,
    roomId: workload.roomIdOf(room),
    roomSize: workload.membersOf(room).length,
    deniesRoom,
    localOnly,
    remoteServers: [...servers].sort(),
    denyingUsers,
    localOnlyUsers,
  };
}

/**
 * A module with only `getDeniedRecipients`: for each state of the batch whose sender is in
 * the plan, `{ rooms: [large room] }` or `{ servers: [every remote server] }` (one shared
 * object each, as a module caching its users' settings would hand them out).
 */
export function createDenialModule(plan: NarrowingPlan): PresenceRouterModule {
  const roomDenial: RecipientDenial = { rooms: [plan.roomId] };
  const serverDenial: RecipientDenial = { servers: plan.remoteServers };
  return {
    moduleName: 'bench-narrowing',
    getDeniedRecipients(states: readonly UserPresenceState[]): DeniedRecipients {
      const denied = new Map<string, RecipientDenial>();
      for (const state of states) {
        const user = userIndexOf(state.userId);
        if (plan.deniesRoom[user] === 1) denied.set(state.userId, roomDenial);
        else if (plan.localOnly[user] === 1) denied.set(state.userId, serverDenial);
      }
      return denied;
    },
  };
}
