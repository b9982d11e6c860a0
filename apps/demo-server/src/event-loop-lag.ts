/**
 * How late the event loop runs: a timer due every `intervalMs` measures how much later than
 * due it fires (web-standard timers only, so it runs wherever the server does). A busy
 * process fires late; the sync streams widen their coalescing window while it does.
 *
 * @example
 * ```ts
 * const lag = new EventLoopLag({ intervalMs: 100, onSample: (ms) => streams.reportLag(ms) });
 * lag.start();
 * lag.stop();
 * ```
 * @module
 */

/** Options of {@link EventLoopLag}. */
export interface EventLoopLagOptions {
  readonly intervalMs: number;
  /** Told each sample: how late the timer fired (ms). */
  readonly onSample: (lagMs: number) => void;
}

/** The lag sampler; see the module documentation. */
export class EventLoopLag {
  readonly #options: EventLoopLagOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #latest = 0;

  constructor(options: EventLoopLagOptions) {
    this.#options = options;
  }

  /** The latest sample (ms). */
  get latestMs(): number {
    return this.#latest;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    const { intervalMs } = this.#options;
    let due = performance.now() + intervalMs;
    const tick = (): void => {
      const now = performance.now();
      this.#latest = Math.max(0, now - due);
      this.#options.onSample(this.#latest);
      due = now + intervalMs;
      this.#timer = setTimeout(tick, intervalMs);
      (this.#timer as { unref?: () => void }).unref?.();
    };
    this.#timer = setTimeout(tick, intervalMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
