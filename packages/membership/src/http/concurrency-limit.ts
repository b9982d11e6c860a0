/**
 * A limit on how many tasks run at once (requests in flight); the others wait in order.
 *
 * @example
 * ```ts
 * const limit = new ConcurrencyLimit(4);
 * const bodies = await Promise.all(urls.map((url) => limit.run(() => fetch(url))));
 * ```
 * @module
 */
import { MembershipError } from '../errors.ts';

/** Runs at most `max` tasks at a time, first come first served. */
export class ConcurrencyLimit {
  /** The most tasks running at once. */
  readonly max: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new MembershipError(
        'INVALID_OPTIONS',
        `concurrency must be a positive integer, got ${String(max)}`,
      );
    }
    this.max = max;
  }

  /** Tasks running now. */
  get active(): number {
    return this.#active;
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `task` as soon as a slot is free; resolves or rejects as the task does. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.max) {
      await new Promise<void>((resolve) => {
        this.#waiting.push(resolve);
      });
    } else this.#active++;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      // Hand the slot straight to the next task: the active count stays the same.
      if (next !== undefined) next();
      else this.#active--;
    }
  }
}
