/**
 * Latency samples of a load run: a growing `Float64Array`, percentiles, and merging of the
 * samples collected in several listener threads.
 *
 * @example
 * ```ts
 * const samples = new Samples();
 * samples.add(12.5);
 * samples.percentiles(); // { samples: 1, p50: 12.5, p90: 12.5, p99: 12.5, max: 12.5 }
 * ```
 * @module
 */

/** Latency percentiles in ms. */
export interface Percentiles {
  readonly samples: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Rounds to 0.01. */
export const round = (value: number): number => Math.round(value * 100) / 100;

/** A growing list of samples (ms). */
export class Samples {
  #values = new Float64Array(1 << 12);
  #count = 0;

  get count(): number {
    return this.#count;
  }

  add(value: number): void {
    if (this.#count === this.#values.length) {
      const next = new Float64Array(this.#values.length * 2);
      next.set(this.#values);
      this.#values = next;
    }
    this.#values[this.#count++] = value;
  }

  /** Adds every sample of `values`. */
  addAll(values: Float64Array): void {
    for (let i = 0; i < values.length; i++) this.add(values[i] as number);
  }

  /** The samples, as a compact copy (to post to another thread). */
  toArray(): Float64Array {
    return this.#values.slice(0, this.#count);
  }

  percentiles(): Percentiles {
    const sorted = this.#values.slice(0, this.#count).sort();
    const at = (p: number): number =>
      this.#count === 0
        ? 0
        : round(sorted[Math.min(this.#count - 1, Math.floor(p * this.#count))] as number);
    return {
      samples: this.#count,
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      max: this.#count === 0 ? 0 : round(sorted[this.#count - 1] as number),
    };
  }
}
