/**
 * Reading YAML text into the `yaml` library's syntax tokens (its CST) while refusing nesting
 * deeper than a limit as soon as it is reached. The library's lexer and parser work with an
 * explicit stack, but the composer that turns tokens into nodes recurses once per level: a
 * document nested 100,000 levels deep would overflow the call stack there. Checking the
 * parser's stack after every lexical token stops such a document at the first collection past
 * the limit, before anything recursive runs, in time proportional to the text read so far.
 *
 * @example
 * ```ts
 * const lineCounter = new LineCounter();
 * const tokens = readYamlTokens('a: [[[1]]]\n', { maxDepth: 2, lineCounter }); // throws YAML_TOO_DEEP at 1:5
 * ```
 * @module
 */
import { CST, Lexer, type LineCounter, Parser } from 'yaml';
import { ConfigError, type ConfigPath } from '../errors.ts';

/** Options of {@link readYamlTokens}. */
export interface ReadYamlTokensOptions {
  /** Most collections nested inside one another. */
  readonly maxDepth: number;
  /** Receives the offsets of new lines, for positions. */
  readonly lineCounter: LineCounter;
  readonly sourceName?: string | undefined;
}

/** The tokens of `text`, and how deep the parser's stack went (for a later stack overflow). */
export interface YamlTokens {
  readonly tokens: CST.Token[];
  /** The offset of the deepest token, and the number of open tokens above the document there. */
  readonly deepest: { readonly offset: number; readonly depth: number };
}

/**
 * Lexes and parses `text` into CST tokens. Throws {@link ConfigError} `YAML_TOO_DEEP`, with the
 * path and position of the first collection past `maxDepth`, when collections nest deeper.
 */
export function readYamlTokens(text: string, options: ReadYamlTokensOptions): YamlTokens {
  const { maxDepth, lineCounter } = options;
  const parser = new Parser(lineCounter.addNewLine);
  const tokens: CST.Token[] = [];
  let deepest = { offset: 0, depth: 0 };
  lineCounter.addNewLine(0);
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    const { stack } = parser;
    if (stack.length - 1 > deepest.depth) {
      deepest = { offset: stack[stack.length - 1]?.offset ?? 0, depth: stack.length - 1 };
    }
    // The stack holds the document, the open collections and at most a scalar or two: it
    // can only hold too many collections when it is longer than the limit.
    if (stack.length - 1 > maxDepth) checkStackDepth(stack, options);
  }
  for (const token of parser.end()) tokens.push(token);
  return { tokens, deepest };
}

function checkStackDepth(stack: readonly CST.Token[], options: ReadYamlTokensOptions): void {
  let collections = 0;
  for (let i = 0; i < stack.length; i++) {
    if (!CST.isCollection(stack[i])) continue;
    collections++;
    if (collections > options.maxDepth) {
      const token = stack[i] as CST.Token;
      const { line, col } = options.lineCounter.linePos(token.offset);
      throw new ConfigError(
        'YAML_TOO_DEEP',
        `collections nest more than ${options.maxDepth} levels deep here (the limit, limits.maxDepth): a configuration needs far fewer`,
        {
          path: pathOfStack(stack, i),
          line,
          column: col,
          sourceName: options.sourceName,
        },
      );
    }
  }
}

/**
 * The path of `stack[index]`, as far as it can be told while parsing: map keys as written, list
 * indices, ending early at a collection used as a mapping key.
 */
function pathOfStack(stack: readonly CST.Token[], index: number): ConfigPath {
  const path: (string | number)[] = [];
  for (let i = 1; i <= index; i++) {
    const part = partOfChild(stack[i - 1] as CST.Token);
    if (part === undefined) break;
    path.push(...part);
  }
  return path;
}

/** Where the token being built inside `parent` goes, as path parts; undefined for a key. */
function partOfChild(parent: CST.Token): (string | number)[] | undefined {
  switch (parent.type) {
    case 'document':
      return [];
    case 'block-seq': {
      const last = parent.items[parent.items.length - 1];
      return [
        last === undefined || last.value !== undefined
          ? parent.items.length
          : parent.items.length - 1,
      ];
    }
    case 'block-map': {
      const last = parent.items[parent.items.length - 1];
      return last?.sep !== undefined && last.value === undefined ? [keyText(last.key)] : undefined;
    }
    case 'flow-collection':
      return partOfFlowChild(parent);
    default:
      return undefined;
  }
}

function partOfFlowChild(parent: CST.FlowCollection): (string | number)[] | undefined {
  const isSeq = parent.start.type === 'flow-seq-start';
  const items = parent.items;
  const last = items[items.length - 1];
  const isValue =
    last?.sep?.some((token) => token.type === 'map-value-ind') === true && last.value === undefined;
  if (isValue) return isSeq ? [items.length - 1, keyText(last.key)] : [keyText(last.key)];
  if (!isSeq) return undefined;
  const pending =
    last !== undefined && last.key === undefined && last.value === undefined && !last.sep;
  return [pending ? items.length - 1 : items.length];
}

function keyText(token: CST.Token | null | undefined): string {
  if (token === null || token === undefined) return '';
  if (token.type === 'alias') return token.source;
  // Not strict, and ignoring errors: a malformed key is reported by the composer, later.
  const ignore = () => {};
  return (
    CST.resolveAsScalar(token, false, ignore)?.value ?? ('source' in token ? token.source : '')
  );
}
