/**
 * `ReadOnlyMap`: a `ReadonlyMap` that really is read-only. `Object.freeze` does not stop
 * `Map.prototype.set`, so a frozen configuration keeps its map behind this wrapper, which has
 * no mutating methods at all.
 *
 * @example
 * ```ts
 * const rooms = new ReadOnlyMap([['@alice:hs', Object.freeze(['!a:hs'])]]);
 * rooms.get('@alice:hs'); // ['!a:hs']
 * ```
 * @module
 */

/** An immutable map: built once from entries, then only read. Instances are frozen. */
export class ReadOnlyMap<K, V> implements ReadonlyMap<K, V> {
  readonly #map: Map<K, V>;

  constructor(entries: Iterable<readonly [K, V]> = []) {
    this.#map = new Map(entries);
    Object.freeze(this);
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.#map) callback.call(thisArg, value, key, this);
  }

  entries(): MapIterator<[K, V]> {
    return this.#map.entries();
  }

  keys(): MapIterator<K> {
    return this.#map.keys();
  }

  values(): MapIterator<V> {
    return this.#map.values();
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.#map[Symbol.iterator]();
  }

  get [Symbol.toStringTag](): string {
    return 'ReadOnlyMap';
  }

  /** Plain-object form, so `JSON.stringify(config)` shows the mapping. */
  toJSON(): Record<string, V> {
    const out: Record<string, V> = {};
    for (const [key, value] of this.#map) out[String(key)] = value;
    return out;
  }
}
