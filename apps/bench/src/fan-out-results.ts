/**
 * The result of a fan-out scenario, assembled from what the run produced: each measured
 * implementation with its ratios to the naive baseline and to the floor of its family
 * (fan-out, or `-route`), the skipped ones, and the workload's figures.
 *
 * @example
 * ```ts
 * const implementations = implementationResults(timings, costly);
 * implementations.find((i) => i.implementation === 'engine')?.ratioToFloor;
 * ```
 * @module
 */
import type { AgreementCheck } from './agreement.ts';
import type { CostlyPlan } from './costly-plan.ts';
import { type ImplementationName, INCLUDES } from './fan-out-includes.ts';
import type { FanOutSetup } from './fan-out-setup.ts';
import type { FanOutTimings, TimedRun } from './fan-out-timings.ts';
import type { ImplementationResult, ScenarioResult, WorkloadSummary } from './results.ts';
import { type ScenarioFrame, workloadFigures } from './scenario-run.ts';
import type { FanOutScenario } from './scenarios.ts';

/** The result of an implementation that did not run. */
export function skippedResult(name: ImplementationName, note: string): ImplementationResult {
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

/** The result of a measured implementation, against the naive and floor runs of its family. */
export function measuredResult(
  name: ImplementationName,
  { run, note }: TimedRun,
  timings: FanOutTimings,
): ImplementationResult {
  const family = name.endsWith('-route') ? '-route' : '';
  const median = (other: string) =>
    timings.runs.get(other as ImplementationName)?.run.stats.medianMs;
  const naiveMedian = median(`naive${family}`);
  const floorMedian = median(`floor${family}`);
  const deliveriesPerBatch = timings.deliveriesPerBatch;
  return {
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
  };
}

/** Every implementation's result: the measured ones in run order, then the skipped ones. */
export function implementationResults(
  timings: FanOutTimings,
  costly: CostlyPlan,
): ImplementationResult[] {
  const results = [...timings.runs].map(([name, timed]) => measuredResult(name, timed, timings));
  if (costly.skip) {
    for (const name of ['engine+states', 'naive'] as const) {
      results.push(skippedResult(name, costly.note ?? 'skipped'));
    }
  }
  return results;
}

/** The workload's figures as measured by the run. */
export function fanOutWorkloadSummary(
  setup: FanOutSetup,
  costly: CostlyPlan,
  timings: FanOutTimings,
): WorkloadSummary {
  return {
    ...workloadFigures(setup.workload),
    batchSize: setup.batchSize,
    recipientsPerBatch: timings.recipientsPerBatch,
    deliveriesPerBatch: timings.deliveriesPerBatch,
    maxPairsPerBatch: costly.maxPairs,
    generationSeconds: setup.generationSeconds,
    prewarmSeconds: setup.prewarmSeconds,
  };
}

/** What a fan-out scenario's run produced, to assemble its result from. */
export interface FanOutRun {
  readonly setup: FanOutSetup;
  readonly costly: CostlyPlan;
  readonly agreement: readonly AgreementCheck[];
  readonly timings: FanOutTimings;
  readonly implementations: readonly ImplementationResult[];
  readonly frame: ScenarioFrame;
}

/** The scenario's result. */
export function fanOutScenarioResult(scenario: FanOutScenario, run: FanOutRun): ScenarioResult {
  return {
    name: scenario.name,
    kind: 'fan-out',
    description: scenario.description,
    sweep: scenario.sweep,
    workload: fanOutWorkloadSummary(run.setup, run.costly, run.timings),
    agreement: run.agreement,
    implementations: run.implementations,
    ...run.frame,
  };
}
