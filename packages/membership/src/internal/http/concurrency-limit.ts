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
import { MembershipError } from '../../errors.ts';

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

  /**
   * Runs `task` as soon as a slot is free; resolves or rejects as the task does. When
   * `signal` aborts while the task is still waiting for a slot, it leaves the queue and the
   * call rejects with the signal's reason (a task already running is not affected).
   */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.#active >= this.max) await this.#waitForSlot(signal);
    else this.#active++;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      // Hand the slot straight to the next task: the active count stays the same.
      if (next !== undefined) next();
      else this.#active--;
    }
  }

  /** Queues for a slot handed over by a finishing task; leaves the queue when `signal` aborts. */
  #waitForSlot(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const granted = (): void => {
        signal?.removeEventListener('abort', aborted);
        resolve();
      };
      const aborted = (): void => {
        const index = this.#waiting.indexOf(granted);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(signal?.reason);
      };
      this.#waiting.push(granted);
      signal?.addEventListener('abort', aborted, { once: true });
    });
  }
}
