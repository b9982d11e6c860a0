/**
 * A clock whose time only moves when a test says so; timers fire in time order as it
 * advances, with the event loop drained after each (WebCrypto and promise chains settle).
 */
import type { Clock, TimerHandle } from '../../src/clock.ts';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/** Lets pending promise callbacks and platform work (WebCrypto) run. */
export async function drain(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++)
    await new Promise((resolve) => globalThis.setTimeout(resolve, 0));
}

export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: Timer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.#nextId++, at: this.#now + Math.max(0, delayMs), callback };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((timer) => timer.id !== handle);
  }

  /** How many timers are waiting. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** When the next timer fires, if any. */
  nextTimerAt(): number | undefined {
    return this.#timers.reduce<number | undefined>(
      (first, timer) => (first === undefined || timer.at < first ? timer.at : first),
      undefined,
    );
  }

  /** Moves time forward by `ms`, firing due timers in order and draining after each. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await drain();
    for (;;) {
      const due = this.#timers
        .filter((timer) => timer.at <= target)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((timer) => timer !== due);
      this.#now = Math.max(this.#now, due.at);
      due.callback();
      await drain();
    }
    this.#now = target;
    await drain();
  }
}
