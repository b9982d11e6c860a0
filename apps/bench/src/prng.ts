/**
 * A small seeded pseudo-random generator (mulberry32): fast, 32 bits of state, and the same
 * sequence for the same seed on every platform — what makes workloads reproducible.
 *
 * @example
 * ```ts
 * const random = new SeededRandom(42);
 * random.next(); // a float in [0, 1)
 * random.int(10); // an integer in [0, 10)
 * random.pareto(1.161, 2); // a Pareto-distributed size >= 2
 * ```
 * @module
 */
import { BenchError } from './errors.ts';

/** A seeded generator of uniform floats and integers (mulberry32). */
export class SeededRandom {
  #state: number;

  /** `seed` is any integer; only its low 32 bits count. */
  constructor(seed: number) {
    if (!Number.isInteger(seed)) {
      throw new BenchError('INVALID_OPTION', `A seed must be an integer, got ${String(seed)}`);
    }
    this.#state = seed >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniform integer in [0, bound). */
  int(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /**
   * A Pareto-distributed value `min / U^(1/alpha)` rounded down (U uniform in (0, 1]), so
   * never below `min`.
   */
  pareto(alpha: number, min: number): number {
    const u = 1 - this.next(); // (0, 1]
    return Math.floor(min / u ** (1 / alpha));
  }

  /** A new generator whose sequence depends on this one's seed and `stream` only. */
  static derive(seed: number, stream: number): SeededRandom {
    // Mix the stream number into the seed so that streams are unrelated sequences.
    let h = (seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    return new SeededRandom((h ^ (h >>> 16)) >>> 0);
  }
}
