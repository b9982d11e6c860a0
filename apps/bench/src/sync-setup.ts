/**
 * The untimed setup of a sync scenario: the workload and router plan, every local user's
 * current state (a batch of known states, then the window of recent updates over it), the
 * routing, and who syncs — users the router makes interested in ALL_USERS (its
 * `always_send_to_users`, in turn) and ordinary members drawn at random (seeded).
 *
 * @example
 * ```ts
 * const setup = prepareSync(scenario, new ScenarioRun(scenario.name, progress));
 * setup.window.length; // scenario.window (at most the local users)
 * ```
 * @module
 */
import type { UserPresenceState } from '@presence-router/core';
import { BenchError } from './errors.ts';
import { createWorkloadRouting, type WorkloadRouting } from './example-router-module.ts';
import { randomInt, randomStream } from './random-streams.ts';
import { generateRouterPlan, type RouterPlan } from './router-config.ts';
import type { ScenarioRun } from './scenario-run.ts';
import type { SyncScenario } from './scenarios.ts';
import { generateWorkload, type Workload } from './workload.ts';
import { generateBatches, type UpdateBatch } from './workload-batches.ts';

/** A sync scenario's generated data. */
export interface SyncData {
  readonly workload: Workload;
  readonly plan: RouterPlan;
  /** The updates since the syncing user's token. */
  readonly recent: UpdateBatch;
  /** `recent.states`. */
  readonly window: readonly UserPresenceState[];
  /** The window's states, for membership tests. */
  readonly inWindow: ReadonlySet<UserPresenceState>;
  /** Every local user's current state (the window's updates replace older states). */
  readonly allKnown: readonly UserPresenceState[];
}

/** Who syncs: one user per sync, warm-up syncs first. */
export interface Syncers {
  /** Users interested in ALL_USERS (`always_send_to_users`, in turn). */
  readonly allSyncers: readonly string[];
  /** Ordinary local users, by index, drawn at random (seeded). */
  readonly memberSyncers: readonly number[];
}

/** Everything a sync scenario checks and times. */
export interface SyncSetup extends SyncData, Syncers, WorkloadRouting {
  /** Seconds from the start of the run to the end of the generation. */
  readonly generationSeconds: number;
}

/** Every local user's current state: `known`, with the `recent` updates replacing theirs. */
export function currentStates(known: UpdateBatch, recent: UpdateBatch): UserPresenceState[] {
  const latest = new Map<string, UserPresenceState>();
  for (const state of known.states) latest.set(state.userId, state);
  for (const state of recent.states) latest.set(state.userId, state);
  return [...latest.values()];
}

/** Generates the scenario's workload, router plan, known states and window (seeded). */
export function generateSyncData(scenario: SyncScenario): SyncData {
  const workload = generateWorkload(scenario.workload);
  const plan = generateRouterPlan(workload, { seed: scenario.workload.seed });
  const seed = scenario.workload.seed;
  const [known] = generateBatches(workload, { size: workload.localUsers.length, count: 1, seed });
  const [recent] = generateBatches(workload, {
    size: Math.min(scenario.window, workload.localUsers.length),
    count: 1,
    seed: seed + 1,
  });
  if (known === undefined || recent === undefined) {
    throw new BenchError('INVALID_OPTION', 'No batches generated', { scenario: scenario.name });
  }
  const allKnown = currentStates(known, recent);
  const window = recent.states;
  return { workload, plan, recent, window, inWindow: new Set(window), allKnown };
}

/** The syncing users of the scenario's warm-up and measured syncs. */
export function pickSyncers(scenario: SyncScenario, data: SyncData): Syncers {
  const allUsers = data.plan.config.always_send_to_users;
  if (allUsers.length === 0) {
    throw new BenchError('INVALID_OPTION', 'The router plan has no always_send_to_users', {
      scenario: scenario.name,
    });
  }
  const locals = data.workload.localUsers;
  const random = randomStream(scenario.workload.seed, 30);
  const count = scenario.warmup + scenario.measured;
  return {
    allSyncers: Array.from({ length: count }, (_, i) => allUsers[i % allUsers.length] as string),
    memberSyncers: Array.from(
      { length: count },
      () => locals[randomInt(random, locals.length)] as number,
    ),
  };
}

/** Generates the data, builds the routing and picks the syncing users. */
export function prepareSync(scenario: SyncScenario, run: ScenarioRun): SyncSetup {
  run.say('generating the workload');
  const data = generateSyncData(scenario);
  const generationSeconds = run.seconds();
  const routing = createWorkloadRouting(data.workload, data.plan);
  return { ...data, ...pickSyncers(scenario, data), ...routing, generationSeconds };
}
