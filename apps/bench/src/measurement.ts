/**
 * Timing and memory measurement: per-batch durations (warm-up batches discarded), their
 * median / p95, and the peak heap and RSS sampled during a run (after every batch and on a
 * timer). Garbage collection between runs when Node runs with `--expose-gc`.
 *
 * @example
 * ```ts
 * const run = await measureBatches(batches, { warmup: 5 }, async (batch) => { await work(batch); });
 * run.stats.medianMs; run.memory.peakRssBytes;
 * ```
 * @module
 */
import { performance } from 'node:perf_hooks';

/** Summary of per-batch durations. */
export interface TimingStats {
  readonly samples: number;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly meanMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

/** Peak memory seen during a run, and what was in use before it. */
export interface MemoryPeak {
  readonly baselineHeapBytes: number;
  readonly peakHeapBytes: number;
  readonly baselineRssBytes: number;
  readonly peakRssBytes: number;
}

/** A measured run. */
export interface MeasuredRun {
  readonly durationsMs: readonly number[];
  readonly stats: TimingStats;
  readonly memory: MemoryPeak;
}

/** The value at quantile `q` (nearest rank) of sorted values. */
function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Median, p95 (nearest rank), mean, min and max of durations. */
export function timingStats(durationsMs: readonly number[]): TimingStats {
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const n = sorted.length;
  const mid = Math.floor(n / 2);
  const median =
    n === 0
      ? Number.NaN
      : n % 2 === 1
        ? (sorted[mid] as number)
        : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return {
    samples: n,
    medianMs: median,
    p95Ms: quantile(sorted, 0.95),
    meanMs: n === 0 ? Number.NaN : sorted.reduce((a, b) => a + b, 0) / n,
    minMs: n === 0 ? Number.NaN : (sorted[0] as number),
    maxMs: n === 0 ? Number.NaN : (sorted[n - 1] as number),
  };
}

/** Latency percentiles of a set of samples (nearest rank). */
export interface LatencyPercentiles {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** p50, p90, p99 and the maximum of `valuesMs` (NaN when empty). */
export function latencyPercentiles(valuesMs: ArrayLike<number>): LatencyPercentiles {
  const sorted = Float64Array.from(valuesMs).sort();
  return {
    samples: sorted.length,
    p50Ms: quantile(sorted, 0.5),
    p90Ms: quantile(sorted, 0.9),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
  };
}

/** Runs a full garbage collection when Node exposes it (`--expose-gc`); else does nothing. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === 'function') {
    gc();
    gc();
  }
}

/** Samples heap and RSS peaks: on demand and every `intervalMs` while started. */
export class MemorySampler {
  #peakHeap = 0;
  #peakRss = 0;
  #baselineHeap = 0;
  #baselineRss = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Records the baseline and starts the timer. */
  start(intervalMs = 25): void {
    const usage = process.memoryUsage();
    this.#baselineHeap = usage.heapUsed;
    this.#baselineRss = usage.rss;
    this.#peakHeap = usage.heapUsed;
    this.#peakRss = usage.rss;
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  /** Takes one sample. */
  sample(): void {
    const usage = process.memoryUsage();
    if (usage.heapUsed > this.#peakHeap) this.#peakHeap = usage.heapUsed;
    if (usage.rss > this.#peakRss) this.#peakRss = usage.rss;
  }

  /** Stops the timer and returns the peaks. */
  stop(): MemoryPeak {
    this.sample();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    return {
      baselineHeapBytes: this.#baselineHeap,
      peakHeapBytes: this.#peakHeap,
      baselineRssBytes: this.#baselineRss,
      peakRssBytes: this.#peakRss,
    };
  }
}

/** Options of {@link measureBatches}. */
export interface MeasureOptions {
  /** Leading batches run but not timed. */
  readonly warmup: number;
  /** Called after each batch (for progress displays). */
  readonly onBatch?: (done: number, total: number) => void;
}

/**
 * Runs `work` on each batch in turn (after a GC), timing each call with `performance.now()`;
 * the first `warmup` batches are not counted. Memory is sampled after every batch.
 */
export async function measureBatches<B>(
  batches: readonly B[],
  options: MeasureOptions,
  work: (batch: B) => Promise<unknown> | unknown,
): Promise<MeasuredRun> {
  collectGarbage();
  const sampler = new MemorySampler();
  sampler.start();
  const durations: number[] = [];
  let memory: MemoryPeak;
  try {
    for (let i = 0; i < batches.length; i++) {
      const started = performance.now();
      await work(batches[i] as B);
      const elapsed = performance.now() - started;
      if (i >= options.warmup) durations.push(elapsed);
      sampler.sample();
      options.onBatch?.(i + 1, batches.length);
      // Let the sampling timer and any pending I/O run between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    memory = sampler.stop();
  }
  return { durationsMs: durations, stats: timingStats(durations), memory };
}
