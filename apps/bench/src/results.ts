/**
 * The shapes of benchmark results (written to `results/results.json`).
 *
 * @example
 * ```ts
 * const results: BenchResults = JSON.parse(readFileSync('results/results.json', 'utf8'));
 * results.scenarios[0].implementations[0].stats.medianMs;
 * ```
 * @module
 */
import type { Agreement } from './agreement.ts';
import type { FederationFigures } from './federation-results.ts';
import type { MemoryPeak, TimingStats } from './measurement.ts';
import type { NarrowingFigures } from './narrowing-results.ts';

/** One implementation measured in one scenario. */
export interface ImplementationResult {
  /** `engine`, `naive`, `floor`, `engine-route`, `naive-route`, `floor-route`, `sync-*`. */
  readonly implementation: string;
  /** What one timed call includes. */
  readonly includes: string;
  readonly stats: TimingStats;
  /** (recipient, state) pairs per second at the median (fan-out and routing). */
  readonly deliveriesPerSecond: number | null;
  /** Median of the naive baseline / this median (how many times faster than naive). */
  readonly speedupOverNaive: number | null;
  /** This median / the floor's median (how many times the floor). */
  readonly ratioToFloor: number | null;
  readonly memory: MemoryPeak;
  /** Why it was run with fewer batches or skipped, when it was. */
  readonly note?: string;
}

/** A scenario's workload in figures. */
export interface WorkloadSummary {
  readonly users: number;
  readonly localUsers: number;
  readonly rooms: number;
  readonly memberships: number;
  readonly largestRoom: number;
  readonly batchSize: number;
  /** Mean recipients per batch. */
  readonly recipientsPerBatch: number;
  /** Mean (local recipient, state) pairs per batch (null when not measured). */
  readonly deliveriesPerBatch: number | null;
  /** Most (recipient, state) pairs a naive fan-out materializes for one batch (duplicates counted). */
  readonly maxPairsPerBatch: number;
  /** Time to generate the workload, batches and router configuration. */
  readonly generationSeconds: number;
  /** Time to fill the member-list caches (membership strings, engine's interned copies). */
  readonly prewarmSeconds?: number;
}

/** One scenario's outcome. */
export interface ScenarioResult {
  readonly name: string;
  readonly kind: 'fan-out' | 'sync' | 'federation' | 'narrowing';
  readonly description: string;
  readonly sweep: boolean;
  readonly workload: WorkloadSummary;
  /** The agreement checks (on batches set aside for them). */
  readonly agreement: readonly (Agreement & { readonly what: string })[];
  /** Empty for the federation scenario, whose figures are in `federation`. */
  readonly implementations: readonly ImplementationResult[];
  /** The federation scenario's throughput and batching figures. */
  readonly federation?: FederationFigures;
  /** The narrowing scenario's ratios and MSC4495 figures. */
  readonly narrowing?: NarrowingFigures;
  /** Peak RSS of the whole scenario (its own process in the full run). */
  readonly peakRssBytes: number;
  readonly peakHeapBytes: number;
  readonly seconds: number;
  /** The machine's 1-minute load average when the scenario ended (other processes included). */
  readonly loadAverage?: number;
}

/** A target from the project's issue, evaluated. */
export interface TargetResult {
  readonly id: string;
  readonly description: string;
  readonly goal: string;
  /** The measured figure (a ratio, or GiB). */
  readonly measured: number | null;
  readonly pass: boolean;
  /** By how much it was missed, or why it could not be evaluated. */
  readonly note: string;
}

/** Everything one run produced. */
export interface BenchResults {
  readonly mode: 'full' | 'smoke';
  readonly startedAt: string;
  readonly seconds: number;
  readonly environment: {
    readonly node: string;
    readonly platform: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly totalMemoryGiB: number;
    readonly execArgv: readonly string[];
    /** `git rev-parse HEAD` and whether packages/core had uncommitted changes. */
    readonly gitCommit: string;
    readonly coreClean: boolean;
  };
  readonly scenarios: readonly ScenarioResult[];
  readonly targets: readonly TargetResult[];
}
