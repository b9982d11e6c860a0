/**
 * YAML plumbing shared by `loadConfig` and by apps that validate their own keys: parse a
 * source into plain values, refuse what Synapse's YAML reader would refuse (syntax errors,
 * duplicate keys, unknown tags such as an unquoted room ID `!room:hs`), and find the line
 * and column of any path.
 *
 * The source is read as YAML 1.1, like Synapse's reader (PyYAML): `yes`/`no`/`on`/`off` are
 * booleans and `<<` merge keys work.
 *
 * Hostile input is refused early, each limit before the work it bounds ({@link YamlLimits}):
 * the size of the text first, then the nesting while the text is parsed, then duplicate keys,
 * aliases and their expansion in one linear pass over the nodes, before the plain values are
 * built. A refusal takes time proportional to the text read, never to its square.
 *
 * @example
 * ```ts
 * const source = parseYamlSource('server_name: hs.example\nmy_app:\n  port: "x"\n', 'homeserver.yaml');
 * source.value; // { server_name: 'hs.example', my_app: { port: 'x' } }
 * source.locate(['my_app', 'port']); // { line: 3, column: 9 }
 * ```
 * @module
 */
import { type Document, isScalar, LineCounter, type Node, type YAMLError } from 'yaml';
import { ConfigError, type ConfigPath } from './errors.ts';
import { checkSourceSize } from './internal/source-size.ts';
import { composeYamlDocument } from './internal/yaml-document.ts';
import { type Located, NodeLocator, pathAtOffset } from './internal/yaml-locate.ts';
import { type AliasTargets, checkYamlStructure } from './internal/yaml-structure.ts';
import { plainValueOf } from './internal/yaml-values.ts';
import { resolveYamlLimits, type YamlLimits } from './yaml-limits.ts';

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
  /** Limits on size, nesting and aliases; each defaults to {@link DEFAULT_YAML_LIMITS}. */
  readonly limits?: Partial<YamlLimits> | undefined;
}

/**
 * Parses YAML text. Throws {@link ConfigError} with the path, line and column of the offending
 * node: `YAML_TOO_LARGE`, `YAML_TOO_DEEP`, `YAML_TOO_MANY_ALIASES` (past `options.limits`),
 * `YAML_SYNTAX` (with the parser's line and column), `DUPLICATE_KEY`, `EMPTY_CONFIG`,
 * `INVALID_TYPE` for a mapping or list used as a key, or `INVALID_VALUE` for an unknown tag.
 * Each limit is checked before the work it bounds, so every refusal takes time proportional
 * to the part of the text read.
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
  const limits = resolveYamlLimits(options.limits);
  checkSourceSize(text, limits.maxBytes, sourceName);
  const lineCounter = new LineCounter();
  const document = composeYamlDocument(text, {
    maxDepth: limits.maxDepth,
    lineCounter,
    sourceName,
  });
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const firstError = document.errors[0];
  if (firstError !== undefined) throw syntaxError(firstError, at, sourceName);
  checkTags(document, text, at, sourceName);
  const aliasTargets = checkYamlStructure(document, { limits, at, sourceName });

  if (
    document.contents === null ||
    (isScalar(document.contents) && document.contents.value === null)
  ) {
    if (options.allowEmpty) return makeSource(document, {}, at, sourceName, aliasTargets);
    throw new ConfigError(
      'EMPTY_CONFIG',
      'the configuration is empty (nothing but comments or blank lines): expected a mapping of settings',
      { sourceName, line: 1, column: 1 },
    );
  }
  const value = plainValueOf(document.contents, aliasTargets);
  return makeSource(document, value, at, sourceName, aliasTargets);
}

function syntaxError(
  error: YAMLError,
  at: (offset: number) => SourcePosition,
  sourceName: string | undefined,
): ConfigError {
  const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? '';
  return new ConfigError('YAML_SYNTAX', `invalid YAML: ${message}`, {
    ...at(error.pos[0]),
    sourceName,
    cause: error,
  });
}

/** Refuses unknown tags, most often an unquoted room ID (`!room:hs` reads as a tag). */
function checkTags(
  document: Document.Parsed,
  text: string,
  at: (offset: number) => SourcePosition,
  sourceName: string | undefined,
): void {
  const warning = document.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (warning === undefined) return;
  const tag = text.slice(warning.pos[0], warning.pos[1]).trim().split(/\s/)[0] ?? '';
  // The tagged node starts after its tag: look it up by the tag's end.
  const path = pathAtOffset(document, warning.pos[1]);
  const detail = tag.startsWith('!!')
    ? `unsupported YAML tag ${tag}: a configuration holds plain mappings, lists and values`
    : `unknown YAML tag ${tag}: a value starting with "!" is read as a tag; if this is a room ID, quote it: '${tag}'`;
  throw new ConfigError('INVALID_VALUE', detail, { path, ...at(warning.pos[0]), sourceName });
}

function makeSource(
  document: Document.Parsed,
  value: unknown,
  at: (offset: number) => SourcePosition,
  sourceName: string | undefined,
  aliasTargets: AliasTargets,
): YamlSource {
  const locator = new NodeLocator(document, aliasTargets);
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
      const located = locator.find(path);
      return located === undefined ? undefined : positionOf(located);
    },
    locateKey(path) {
      const located = locator.find(path);
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
