/**
 * The storage of `CachedMembership`: an LRU map bounded both by entry count and by the total
 * length of the cached ID lists, evicting least recently used entries first.
 *
 * @example
 * ```ts
 * const entries = new CacheEntries({ maxEntries: 1000, maxTotalMembers: 1_000_000 });
 * entries.put('!r:hs', { value: members, expiresAt: now + 60_000 }); // returns evicted count
 * entries.touch('!r:hs');
 * ```
 * @module
 */

/** One cached answer. */
export interface CacheEntry {
  /** Members of a room / rooms of a user; `null`: the room is not participated in. */
  readonly value: readonly string[] | null;
  /** When the entry stops being fresh (ms, the cache's clock). */
  readonly expiresAt: number;
  /** Set when the entry was invalidated: from then on it is only a stale fallback. */
  invalidatedAt: number | undefined;
}

/** Bounds of {@link CacheEntries}. */
export interface CacheBounds {
  readonly maxEntries: number;
  readonly maxTotalMembers: number;
}

function weightOf(entry: CacheEntry): number {
  return entry.value === null ? 0 : entry.value.length;
}

/** An LRU map from room or user ID to {@link CacheEntry}, within {@link CacheBounds}. */
export class CacheEntries {
  readonly bounds: CacheBounds;
  /** Insertion order is recency order: the first key is the least recently used. */
  readonly #map = new Map<string, CacheEntry>();
  #totalMembers = 0;

  constructor(bounds: CacheBounds) {
    this.bounds = bounds;
  }

  /** Entries held (fresh and stale). */
  get size(): number {
    return this.#map.size;
  }

  /** Sum of the lengths of the cached lists. */
  get totalMembers(): number {
    return this.#totalMembers;
  }

  /** The entry of `key`, without changing its recency. */
  get(key: string): CacheEntry | undefined {
    return this.#map.get(key);
  }

  /** Marks `key` as the most recently used. */
  touch(key: string): void {
    const entry = this.#map.get(key);
    if (entry === undefined) return;
    this.#map.delete(key);
    this.#map.set(key, entry);
  }

  /**
   * Stores `entry` as the most recently used, then evicts the least recently used entries
   * until the bounds hold. An entry heavier than `maxTotalMembers` on its own is not stored.
   * Returns how many entries were evicted (the refused one included).
   */
  put(key: string, entry: CacheEntry): number {
    this.delete(key);
    const weight = weightOf(entry);
    if (weight > this.bounds.maxTotalMembers || this.bounds.maxEntries === 0) return 1;
    this.#map.set(key, entry);
    this.#totalMembers += weight;
    let evicted = 0;
    while (
      this.#map.size > this.bounds.maxEntries ||
      this.#totalMembers > this.bounds.maxTotalMembers
    ) {
      const oldest = this.#map.keys().next().value as string;
      this.delete(oldest);
      evicted++;
    }
    return evicted;
  }

  /** Removes `key`; returns whether it was there. */
  delete(key: string): boolean {
    const entry = this.#map.get(key);
    if (entry === undefined) return false;
    this.#map.delete(key);
    this.#totalMembers -= weightOf(entry);
    return true;
  }

  /** Every key and entry, least recently used first (do not change the map while iterating). */
  entries(): IterableIterator<[string, CacheEntry]> {
    return this.#map.entries();
  }

  /** Removes everything. */
  clear(): void {
    this.#map.clear();
    this.#totalMembers = 0;
  }
}
