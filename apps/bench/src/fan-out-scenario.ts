/**
 * Runs one fan-out scenario in this process: generates the workload, checks that the three
 * implementations agree on a batch set aside for it, then times each implementation on the
 * same batches (engine, naive, floor; and, when asked, module-only routing).
 *
 * @example
 * ```ts
 * const result = await runFanOutScenario(fullScenarios()[0] as FanOutScenario, { progress });
 * result.implementations.find((i) => i.implementation === 'engine')?.stats.medianMs;
 * ```
 * @module
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type Agreement, compareFanOut, compareRouting } from './agreement.ts';
import { engineDeliver, engineRouteAndRead } from './engine-fan-out.ts';
import { BenchError } from './errors.ts';
import { createWorkloadRouting } from './example-router-module.ts';
import { FloorFanOut } from './floor-fan-out.ts';
import { collectGarbage, type MeasuredRun, MemorySampler, measureBatches } from './measurement.ts';
import { naiveFanOut, naiveRouteStates } from './naive-fan-out.ts';
import type { Progress } from './progress.ts';
import type { ImplementationResult, ScenarioResult } from './results.ts';
import { generateRouterPlan, type RouterPlan } from './router-config.ts';
import type { FanOutScenario } from './scenarios.ts';
import { generateWorkload, largestRoomSize, type Workload } from './workload.ts';
import { generateBatches, type UpdateBatch } from './workload-batches.ts';

/** Options of {@link runFanOutScenario}. */
export interface RunOptions {
  readonly progress?: Progress | undefined;
  /** Throw a `BenchError` when implementations disagree (default true). */
  readonly failOnDisagreement?: boolean;
}

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

interface CostlyPlan {
  readonly skip: boolean;
  readonly batches: readonly UpdateBatch[];
  readonly warmup: number;
  readonly note: string | undefined;
}

/** Batches for the implementations whose cost grows with (recipient, state) pairs. */
function costlyPlan(
  scenario: FanOutScenario,
  timed: readonly UpdateBatch[],
  maxPairs: number,
): CostlyPlan {
  const pairs = maxPairs.toLocaleString('en-US');
  if (maxPairs > scenario.costlyMaxPairs) {
    return {
      skip: true,
      batches: [],
      warmup: 0,
      note: `skipped: up to ${pairs} (recipient, state) pairs per batch (limit ${scenario.costlyMaxPairs.toLocaleString('en-US')})`,
    };
  }
  if (maxPairs > scenario.costlyReducedPairs) {
    // No warm-up batches here: the agreement check already ran both on a batch of this size.
    const measured = Math.min(scenario.costlyBatches, scenario.measured);
    return {
      skip: false,
      batches: timed.slice(scenario.warmup, scenario.warmup + measured),
      warmup: 0,
      note: `${measured} timed batches only (up to ${pairs} pairs per batch)`,
    };
  }
  return { skip: false, batches: timed, warmup: scenario.warmup, note: undefined };
}

function skippedResult(name: ImplementationName, note: string): ImplementationResult {
  return {
    implementation: name,
    includes: INCLUDES[name],
    stats: {
      samples: 0,
      medianMs: Number.NaN,
      p95Ms: Number.NaN,
      meanMs: Number.NaN,
      minMs: Number.NaN,
      maxMs: Number.NaN,
    },
    deliveriesPerSecond: null,
    speedupOverNaive: null,
    ratioToFloor: null,
    memory: { baselineHeapBytes: 0, peakHeapBytes: 0, baselineRssBytes: 0, peakRssBytes: 0 },
    note,
  };
}

/** (recipient, state) pairs the naive baseline would materialize for a batch. */
export function naivePairsOf(workload: Workload, plan: RouterPlan, batch: UpdateBatch): number {
  let pairs = 0;
  for (const user of batch.users) {
    pairs += 1;
    for (const room of workload.roomsOf(user)) {
      if (workload.participating[room] === 1) pairs += workload.membersOf(room).length;
    }
    const end = plan.routedOffsets[user + 1] as number;
    for (let k = plan.routedOffsets[user] as number; k < end; k++) {
      pairs += workload.membersOf(plan.routedRooms[k] as number).length;
    }
  }
  return pairs + plan.alwaysSend.length * batch.users.length;
}

function userIdsOf(workload: Workload, users: Int32Array): string[] {
  return Array.from(users, (u) => workload.userIds[u] as string);
}

/** Runs a fan-out scenario. */
export async function runFanOutScenario(
  scenario: FanOutScenario,
  options: RunOptions = {},
): Promise<ScenarioResult> {
  const started = performance.now();
  const progress = options.progress;
  const say = (step: string) => progress?.update(scenario.name, step);
  const scenarioMemory = new MemorySampler();
  scenarioMemory.start(50);

  say('generating the workload');
  const workload = generateWorkload(scenario.workload);
  const plan = generateRouterPlan(workload, { seed: scenario.workload.seed });
  const total = 1 + scenario.warmup + scenario.measured;
  const batchSize = Math.min(scenario.batchSize, workload.localUsers.length);
  const batches = generateBatches(workload, {
    size: batchSize,
    count: total,
    seed: scenario.workload.seed,
  });
  const generationSeconds = (performance.now() - started) / 1000;
  const checkBatch = batches[0] as UpdateBatch;
  const timed = batches.slice(1);
  const measuredBatches = timed.slice(scenario.warmup);

  const { membership, module, router } = createWorkloadRouting(workload, plan);
  const floor = new FloorFanOut(workload, plan);

  // Steady state of a long-running server: every room's member list is cached by the
  // membership source and its interned copy by the engine (both keyed by the same array).
  say('pre-warming the member-list caches');
  const prewarmStarted = performance.now();
  for (let room = 0; room < workload.roomCount; room++) {
    if (workload.participating[room] === 1) {
      router.interner.internMembers(membership.membersOfRoom(room));
    }
  }
  const prewarmSeconds = (performance.now() - prewarmStarted) / 1000;

  // Implementations that materialize every (recipient, state) pair are run on fewer batches,
  // or skipped, by the number of pairs a batch holds.
  const pairs = measuredBatches.map((batch) => naivePairsOf(workload, plan, batch));
  const maxPairs = Math.max(...pairs);
  const costly = costlyPlan(scenario, timed, maxPairs);

  // Agreement on the batch set aside for it (untimed).
  say('checking that the implementations agree');
  const agreement: (Agreement & { what: string })[] = [];
  {
    const engine = await engineDeliver(router, checkBatch.states);
    const naive = costly.skip
      ? undefined
      : await naiveFanOut(checkBatch.states, membership, module);
    floor.fanOut(checkBatch.users);
    const check = compareFanOut(engine.result, naive, userIdsOf(workload, floor.recipients));
    agreement.push({
      what: costly.skip
        ? 'fan-out: engine and floor on recipients (naive skipped: too many pairs)'
        : 'fan-out: engine, naive and floor (recipients; states engine vs naive)',
      ...check,
    });
  }
  if (scenario.route) {
    const engine = await engineRouteAndRead(router, checkBatch.states);
    const naive = await naiveRouteStates(checkBatch.states, membership, module);
    floor.route(checkBatch.users);
    const check = compareRouting(engine.destinations, naive, userIdsOf(workload, floor.recipients));
    agreement.push({ what: 'routing: engine getUsersForStates, naive and floor', ...check });
  }
  const failed = agreement.find((a) => !a.agree);
  if (failed !== undefined && options.failOnDisagreement !== false) {
    throw new BenchError(
      'DISAGREEMENT',
      `${scenario.name}: ${failed.what} disagree: ${failed.problems.join('; ')}`,
      { scenario: scenario.name },
    );
  }

  // Timings, each implementation on the same batches (GC in between).
  const runs = new Map<ImplementationName, { run: MeasuredRun; note?: string | undefined }>();
  const timedRun = async (
    name: ImplementationName,
    list: readonly UpdateBatch[],
    warmup: number,
    work: (batch: UpdateBatch) => Promise<unknown> | unknown,
    note?: string,
  ): Promise<void> => {
    collectGarbage();
    const run = await measureBatches(
      list,
      { warmup, onBatch: (done, count) => say(`${name}: batch ${done}/${count}`) },
      work,
    );
    runs.set(name, { run, note });
  };
  let recipientsSum = 0;
  let recipientsCounted = 0;
  let deliveriesSum = 0;
  let deliveriesCounted = 0;
  const measuredSet = new Set(measuredBatches);
  await timedRun('floor', timed, scenario.warmup, (batch) => floor.fanOut(batch.users));
  await timedRun('engine', timed, scenario.warmup, async (batch) => {
    const delivery = await engineDeliver(router, batch.states);
    if (measuredSet.has(batch)) {
      recipientsSum += delivery.recipients;
      recipientsCounted++;
    }
  });
  await timedRun('engine-flat', timed, scenario.warmup, (batch) =>
    engineDeliver(router, batch.states, { view: 'flat' }),
  );
  if (!costly.skip) {
    await timedRun(
      'engine+states',
      costly.batches,
      costly.warmup,
      async (batch) => {
        const delivery = await engineDeliver(router, batch.states, { readStates: true });
        if (measuredSet.has(batch)) {
          deliveriesSum += delivery.deliveries;
          deliveriesCounted++;
        }
      },
      costly.note,
    );
    await timedRun(
      'naive',
      costly.batches,
      costly.warmup,
      async (batch) => {
        const deliveries = await naiveFanOut(batch.states, membership, module);
        let size = 0;
        for (const set of deliveries.values()) size += set.size;
        return size;
      },
      costly.note,
    );
  }
  if (scenario.route) {
    await timedRun('floor-route', timed, scenario.warmup, (batch) => floor.route(batch.users));
    await timedRun('engine-route', timed, scenario.warmup, (batch) =>
      engineRouteAndRead(router, batch.states),
    );
    await timedRun('naive-route', timed, scenario.warmup, async (batch) => {
      const deliveries = await naiveRouteStates(batch.states, membership, module);
      let read = 0;
      for (const set of deliveries.values()) for (const _state of set) read++;
      return read;
    });
  }

  const deliveriesPerBatch = deliveriesCounted > 0 ? deliveriesSum / deliveriesCounted : null;
  const implementations: ImplementationResult[] = [];
  const median = (name: string) => runs.get(name as ImplementationName)?.run.stats.medianMs;
  for (const [name, { run, note }] of runs) {
    const family = name.endsWith('-route') ? '-route' : '';
    const naiveMedian = median(`naive${family}`);
    const floorMedian = median(`floor${family}`);
    implementations.push({
      implementation: name,
      includes: INCLUDES[name],
      stats: run.stats,
      deliveriesPerSecond:
        family === '' && deliveriesPerBatch !== null
          ? deliveriesPerBatch / (run.stats.medianMs / 1000)
          : null,
      speedupOverNaive: naiveMedian !== undefined ? naiveMedian / run.stats.medianMs : null,
      ratioToFloor: floorMedian !== undefined ? run.stats.medianMs / floorMedian : null,
      memory: run.memory,
      ...(note !== undefined ? { note } : {}),
    });
  }
  if (costly.skip) {
    for (const name of ['engine+states', 'naive'] as const) {
      implementations.push(skippedResult(name, costly.note ?? 'skipped'));
    }
  }
  const memory = scenarioMemory.stop();
  progress?.done(
    `${scenario.name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return {
    name: scenario.name,
    kind: 'fan-out',
    description: scenario.description,
    sweep: scenario.sweep,
    workload: {
      users: workload.userCount,
      localUsers: workload.localUsers.length,
      rooms: workload.roomCount,
      memberships: workload.membershipCount,
      largestRoom: largestRoomSize(workload),
      batchSize,
      recipientsPerBatch: recipientsCounted > 0 ? recipientsSum / recipientsCounted : 0,
      deliveriesPerBatch,
      maxPairsPerBatch: maxPairs,
      generationSeconds,
      prewarmSeconds,
    },
    agreement,
    implementations,
    peakRssBytes: memory.peakRssBytes,
    peakHeapBytes: memory.peakHeapBytes,
    seconds: (performance.now() - started) / 1000,
    loadAverage: loadavg()[0] ?? 0,
  };
}
