/**
 * `RecentFeed`: the last entries of a shared store's feed that this instance consumed, in
 * `seq` order, so that syncs continuing another instance's token read them from memory
 * instead of each reading the store (hundreds of clients moving at once after an instance
 * died would otherwise each page the Redis Stream). Bounded; complete after `floor`.
 *
 * @example
 * ```ts
 * const recent = new RecentFeed(20_000);
 * recent.reset(loadedThrough);
 * recent.append(entry); // as the feed is consumed
 * recent.range(tokenSeq, watermark); // the entries, or undefined when it does not reach back
 * ```
 * @module
 */
import type { ChangeEntry } from './presence-store.ts';

/** Entries kept by default. */
export const RECENT_FEED_ENTRIES = 20_000;

/** A feed entry worth keeping (states and snapshot requests). */
export type RecentEntry = Exclude<ChangeEntry, { kind: 'gap' }>;

/** See the module documentation. */
export class RecentFeed {
  readonly #max: number;
  #entries: RecentEntry[] = [];
  /** Every entry with `seq > floor` consumed so far is held. */
  #floor = 0;

  constructor(max = RECENT_FEED_ENTRIES) {
    this.#max = Math.max(1, max);
  }

  /** Forgets everything: complete again only after `seq` (a load, a reload after a gap). */
  reset(seq: number): void {
    this.#entries = [];
    this.#floor = seq;
  }

  /** Appends an entry consumed after every entry held. */
  append(entry: RecentEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.#max * 1.25) {
      const drop = this.#entries.length - this.#max;
      this.#floor = (this.#entries[drop - 1] as RecentEntry).seq;
      this.#entries = this.#entries.slice(drop);
    }
  }

  /** The entries with `after < seq <= through`, or undefined when they are not all held. */
  range(after: number, through: number): readonly RecentEntry[] | undefined {
    if (after < this.#floor) return undefined;
    const entries = this.#entries;
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((entries[mid] as RecentEntry).seq <= after) low = mid + 1;
      else high = mid;
    }
    const found: RecentEntry[] = [];
    for (let i = low; i < entries.length; i++) {
      const entry = entries[i] as RecentEntry;
      if (entry.seq > through) break;
      found.push(entry);
    }
    return found;
  }
}
