/**
 * When to re-send each (destination, user) keep-alive, spread over the interval.
 *
 * Remote servers mark our users offline when they hear nothing for 30 minutes (Synapse's
 * FEDERATION_TIMEOUT), so a non-offline state is re-sent every 25 minutes
 * (FEDERATION_PING_INTERVAL). Each entry gets a fixed phase in the interval from a hash of
 * its key; its next ping is the first time after the last send at which the clock is at that
 * phase (so within one interval of the send), rounded up to the next tick. Pings of many
 * users therefore spread evenly over the interval whenever their states were sent, instead
 * of all coming due together after a burst (a restart, a destination coming back).
 * @module
 */

/** FNV-1a over the UTF-16 code units of `text`, as an unsigned 32-bit integer. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Keep-alive due times, in buckets one tick wide. */
export class KeepAliveSchedule {
  readonly #intervalMs: number;
  readonly #tickMs: number;
  readonly #buckets = new Map<number, Set<string>>();
  readonly #bucketOf = new Map<string, number>();

  constructor(intervalMs: number, tickMs: number) {
    this.#intervalMs = intervalMs;
    this.#tickMs = tickMs;
  }

  /** How many entries are scheduled. */
  get size(): number {
    return this.#bucketOf.size;
  }

  /** The first time after `after` at which `key`'s phase comes round. */
  nextPhaseAfter(key: string, after: number): number {
    const phase = hash(key) % this.#intervalMs;
    return phase + (Math.floor((after - phase) / this.#intervalMs) + 1) * this.#intervalMs;
  }

  /** Schedules `key`'s next ping after `after`, unless it already has one. */
  schedule(key: string, after: number): void {
    if (this.#bucketOf.has(key)) return;
    const bucket = Math.ceil(this.nextPhaseAfter(key, after) / this.#tickMs);
    this.#bucketOf.set(key, bucket);
    let set = this.#buckets.get(bucket);
    if (set === undefined) {
      set = new Set();
      this.#buckets.set(bucket, set);
    }
    set.add(key);
  }

  /** Forgets `key`'s ping. */
  cancel(key: string): void {
    const bucket = this.#bucketOf.get(key);
    if (bucket === undefined) return;
    this.#bucketOf.delete(key);
    const set = this.#buckets.get(bucket)!;
    set.delete(key);
    if (set.size === 0) this.#buckets.delete(bucket);
  }

  /** Removes and returns the entries due at `now`. */
  takeDue(now: number): string[] {
    const due: string[] = [];
    for (const [bucket, set] of this.#buckets) {
      if (bucket * this.#tickMs > now) continue;
      for (const key of set) {
        due.push(key);
        this.#bucketOf.delete(key);
      }
      this.#buckets.delete(bucket);
    }
    return due;
  }

  /** When the earliest entry is due, or `undefined` when none is scheduled. */
  nextDueAt(): number | undefined {
    let first: number | undefined;
    for (const bucket of this.#buckets.keys())
      if (first === undefined || bucket < first) first = bucket;
    return first === undefined ? undefined : first * this.#tickMs;
  }
}
