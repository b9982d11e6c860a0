/**
 * The timed part of a fan-out scenario: each implementation on the same batches, one after
 * the other, with a full GC before each — the floor, the engine (both views), the costly
 * ones (engine reading states, naive) when the plan runs them, and the module-only routing
 * ones when the scenario asks. The order is part of the method: do not change it.
 *
 * @example
 * ```ts
 * const timings = await measureFanOut(scenario, setup, costly, run.say);
 * timings.runs.get('engine')?.run.stats.medianMs;
 * ```
 * @module
 */
import type { CostlyPlan } from './costly-plan.ts';
import { engineDeliver, engineRouteAndRead } from './engine-fan-out.ts';
import type { ImplementationName } from './fan-out-includes.ts';
import type { FanOutSetup } from './fan-out-setup.ts';
import { collectGarbage, type MeasuredRun, measureBatches } from './measurement.ts';
import { naiveFanOut, naiveRouteStates } from './naive-fan-out.ts';
import type { Say } from './scenario-run.ts';
import type { FanOutScenario } from './scenarios.ts';
import type { UpdateBatch } from './workload-batches.ts';

/** One implementation's measured run, and why it ran on fewer batches when it did. */
export interface TimedRun {
  readonly run: MeasuredRun;
  readonly note?: string | undefined;
}

/** What the timed part measured. */
export interface FanOutTimings {
  /** The runs, in the order they were made. */
  readonly runs: ReadonlyMap<ImplementationName, TimedRun>;
  /** Mean recipients per measured batch (the engine's count). */
  readonly recipientsPerBatch: number;
  /** Mean (local recipient, state) pairs per measured batch; null when not measured. */
  readonly deliveriesPerBatch: number | null;
}

/** The work of one timed call. */
type Work = (batch: UpdateBatch) => Promise<unknown> | unknown;

/** Collects the runs of a scenario. */
class TimedRuns {
  readonly runs = new Map<ImplementationName, TimedRun>();
  readonly #say: Say;

  constructor(say: Say) {
    this.#say = say;
  }

  /** After a full GC, runs `work` on every batch, the first `warmup` untimed; keeps the run. */
  async time(
    name: ImplementationName,
    batches: readonly UpdateBatch[],
    warmup: number,
    work: Work,
    note?: string,
  ): Promise<void> {
    collectGarbage();
    const run = await measureBatches(
      batches,
      { warmup, onBatch: (done, count) => this.#say(`${name}: batch ${done}/${count}`) },
      work,
    );
    this.runs.set(name, { run, note });
  }
}

/** Floor, engine and engine-flat on every timed batch; returns mean recipients per batch. */
async function timeDelivery(
  timer: TimedRuns,
  warmup: number,
  setup: FanOutSetup,
  measured: ReadonlySet<UpdateBatch>,
): Promise<number> {
  const { floor, router, timed } = setup;
  let recipientsSum = 0;
  let recipientsCounted = 0;
  await timer.time('floor', timed, warmup, (batch) => floor.fanOut(batch.users));
  await timer.time('engine', timed, warmup, async (batch) => {
    const delivery = await engineDeliver(router, batch.states);
    if (measured.has(batch)) {
      recipientsSum += delivery.recipients;
      recipientsCounted++;
    }
  });
  await timer.time('engine-flat', timed, warmup, (batch) =>
    engineDeliver(router, batch.states, { view: 'flat' }),
  );
  return recipientsCounted > 0 ? recipientsSum / recipientsCounted : 0;
}

/**
 * Engine+states and naive on the plan's batches; returns mean deliveries per measured batch
 * (null when no measured batch ran).
 */
async function timeCostly(
  timer: TimedRuns,
  costly: CostlyPlan,
  setup: FanOutSetup,
  measured: ReadonlySet<UpdateBatch>,
): Promise<number | null> {
  const { membership, module, router } = setup;
  let deliveriesSum = 0;
  let deliveriesCounted = 0;
  await timer.time(
    'engine+states',
    costly.batches,
    costly.warmup,
    async (batch) => {
      const delivery = await engineDeliver(router, batch.states, { readStates: true });
      if (measured.has(batch)) {
        deliveriesSum += delivery.deliveries;
        deliveriesCounted++;
      }
    },
    costly.note,
  );
  await timer.time(
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
  return deliveriesCounted > 0 ? deliveriesSum / deliveriesCounted : null;
}

/** Floor-route, engine-route and naive-route on every timed batch. */
async function timeRouting(timer: TimedRuns, warmup: number, setup: FanOutSetup): Promise<void> {
  const { floor, membership, module, router, timed } = setup;
  await timer.time('floor-route', timed, warmup, (batch) => floor.route(batch.users));
  await timer.time('engine-route', timed, warmup, (batch) =>
    engineRouteAndRead(router, batch.states),
  );
  await timer.time('naive-route', timed, warmup, async (batch) => {
    const deliveries = await naiveRouteStates(batch.states, membership, module);
    let read = 0;
    for (const set of deliveries.values()) for (const _state of set) read++;
    return read;
  });
}

/** Times every implementation the scenario and the costly plan call for. */
export async function measureFanOut(
  scenario: FanOutScenario,
  setup: FanOutSetup,
  costly: CostlyPlan,
  say: Say,
): Promise<FanOutTimings> {
  const timer = new TimedRuns(say);
  const measured = new Set(setup.measuredBatches);
  const recipientsPerBatch = await timeDelivery(timer, scenario.warmup, setup, measured);
  const deliveriesPerBatch = costly.skip ? null : await timeCostly(timer, costly, setup, measured);
  if (scenario.route) await timeRouting(timer, scenario.warmup, setup);
  return { runs: timer.runs, recipientsPerBatch, deliveriesPerBatch };
}
