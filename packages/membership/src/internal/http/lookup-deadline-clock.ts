/**
 * The clock of one HTTP lookup (one room's or one user's request with its retries): a total
 * time budget that starts with the first attempt, caps every attempt's own timeout, and
 * aborts backoff waits and waits for a connection slot once it has run out.
 *
 * @example
 * ```ts
 * const clock = new LookupDeadlineClock(5_000);
 * clock.start(); // when the first attempt gets its slot
 * const attemptMs = Math.min(timeoutMs, clock.remaining());
 * await pause(backoff, clock.signal); // ends early when the deadline passes or on close
 * clock.cancel(); // on close: aborts the signal at once
 * clock.dispose(); // always: clears the timer
 * ```
 * @module
 */

/** A lookup's deadline; see the module documentation. */
export class LookupDeadlineClock {
  /** The budget in ms (`Infinity`: no deadline). */
  readonly timeoutMs: number;
  readonly #abort = new AbortController();
  #endsAt = Number.POSITIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #started = false;
  #fired = false;

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  /** Aborted when the deadline passes or on {@link cancel}. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Whether the clock was started. */
  get started(): boolean {
    return this.#started;
  }

  /** Starts the budget now; later calls do nothing. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    if (!Number.isFinite(this.timeoutMs)) return;
    this.#endsAt = Date.now() + this.timeoutMs;
    this.#timer = setTimeout(() => {
      this.#fired = true;
      this.#abort.abort();
    }, this.timeoutMs);
  }

  /** Milliseconds left (`Infinity` before {@link start} or without a deadline), never negative. */
  remaining(): number {
    if (this.#fired) return 0;
    return Math.max(0, this.#endsAt - Date.now());
  }

  /** Whether the deadline has passed. */
  get expired(): boolean {
    return this.remaining() === 0;
  }

  /** Aborts {@link signal} now (the client is closing); the deadline itself is unchanged. */
  cancel(): void {
    this.#abort.abort();
  }

  /** Clears the timer; call it when the lookup ends. */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }
}
