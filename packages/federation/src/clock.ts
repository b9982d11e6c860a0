/**
 * The clock the package's timers run on: wall time and one-shot timers. Pass your own to
 * drive the presence sender, the key store and the discovery caches from a simulated
 * clock in tests; the default is the platform's `Date.now` and `setTimeout`.
 *
 * @example
 * ```ts
 * const sender = new FederationPresenceSender({ serverName, transport, clock: myClock });
 * ```
 * @module
 */

/** An opaque timer handle, as returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/** Wall time and one-shot timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` once after `delayMs`; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The longest delay platform timers accept (2^31 - 1 ms, about 24.8 days). */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * The platform clock. Its timers do not keep a Node process alive (they are `unref`ed
 * where the platform allows it), so a forgotten `close()` does not block exit.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, delayMs) {
    const handle: unknown = globalThis.setTimeout(
      callback,
      Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS),
    );
    (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clearTimeout(handle) {
    globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]);
  },
};
