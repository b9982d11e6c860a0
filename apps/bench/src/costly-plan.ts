/**
 * The batches of the implementations whose cost grows with (recipient, state) pairs — the
 * naive baseline and the engine reading every group's states: all of them, a few (no
 * warm-up), or none, by the most pairs a measured batch holds.
 *
 * @example
 * ```ts
 * const costly = planCostly(scenario, setup);
 * if (!costly.skip) await time('naive', costly.batches, costly.warmup, work, costly.note);
 * ```
 * @module
 */
import type { FanOutData } from './fan-out-setup.ts';
import type { RouterPlan } from './router-config.ts';
import type { FanOutScenario } from './scenarios.ts';
import type { Workload } from './workload.ts';
import type { UpdateBatch } from './workload-batches.ts';

/** How the costly implementations run. */
export interface CostlyPlan {
  /** Not run at all. */
  readonly skip: boolean;
  /** The batches they run on (warm-up ones first). */
  readonly batches: readonly UpdateBatch[];
  readonly warmup: number;
  /** Why they run on fewer batches or not at all (undefined when on all of them). */
  readonly note: string | undefined;
  /** The most (recipient, state) pairs of a measured batch. */
  readonly maxPairs: number;
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

/** The plan for `maxPairs` pairs per batch, over the scenario's `timed` batches. */
export function costlyPlan(
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
      maxPairs,
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
      maxPairs,
    };
  }
  return { skip: false, batches: timed, warmup: scenario.warmup, note: undefined, maxPairs };
}

/** The plan for a scenario's generated data: its measured batches decide. */
export function planCostly(scenario: FanOutScenario, data: FanOutData): CostlyPlan {
  const { workload, plan } = data;
  const pairs = data.measuredBatches.map((batch) => naivePairsOf(workload, plan, batch));
  return costlyPlan(scenario, data.timed, Math.max(...pairs));
}
