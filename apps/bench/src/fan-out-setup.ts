/**
 * The untimed setup of a fan-out scenario: the workload, the router plan and the batches
 * (one set aside for the agreement check, then the warm-up and measured ones), the routing
 * the engine and the naive baseline share, the floor, and the pre-warmed member-list caches.
 *
 * @example
 * ```ts
 * const setup = await prepareFanOut(scenario, new ScenarioRun(scenario.name, progress));
 * setup.timed.length; // scenario.warmup + scenario.measured
 * ```
 * @module
 */
import { performance } from 'node:perf_hooks';
import type { UserPresenceState } from '@presence-router/core';
import { createWorkloadRouting, type WorkloadRouting } from './example-router-module.ts';
import { FloorFanOut } from './floor-fan-out.ts';
import { generateRouterPlan, type RouterPlan } from './router-config.ts';
import type { ScenarioRun } from './scenario-run.ts';
import type { FanOutScenario } from './scenarios.ts';
import { generateWorkload, type Workload } from './workload.ts';
import { generateBatches, type UpdateBatch } from './workload-batches.ts';

/** A scenario's generated data. */
export interface FanOutData {
  readonly workload: Workload;
  readonly plan: RouterPlan;
  /** Updates per batch (the scenario's, at most the local users). */
  readonly batchSize: number;
  /** The batch the agreement check runs on (never timed). */
  readonly checkBatch: UpdateBatch;
  /** The warm-up batches, then the measured ones. */
  readonly timed: readonly UpdateBatch[];
  /** The measured batches (`timed` without the warm-up). */
  readonly measuredBatches: readonly UpdateBatch[];
}

/** Everything a fan-out scenario checks and times. */
export interface FanOutSetup extends FanOutData, WorkloadRouting {
  readonly floor: FloorFanOut;
  /** Seconds from the start of the run to the end of the generation. */
  readonly generationSeconds: number;
  /** Seconds to fill the member-list caches. */
  readonly prewarmSeconds: number;
}

/** What the setup reads of a scenario (fan-out scenarios, and the federation scenario). */
export type FanOutDataOptions = Pick<
  FanOutScenario,
  'workload' | 'batchSize' | 'warmup' | 'measured'
>;

/** Generates the scenario's workload, router plan and batches (seeded by the scenario). */
export function generateFanOutData(scenario: FanOutDataOptions): FanOutData {
  const workload = generateWorkload(scenario.workload);
  const plan = generateRouterPlan(workload, { seed: scenario.workload.seed });
  const batchSize = Math.min(scenario.batchSize, workload.localUsers.length);
  const batches = generateBatches(workload, {
    size: batchSize,
    count: 1 + scenario.warmup + scenario.measured,
    seed: scenario.workload.seed,
  });
  const timed = batches.slice(1);
  return {
    workload,
    plan,
    batchSize,
    checkBatch: batches[0] as UpdateBatch,
    timed,
    measuredBatches: timed.slice(scenario.warmup),
  };
}

/** Rooms per pre-warming call (bounds the grouping work of one call). */
const PREWARM_ROOMS = 4096;

/**
 * The steady state of a long-running server: every room's member list cached by the
 * membership source and its interned copy by the engine (both keyed by the same array).
 * Core keeps its interner private, so the engine is asked to deliver `state` to every room
 * the server participates in (`fanOutRetry` with rooms only: no module, no default routing),
 * which looks up and interns each room's member list as a fan-out touching the room does.
 * Returns the seconds it took.
 */
export async function prewarmMemberLists(
  workload: Workload,
  routing: WorkloadRouting,
  state: UserPresenceState,
): Promise<number> {
  const { router } = routing;
  const started = performance.now();
  const states = [state];
  let rooms = new Map<string, readonly UserPresenceState[]>();
  for (let room = 0; room < workload.roomCount; room++) {
    if (workload.participating[room] !== 1) continue;
    rooms.set(workload.roomIdOf(room), states);
    if (rooms.size === PREWARM_ROOMS) {
      await router.fanOutRetry({ users: [], rooms });
      rooms = new Map();
    }
  }
  if (rooms.size > 0) await router.fanOutRetry({ users: [], rooms });
  return (performance.now() - started) / 1000;
}

/** Generates the data, builds the routing and the floor, and pre-warms the caches. */
export async function prepareFanOut(
  scenario: FanOutDataOptions,
  run: ScenarioRun,
): Promise<FanOutSetup> {
  run.say('generating the workload');
  const data = generateFanOutData(scenario);
  const generationSeconds = run.seconds();
  const routing = createWorkloadRouting(data.workload, data.plan);
  const floor = new FloorFanOut(data.workload, data.plan);
  run.say('pre-warming the member-list caches');
  const state = data.checkBatch.states[0] as UserPresenceState;
  const prewarmSeconds = await prewarmMemberLists(data.workload, routing, state);
  return { ...data, ...routing, floor, generationSeconds, prewarmSeconds };
}
