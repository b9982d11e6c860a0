/**
 * Finding nodes of a YAML document by path (following aliases and `<<` merge keys as the plain
 * values do) and the path of the node at an offset. Each mapping gets an index of its keys the
 * first time it is searched, so locating every key of a large mapping (one warning per unknown
 * key, say) takes time proportional to the mapping, not to its square.
 *
 * @example
 * ```ts
 * const locator = new NodeLocator(document, aliasTargets);
 * locator.find(['presence', 'routing_modules', 0]); // { node, pair }
 * ```
 * @module
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import type { ConfigPath } from '../errors.ts';
import { isMergeKey, keyName } from './yaml-keys.ts';
import type { AliasTargets } from './yaml-structure.ts';

/** A node found by path, and the mapping entry holding it (for mapping entries). */
export interface Located {
  readonly node: Node | null;
  readonly pair: Pair | undefined;
}

interface KeyIndex {
  readonly byName: ReadonlyMap<string, Pair>;
  /** The `<<` entries, in order. */
  readonly merges: readonly Pair[];
}

/** Looks nodes up by path in one document. */
export class NodeLocator {
  readonly #document: Document.Parsed;
  readonly #targets: AliasTargets;
  readonly #indexes = new Map<YAMLMap, KeyIndex>();

  constructor(document: Document.Parsed, targets: AliasTargets) {
    this.#document = document;
    this.#targets = targets;
  }

  /** The node at `path` (and the pair holding it), following aliases; undefined if absent. */
  find(path: ConfigPath): Located | undefined {
    let node: Node | null = this.#document.contents;
    let pair: Pair | undefined;
    for (const part of path) {
      node = this.#resolve(node);
      if (isMap(node)) {
        pair = this.#findPair(node, String(part), 0);
        if (pair === undefined) return undefined;
        node = pair.value as Node | null;
      } else if (isSeq(node) && typeof part === 'number') {
        if (part < 0 || part >= node.items.length) return undefined;
        pair = undefined;
        node = node.items[part] as Node | null;
      } else {
        return undefined;
      }
    }
    return { node, pair };
  }

  #resolve(node: unknown): Node | null {
    return ((isAlias(node) ? this.#targets.get(node) : node) as Node | null | undefined) ?? null;
  }

  /** The entry `key` of `map`: its own, else the first merged mapping's. */
  #findPair(map: YAMLMap, key: string, merges: number): Pair | undefined {
    const index = this.#indexOf(map);
    const own = index.byName.get(key);
    if (own !== undefined || merges > 100) return own;
    for (const merge of index.merges) {
      const source = this.#resolve(merge.value);
      for (const item of isSeq(source) ? source.items : [source]) {
        const merged = this.#resolve(item);
        const found = isMap(merged) ? this.#findPair(merged, key, merges + 1) : undefined;
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }

  #indexOf(map: YAMLMap): KeyIndex {
    let index = this.#indexes.get(map);
    if (index === undefined) {
      const byName = new Map<string, Pair>();
      const merges: Pair[] = [];
      for (const pair of map.items as Pair[]) {
        if (isMergeKey(pair.key)) merges.push(pair);
        else {
          const key = this.#resolve(pair.key);
          const name = isScalar(key) ? keyName(key as Scalar) : '';
          if (!byName.has(name)) byName.set(name, pair);
        }
      }
      index = { byName, merges };
      this.#indexes.set(map, index);
    }
    return index;
  }
}

/**
 * The path of the deepest node whose source range holds `offset` (ends inclusive, so an
 * empty node at the end still counts; when two siblings touch, the later one wins).
 */
export function pathAtOffset(document: Document.Parsed, offset: number): ConfigPath {
  const path: (string | number)[] = [];
  let node: Node | null = document.contents;
  for (;;) {
    if (isMap(node)) {
      const index = lastIndexWhere(node.items, (item) => pairHolds(item, offset));
      const pair = node.items[index];
      if (pair === undefined) return path;
      const key = pair.key as Node | null;
      path.push(isScalar(key) ? keyName(key as Scalar) : String(key));
      if (key?.range && offset < key.range[1]) return path;
      node = pair.value as Node | null;
    } else if (isSeq(node)) {
      const index = lastIndexWhere(node.items, (item) => {
        const range = (item as Node | null)?.range;
        return range != null && offset >= range[0] && offset <= range[2];
      });
      if (index < 0) return path;
      path.push(index);
      node = node.items[index] as Node | null;
    } else {
      return path;
    }
  }
}

function lastIndexWhere<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i] as T)) return i;
  return -1;
}

function pairHolds(pair: unknown, offset: number): boolean {
  if (!isPair(pair)) return false;
  const key = pair.key as Node | null;
  const value = pair.value as Node | null;
  const start = key?.range?.[0] ?? value?.range?.[0];
  const end = value?.range?.[2] ?? key?.range?.[2];
  return start !== undefined && end !== undefined && offset >= start && offset <= end;
}
