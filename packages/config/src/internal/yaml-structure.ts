/**
 * One pass over a composed YAML document, in document order and with an explicit stack (no
 * recursion), that refuses what would make reading it slow, unbounded or ambiguous:
 * - a key given twice in one mapping (`DUPLICATE_KEY`, at the second one), found with a set of
 *   names per mapping instead of the `yaml` library's pairwise comparison;
 * - a mapping or list used as a key (`INVALID_TYPE`: a plain object cannot hold it);
 * - an alias without an anchor before it (`YAML_SYNTAX`), an alias inside the node it names,
 *   more aliases than `maxAliases`, or aliases standing for more than `maxAliasExpansion`
 *   characters of text once expanded (`YAML_TOO_MANY_ALIASES`, at the alias that crosses);
 * - collections nested deeper than `maxDepth`, counting what aliases bring in (`YAML_TOO_DEEP`);
 * - a `<<` merge key whose value is not a mapping or a list of mappings (`INVALID_TYPE`).
 *
 * Each alias is resolved once, through a map of the anchors seen so far; the result lets the
 * conversion to plain values and the path lookups follow aliases in constant time.
 *
 * @example
 * ```ts
 * const aliasTargets = checkYamlStructure(document, { limits, at, sourceName });
 * ```
 * @module
 */
import {
  type Alias,
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
  type YAMLSeq,
} from 'yaml';
import { ConfigError, type ConfigErrorCode } from '../errors.ts';
import type { YamlLimits } from '../yaml-limits.ts';
import { isMergeKey, keyName } from './yaml-keys.ts';

/** What each alias of a document refers to. */
export type AliasTargets = ReadonlyMap<Alias, Node>;

/** Options of {@link checkYamlStructure}. */
export interface StructureCheckOptions {
  readonly limits: YamlLimits;
  /** The 1-based line and column of an offset. */
  readonly at: (offset: number) => { line: number; column: number };
  readonly sourceName?: string | undefined;
}

/** A collection being walked: a mapping, a list, or a pair standing for a one-entry mapping. */
interface Frame {
  readonly node: YAMLMap | YAMLSeq | Pair | null;
  readonly parent: Frame | undefined;
  /** This collection's place in its parent. */
  readonly part: string | number | undefined;
  /** Collections enclosing this one, itself included (the top-level collection is 1). */
  readonly depth: number;
  /** Key names seen so far, for mappings. */
  readonly names: Set<string> | undefined;
  /** How much longer the text would be with the aliases inside expanded. */
  extra: number;
  /** The most nested collections below this one, aliases expanded. */
  height: number;
  merges: Pair[] | undefined;
}

/** A node's size once its aliases are expanded: its text length, and its collections' height. */
interface Expanded {
  readonly length: number;
  readonly height: number;
}

type Work =
  | {
      readonly kind: 'node';
      readonly node: unknown;
      readonly frame: Frame;
      readonly part: string | number | undefined;
    }
  | { readonly kind: 'pair'; readonly pair: Pair; readonly frame: Frame }
  | { readonly kind: 'exit'; readonly frame: Frame };

function textLength(node: Node | Pair | null): number {
  const range = (node as Node | null)?.range;
  return range ? range[1] - range[0] : 0;
}

function describeCollection(node: unknown): string {
  return isSeq(node) ? 'a list' : 'a mapping';
}

class StructureWalk {
  readonly #options: StructureCheckOptions;
  readonly #anchors = new Map<string, Node>();
  readonly #expanded = new Map<Node, Expanded>();
  readonly #open = new Set<Node>();
  readonly #targets = new Map<Alias, Node>();
  readonly #work: Work[] = [];
  #aliases = 0;
  #expansion = 0;

  constructor(options: StructureCheckOptions) {
    this.#options = options;
  }

  run(root: unknown): AliasTargets {
    const top: Frame = this.#frame(null, undefined, undefined);
    this.#work.push({ kind: 'node', node: root, frame: top, part: undefined });
    for (let work = this.#work.pop(); work !== undefined; work = this.#work.pop()) {
      if (work.kind === 'node') this.#visit(work.node, work.frame, work.part);
      else if (work.kind === 'pair') this.#visitPair(work.pair, work.frame);
      else this.#exit(work.frame);
    }
    return this.#targets;
  }

  #frame(node: Frame['node'], parent: Frame | undefined, part: string | number | undefined): Frame {
    return {
      node,
      parent,
      part,
      depth: parent === undefined ? 0 : parent.depth + 1,
      names: isMap(node) ? new Set() : undefined,
      extra: 0,
      height: 0,
      merges: undefined,
    };
  }

  #visit(node: unknown, frame: Frame, part: string | number | undefined): void {
    if (isAlias(node)) {
      this.#alias(node, frame, part);
    } else if (isScalar(node)) {
      this.#anchor(node, { length: textLength(node), height: 0 });
    } else if (isMap(node) || isSeq(node) || isPair(node)) {
      this.#enter(node, frame, part);
    }
  }

  #enter(node: YAMLMap | YAMLSeq | Pair, parent: Frame, part: string | number | undefined): void {
    const frame = this.#frame(node, parent, part);
    if (frame.depth > this.#options.limits.maxDepth) {
      throw this.#error(
        'YAML_TOO_DEEP',
        frame,
        undefined,
        node,
        `collections nest more than ${this.#options.limits.maxDepth} levels deep here (the limit, limits.maxDepth): a configuration needs far fewer`,
      );
    }
    if (!isPair(node)) this.#anchor(node, undefined);
    this.#work.push({ kind: 'exit', frame });
    if (isPair(node)) {
      this.#work.push({ kind: 'pair', pair: node, frame });
    } else if (isMap(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) {
        this.#work.push({ kind: 'pair', pair: node.items[i] as Pair, frame });
      }
    } else {
      for (let i = node.items.length - 1; i >= 0; i--) {
        this.#work.push({ kind: 'node', node: node.items[i], frame, part: i });
      }
    }
  }

  #visitPair(pair: Pair, frame: Frame): void {
    const key = pair.key as Node | null;
    if (isMergeKey(key)) {
      frame.merges ??= [];
      frame.merges.push(pair);
      this.#work.push({ kind: 'node', node: pair.value, frame, part: '<<' });
      return;
    }
    const name = this.#keyName(key, frame);
    if (frame.names?.has(name)) {
      throw this.#error(
        'DUPLICATE_KEY',
        frame,
        name,
        key ?? (pair.value as Node | null),
        `the key ${JSON.stringify(name)} appears twice in the same mapping; keep one`,
      );
    }
    frame.names?.add(name);
    this.#work.push({ kind: 'node', node: pair.value, frame, part: name });
  }

  /** The property name of a key; walks the key itself (anchors, aliases). */
  #keyName(key: Node | null, frame: Frame): string {
    if (key === null) return '';
    if (isScalar(key)) {
      this.#anchor(key, { length: textLength(key), height: 0 });
      return keyName(key);
    }
    const target = isAlias(key) ? this.#alias(key, frame, undefined) : key;
    if (isScalar(target)) return keyName(target as Scalar);
    throw this.#error(
      'INVALID_TYPE',
      frame,
      undefined,
      key,
      `a mapping key must be a plain value such as a string or a number, found ${describeCollection(target)} used as a key`,
    );
  }

  #anchor(node: Node, expanded: Expanded | undefined): void {
    if (node.anchor === undefined) return;
    this.#anchors.set(node.anchor, node);
    if (expanded === undefined) this.#open.add(node);
    else this.#expanded.set(node, expanded);
  }

  /** Resolves and counts an alias inside `frame`; returns its target. */
  #alias(alias: Alias, frame: Frame, part: string | number | undefined): Node {
    const { limits } = this.#options;
    const target = this.#anchors.get(alias.source);
    const fail = (code: ConfigErrorCode, detail: string) =>
      this.#error(code, frame, part, alias, detail);
    if (target === undefined) {
      throw fail(
        'YAML_SYNTAX',
        `alias *${alias.source} refers to no anchor &${alias.source} before it`,
      );
    }
    if (this.#open.has(target)) {
      throw fail(
        'YAML_TOO_MANY_ALIASES',
        `alias *${alias.source} is inside the node &${alias.source} it refers to: it would expand without end`,
      );
    }
    this.#aliases++;
    if (this.#aliases > limits.maxAliases) {
      throw fail(
        'YAML_TOO_MANY_ALIASES',
        `more than ${limits.maxAliases} aliases (the limit, limits.maxAliases); this is alias number ${this.#aliases}`,
      );
    }
    const expanded = this.#expanded.get(target) ?? { length: 0, height: 0 };
    this.#expansion += expanded.length;
    if (this.#expansion > limits.maxAliasExpansion) {
      throw fail(
        'YAML_TOO_MANY_ALIASES',
        `the aliases up to this one stand for more than ${limits.maxAliasExpansion} characters of YAML once expanded (the limit, limits.maxAliasExpansion)`,
      );
    }
    if (frame.depth + expanded.height > limits.maxDepth) {
      throw fail(
        'YAML_TOO_DEEP',
        `alias *${alias.source} brings in collections nested ${expanded.height} deep here, more than ${limits.maxDepth} levels in all (the limit, limits.maxDepth)`,
      );
    }
    frame.extra += expanded.length - textLength(alias);
    frame.height = Math.max(frame.height, expanded.height);
    this.#targets.set(alias, target);
    return target;
  }

  #exit(frame: Frame): void {
    const { node, parent } = frame;
    if (node === null || parent === undefined) return;
    if (frame.merges !== undefined) this.#checkMerges(frame, frame.merges);
    const height = frame.height + 1;
    if (!isPair(node) && node.anchor !== undefined) {
      this.#open.delete(node);
      this.#expanded.set(node, { length: textLength(node) + frame.extra, height });
    }
    parent.extra += frame.extra;
    parent.height = Math.max(parent.height, height);
  }

  #checkMerges(frame: Frame, merges: readonly Pair[]): void {
    const resolve = (node: unknown) => (isAlias(node) ? this.#targets.get(node) : node);
    for (const pair of merges) {
      const source = resolve(pair.value);
      const mergeable = isSeq(source)
        ? source.items.every((item) => isMap(resolve(item)))
        : isMap(source);
      if (!mergeable) {
        throw this.#error(
          'INVALID_TYPE',
          frame,
          '<<',
          (pair.value as Node | null) ?? (pair.key as Node),
          'a << merge key takes a mapping, an alias of one, or a list of them, to merge into this mapping',
        );
      }
    }
  }

  #error(
    code: ConfigErrorCode,
    frame: Frame,
    part: string | number | undefined,
    node: Node | Pair | null,
    detail: string,
  ): ConfigError {
    const reversed: (string | number)[] = part === undefined ? [] : [part];
    for (let f: Frame | undefined = frame; f !== undefined; f = f.parent) {
      if (f.part !== undefined) reversed.push(f.part);
    }
    const offset = (isPair(node) ? (node.key as Node | null) : node)?.range?.[0] ?? 0;
    return new ConfigError(code, detail, {
      path: reversed.reverse(),
      ...this.#options.at(offset),
      sourceName: this.#options.sourceName,
    });
  }
}

/**
 * Checks the structure of `document` (see the module comment) and returns what each alias
 * refers to. Throws {@link ConfigError} with the path, line and column of the offending node.
 */
export function checkYamlStructure(
  document: Document.Parsed,
  options: StructureCheckOptions,
): AliasTargets {
  return new StructureWalk(options).run(document.contents);
}
