/**
 * Seeded random streams for the workload generators: one independent stream per purpose
 * (users, room sizes, members, batches, the router plan, the syncing users), each a
 * mulberry32 generator (`seededRandom` of `@presence-router/test-support`) seeded from the
 * workload's seed and the stream's number, and the two draws the generators make from a
 * stream. Same seed and stream, same numbers on every platform: what makes workloads
 * reproducible.
 *
 * @example
 * ```ts
 * const random = randomStream(42, 1);
 * random(); // a float in [0, 1)
 * randomInt(random, 10); // an integer in [0, 10)
 * paretoDraw(random, 1.161, 2); // a Pareto-distributed size >= 2
 * ```
 * @module
 */
import { seededRandom } from '@presence-router/test-support';
import { BenchError } from './errors.ts';

/** Uniform floats in [0, 1). */
export type Random = () => number;

/**
 * Stream `stream` of `seed` (an integer; only its low 32 bits count): the stream number is
 * mixed into the seed so that streams are unrelated sequences.
 */
export function randomStream(seed: number, stream: number): Random {
  if (!Number.isInteger(seed)) {
    throw new BenchError('INVALID_OPTION', `A seed must be an integer, got ${String(seed)}`);
  }
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return seededRandom((h ^ (h >>> 16)) >>> 0);
}

/** A uniform integer in [0, bound). */
export function randomInt(random: Random, bound: number): number {
  return Math.floor(random() * bound);
}

/**
 * A Pareto-distributed value `min / U^(1/alpha)` rounded down (U uniform in (0, 1]), so
 * never below `min`.
 */
export function paretoDraw(random: Random, alpha: number, min: number): number {
  const u = 1 - random(); // (0, 1]
  return Math.floor(min / u ** (1 / alpha));
}
