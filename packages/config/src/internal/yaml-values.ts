/**
 * Turning a checked YAML document into plain JavaScript values, as the `yaml` library's
 * `toJS()` does (mappings become objects, lists arrays, `<<` merges and YAML 1.1 `!!set` and
 * `!!pairs` included), but following each alias through the targets found by
 * `checkYamlStructure` instead of searching the document for its anchor every time. An alias
 * gives the same value as its anchor (shared, not copied), so the work is proportional to the
 * document, whatever the aliases expand to.
 *
 * Call it only on a document that `checkYamlStructure` accepted: it relies on every alias being
 * resolved, on keys being scalars, on merge sources being mappings and on the nesting being
 * bounded (it recurses once per level).
 *
 * @example
 * ```ts
 * const value = plainValueOf(document.contents, checkYamlStructure(document, options));
 * ```
 * @module
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Node, type Pair, type Scalar } from 'yaml';
import { isMergeKey, keyName } from './yaml-keys.ts';
import type { AliasTargets } from './yaml-structure.ts';

const SET_TAG = 'tag:yaml.org,2002:set';

/** Sets `key` as an own property, even `__proto__` or a name `Object.prototype` has. */
function defineEntry(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key in target) {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

class PlainValues {
  readonly #targets: AliasTargets;
  /** Values of anchored nodes, so that their aliases share them. */
  readonly #anchored = new Map<Node, unknown>();

  constructor(targets: AliasTargets) {
    this.#targets = targets;
  }

  #resolve(node: unknown): unknown {
    return isAlias(node) ? this.#targets.get(node) : node;
  }

  valueOf(node: unknown): unknown {
    const resolved = this.#resolve(node);
    if (resolved === null || resolved === undefined) return null;
    const anchored = (resolved as Node).anchor !== undefined;
    if (anchored && this.#anchored.has(resolved as Node))
      return this.#anchored.get(resolved as Node);
    const value = this.#convert(resolved);
    if (anchored) this.#anchored.set(resolved as Node, value);
    return value;
  }

  #convert(node: unknown): unknown {
    if (isScalar(node)) return node.value;
    if (isMap(node)) {
      if (node.tag === SET_TAG) return new Set(node.items.map((pair) => this.valueOf(pair.key)));
      return this.#object(node.items);
    }
    if (isSeq(node)) {
      return node.items.map((item) => (isPair(item) ? this.#object([item]) : this.valueOf(item)));
    }
    return null;
  }

  #keyName(key: unknown): string {
    const resolved = this.#resolve(key);
    return isScalar(resolved) ? keyName(resolved as Scalar) : '';
  }

  #object(pairs: readonly Pair[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const pair of pairs) {
      if (isMergeKey(pair.key)) this.#merge(out, pair.value);
      else defineEntry(out, this.#keyName(pair.key), this.valueOf(pair.value));
    }
    return out;
  }

  /** Adds the entries of the merged mappings that `out` does not have yet (first ones win). */
  #merge(out: Record<string, unknown>, value: unknown): void {
    const source = this.#resolve(value);
    const maps = isSeq(source) ? source.items : [source];
    for (const map of maps) {
      const entries = this.valueOf(map) as Record<string, unknown>;
      for (const key of Object.keys(entries)) {
        if (!Object.hasOwn(out, key)) defineEntry(out, key, entries[key]);
      }
    }
  }
}

/** The plain value of a node of a document that `checkYamlStructure` accepted. */
export function plainValueOf(node: unknown, targets: AliasTargets): unknown {
  return new PlainValues(targets).valueOf(node);
}
