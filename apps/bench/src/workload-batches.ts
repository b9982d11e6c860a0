/**
 * Seeded batches of presence updates for a workload: each batch holds distinct local users
 * (presence routing starts from local users' updates), as integer indices for the floor and
 * as `UserPresenceState`s for the routing APIs.
 *
 * @example
 * ```ts
 * const batches = generateBatches(workload, { size: 200, count: 40, seed: 1 });
 * batches[0].users; // Int32Array of 200 distinct local user indices
 * batches[0].states; // the same users' presence updates
 * ```
 * @module
 */
import {
  type PresenceStateName,
  type UserPresenceState,
  userPresenceState,
} from '@presence-router/core';
import { BenchError } from './errors.ts';
import { randomInt, randomStream } from './random-streams.ts';
import type { Workload } from './workload.ts';

/** One batch of updates. */
export interface UpdateBatch {
  /** Updating users (distinct, local), by index. */
  readonly users: Int32Array;
  /** Their new states, parallel to `users`. */
  readonly states: readonly UserPresenceState[];
}

/** Options of {@link generateBatches}. */
export interface BatchOptions {
  /** Updates per batch (at most the number of local users). */
  readonly size: number;
  readonly count: number;
  readonly seed: number;
}

const STATES: readonly PresenceStateName[] = ['online', 'unavailable', 'offline'];
const BASE_TS = 1_700_000_000_000;

/** Batches of distinct local users' updates; the same inputs give the same batches. */
export function generateBatches(workload: Workload, options: BatchOptions): UpdateBatch[] {
  const { size, count } = options;
  const locals = workload.localUsers;
  if (!Number.isInteger(size) || size < 1 || size > locals.length) {
    throw new BenchError(
      'INVALID_OPTION',
      `Batch size must be an integer from 1 to the ${locals.length} local users, got ${String(size)}`,
    );
  }
  if (!Number.isInteger(count) || count < 1) {
    throw new BenchError(
      'INVALID_OPTION',
      `Batch count must be a positive integer, got ${String(count)}`,
    );
  }
  const random = randomStream(options.seed, 10);
  const pool = Int32Array.from(locals);
  const batches: UpdateBatch[] = [];
  for (let b = 0; b < count; b++) {
    const users = new Int32Array(size);
    const states: UserPresenceState[] = [];
    for (let k = 0; k < size; k++) {
      const j = k + randomInt(random, pool.length - k);
      const user = pool[j] as number;
      pool[j] = pool[k] as number;
      pool[k] = user;
      users[k] = user;
      const state = STATES[randomInt(random, STATES.length)] as PresenceStateName;
      const ts = BASE_TS + b * 60_000 + k;
      states.push(
        userPresenceState(workload.userIds[user] as string, {
          state,
          lastActiveTs: ts,
          lastUserSyncTs: ts,
          currentlyActive: state === 'online',
          statusMsg: random() < 0.1 ? `status ${b}.${k}` : null,
        }),
      );
    }
    batches.push({ users, states });
  }
  return batches;
}
