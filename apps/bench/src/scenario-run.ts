/**
 * What every scenario run shares: its options, a {@link ScenarioRun} (the clock, the
 * scenario's memory sampler and its progress line) and the workload's figures in its result.
 *
 * @example
 * ```ts
 * const run = new ScenarioRun(scenario.name, options.progress);
 * run.say('generating the workload');
 * const frame = run.finish(); // peak memory, seconds, load average
 * ```
 * @module
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { MemorySampler } from './measurement.ts';
import type { Progress } from './progress.ts';
import type { ScenarioResult, WorkloadSummary } from './results.ts';
import { largestRoomSize, type Workload } from './workload.ts';

/** Options of a scenario run (`runFanOutScenario`, `runSyncScenario`). */
export interface RunOptions {
  readonly progress?: Progress | undefined;
  /** Throw a `BenchError` when implementations disagree (default true). */
  readonly failOnDisagreement?: boolean;
}

/** Shows the current step of a scenario. */
export type Say = (step: string) => void;

/** The figures a scenario's result ends with. */
export type ScenarioFrame = Pick<
  ScenarioResult,
  'peakRssBytes' | 'peakHeapBytes' | 'seconds' | 'loadAverage'
>;

/** One scenario being run: started on construction (clock, then memory sampled every 50 ms). */
export class ScenarioRun {
  readonly name: string;
  /** `performance.now()` when the run started. */
  readonly started = performance.now();
  readonly #progress: Progress | undefined;
  readonly #memory = new MemorySampler();

  constructor(name: string, progress: Progress | undefined) {
    this.name = name;
    this.#progress = progress;
    this.#memory.start(50);
  }

  /** Shows the current step (a function, to hand on as it is). */
  readonly say: Say = (step) => this.#progress?.update(this.name, step);

  /** Seconds since the run started. */
  seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Stops the memory sampler, reports the run done, and returns its closing figures. */
  finish(): ScenarioFrame {
    const memory = this.#memory.stop();
    this.#progress?.done(`${this.name}: done in ${this.seconds().toFixed(1)} s`);
    return {
      peakRssBytes: memory.peakRssBytes,
      peakHeapBytes: memory.peakHeapBytes,
      seconds: this.seconds(),
      loadAverage: loadavg()[0] ?? 0,
    };
  }
}

/** The figures of a workload every scenario reports first. */
export function workloadFigures(
  workload: Workload,
): Pick<WorkloadSummary, 'users' | 'localUsers' | 'rooms' | 'memberships' | 'largestRoom'> {
  return {
    users: workload.userCount,
    localUsers: workload.localUsers.length,
    rooms: workload.roomCount,
    memberships: workload.membershipCount,
    largestRoom: largestRoomSize(workload),
  };
}
