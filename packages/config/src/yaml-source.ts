/**
 * YAML plumbing shared by `loadConfig` and by apps that validate their own keys: parse a
 * source into plain values, refuse what Synapse's YAML reader would refuse (syntax errors,
 * duplicate keys, unknown tags such as an unquoted room ID `!room:hs`), and find the line
 * and column of any path.
 *
 * The source is read as YAML 1.1, like Synapse's reader (PyYAML): `yes`/`no`/`on`/`off` are
 * booleans and `<<` merge keys work.
 *
 * @example
 * ```ts
 * const source = parseYamlSource('server_name: hs.example\nmy_app:\n  port: "x"\n', 'homeserver.yaml');
 * source.value; // { server_name: 'hs.example', my_app: { port: 'x' } }
 * source.locate(['my_app', 'port']); // { line: 3, column: 9 }
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
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  visit,
  type YAMLError,
} from 'yaml';
import { ConfigError, type ConfigPath } from './errors.ts';

/** A 1-based line and column. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** The nearest existing node of a path, and where it is. */
export interface NearestPosition extends SourcePosition {
  /** The part of the path that exists in the document (all of it when the node exists). */
  readonly pathParts: ConfigPath;
}

/** A parsed YAML source: its plain value and a way back from paths to positions. */
export interface YamlSource {
  /** The label used in messages (a file name, usually). */
  readonly sourceName: string | undefined;
  /** The document as plain JavaScript values (mappings become objects, lists arrays). */
  readonly value: unknown;
  /** The `yaml` document, for callers that need more than positions. */
  readonly document: Document.Parsed;
  /**
   * Where the value at `path` starts; for a key with an empty value (`config:`), where the key
   * starts. `undefined` when the path does not exist.
   */
  locate(path: ConfigPath): SourcePosition | undefined;
  /** Where the key of the last part of `path` starts (for mapping entries). */
  locateKey(path: ConfigPath): SourcePosition | undefined;
  /** The position of `path`, or of its nearest existing ancestor. */
  locateNearest(path: ConfigPath): NearestPosition;
  /** A {@link ConfigError} at `path`, with the position of `path` (or its nearest ancestor). */
  errorAt(
    code: ConfigError['code'],
    path: ConfigPath,
    detail: string,
    cause?: unknown,
  ): ConfigError;
}

/** Options of {@link parseYamlSource}. */
export interface ParseYamlOptions {
  /**
   * Whether an empty document (nothing but comments) is an error (`EMPTY_CONFIG`, the
   * default) or reads as an empty mapping.
   */
  readonly allowEmpty?: boolean;
}

interface Located {
  readonly node: Node | null;
  readonly pair: Pair | undefined;
}

/**
 * Parses YAML text. Throws {@link ConfigError}: `YAML_SYNTAX` (with the parser's line and
 * column), `DUPLICATE_KEY`, `EMPTY_CONFIG`, or `INVALID_VALUE` for an unknown tag.
 */
export function parseYamlSource(
  text: string,
  sourceName?: string,
  options: ParseYamlOptions = {},
): YamlSource {
  if (typeof text !== 'string') {
    throw new ConfigError(
      'INVALID_TYPE',
      `expected the configuration as text, found ${typeof text}`,
      {
        sourceName,
      },
    );
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    version: '1.1',
    uniqueKeys: true,
    prettyErrors: false,
  });
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const firstError = document.errors[0];
  if (firstError !== undefined) {
    throw syntaxError(document, firstError, at, sourceName);
  }
  for (const warning of document.warnings) {
    if (warning.code === 'TAG_RESOLVE_FAILED') {
      const tag = text.slice(warning.pos[0], warning.pos[1]).trim().split(/\s/)[0] ?? '';
      // The tagged node starts after its tag: look it up by the tag's end.
      const path = pathAtOffset(document, warning.pos[1]);
      throw new ConfigError(
        'INVALID_VALUE',
        `unknown YAML tag ${tag}: a value starting with "!" is read as a tag; if this is a room ID, quote it: '${tag}'`,
        { path, ...at(warning.pos[0]), sourceName },
      );
    }
  }
  visit(document, {
    Alias(_key, alias) {
      if (alias.resolve(document) === undefined) {
        const offset = alias.range?.[0] ?? 0;
        throw new ConfigError(
          'YAML_SYNTAX',
          `alias *${alias.source} refers to no anchor &${alias.source} before it`,
          {
            path: pathAtOffset(document, offset),
            ...at(offset),
            sourceName,
          },
        );
      }
    },
  });

  if (
    document.contents === null ||
    (isScalar(document.contents) && document.contents.value === null)
  ) {
    if (options.allowEmpty) return makeSource(document, {}, at, sourceName);
    throw new ConfigError(
      'EMPTY_CONFIG',
      'the configuration is empty (nothing but comments or blank lines): expected a mapping of settings',
      { sourceName, line: 1, column: 1 },
    );
  }

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 1000 });
  } catch (cause) {
    throw new ConfigError(
      'YAML_SYNTAX',
      `the YAML could not be read: ${cause instanceof Error ? cause.message : String(cause)}`,
      { sourceName, cause },
    );
  }
  return makeSource(document, value, at, sourceName);
}

function syntaxError(
  document: Document.Parsed,
  error: YAMLError,
  at: (offset: number) => SourcePosition,
  sourceName: string | undefined,
): ConfigError {
  const position = at(error.pos[0]);
  const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? '';
  if (error.code === 'DUPLICATE_KEY') {
    const path = pathAtOffset(document, error.pos[0]);
    const key = path[path.length - 1];
    return new ConfigError(
      'DUPLICATE_KEY',
      `the key ${JSON.stringify(String(key ?? ''))} appears twice in the same mapping; keep one`,
      { path, ...position, sourceName, cause: error },
    );
  }
  return new ConfigError('YAML_SYNTAX', `invalid YAML: ${message}`, {
    ...position,
    sourceName,
    cause: error,
  });
}

function makeSource(
  document: Document.Parsed,
  value: unknown,
  at: (offset: number) => SourcePosition,
  sourceName: string | undefined,
): YamlSource {
  const positionOf = (located: Located): SourcePosition | undefined => {
    const { node, pair } = located;
    const emptyScalar =
      node === null ||
      (isScalar(node) &&
        node.value === null &&
        node.range != null &&
        node.range[0] === node.range[1]);
    if (!emptyScalar && node?.range) return at(node.range[0]);
    const key = pair?.key as Node | null | undefined;
    if (key?.range) return at(key.range[0]);
    return undefined;
  };
  const source: YamlSource = {
    sourceName,
    value,
    document,
    locate(path) {
      const located = find(document, path);
      return located === undefined ? undefined : positionOf(located);
    },
    locateKey(path) {
      const located = find(document, path);
      const key = located?.pair?.key as Node | null | undefined;
      if (key?.range) return at(key.range[0]);
      return located === undefined ? undefined : positionOf(located);
    },
    locateNearest(path) {
      for (let length = path.length; length >= 0; length--) {
        const prefix = path.slice(0, length);
        const position = source.locate(prefix);
        if (position !== undefined) return { ...position, pathParts: prefix };
      }
      return { line: 1, column: 1, pathParts: [] };
    },
    errorAt(code, path, detail, cause) {
      const { line, column } = source.locateNearest(path);
      return new ConfigError(code, detail, { path, line, column, sourceName, cause });
    },
  };
  return source;
}

/** The node at `path` (and the pair holding it, for mapping entries), following aliases. */
function find(document: Document.Parsed, path: ConfigPath): Located | undefined {
  let node: Node | null = document.contents;
  let pair: Pair | undefined;
  for (const part of path) {
    node = resolveAlias(document, node);
    if (isMap(node)) {
      pair = findPair(document, node.items, String(part));
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

/** The pair with key `key` in a mapping, including entries brought in by `<<` merge keys. */
function findPair(
  document: Document.Parsed,
  items: readonly Pair[],
  key: string,
): Pair | undefined {
  let merged: Pair | undefined;
  for (const item of items) {
    const k = item.key as Node | null;
    const keyValue = isScalar(k) ? k.value : k;
    if (!isMergeKey(k) && keyValue !== null && String(keyValue) === key) return item;
    if (merged === undefined && isMergeKey(k)) {
      const sources = resolveAlias(document, item.value as Node | null);
      const maps = isSeq(sources) ? sources.items : [sources];
      for (const source of maps) {
        const map = resolveAlias(document, source as Node | null);
        if (isMap(map)) {
          merged = findPair(document, map.items, key);
          if (merged) break;
        }
      }
    }
  }
  return merged;
}

function isMergeKey(node: Node | null): boolean {
  if (!isScalar(node)) return false;
  return typeof node.value === 'symbol' || (node.value === '<<' && node.type === 'PLAIN');
}

function resolveAlias(document: Document.Parsed, node: Node | null): Node | null {
  let current = node;
  for (let hops = 0; isAlias(current) && hops < 100; hops++) {
    current = (current.resolve(document) as Node | undefined) ?? null;
  }
  return current;
}

/**
 * The path of the deepest node whose source range holds `offset` (ends inclusive, so an
 * empty node at the end still counts; when two siblings touch, the later one wins).
 */
function pathAtOffset(document: Document.Parsed, offset: number): ConfigPath {
  const path: (string | number)[] = [];
  let node: Node | null = document.contents;
  for (;;) {
    if (isMap(node)) {
      const index = lastIndexWhere(node.items, (item) => pairHolds(item, offset));
      const pair = node.items[index];
      if (pair === undefined) return path;
      const key = pair.key as Node | null;
      path.push(isScalar(key) ? String(key.value) : String(key));
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
