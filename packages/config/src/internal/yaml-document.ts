/**
 * Composing YAML text into one `yaml` document, read as YAML 1.1 like Synapse's reader, with
 * the nesting checked on the tokens before the (recursive) composer runs, and without the
 * library's checks that cost time proportional to the square of a mapping's size: duplicate
 * keys are found afterwards by `checkYamlStructure`, and the `!!omap` tag (whose duplicate
 * check is pairwise) is not supported.
 *
 * @example
 * ```ts
 * const document = composeYamlDocument(text, { maxDepth: 64, lineCounter: new LineCounter() });
 * document.errors; // syntax errors, for the caller to report
 * ```
 * @module
 */
import { Composer, type Document, type LineCounter, YAMLParseError } from 'yaml';
import { ConfigError } from '../errors.ts';
import { readYamlTokens } from './yaml-tokens.ts';

const OMAP_TAG = 'tag:yaml.org,2002:omap';

/** Options of {@link composeYamlDocument}. */
export interface ComposeOptions {
  readonly maxDepth: number;
  readonly lineCounter: LineCounter;
  readonly sourceName?: string | undefined;
}

function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/**
 * The first document of `text`, with a `MULTIPLE_DOCS` error when there are more. Throws
 * {@link ConfigError} `YAML_TOO_DEEP` for nesting past `maxDepth`, or past what the stack allows
 * (when the limit is raised that far), at the deepest token.
 */
export function composeYamlDocument(text: string, options: ComposeOptions): Document.Parsed {
  const { tokens, deepest } = readYamlTokens(text, options);
  const composer = new Composer({
    version: '1.1',
    uniqueKeys: false,
    prettyErrors: false,
    customTags: (tags) => tags.filter((tag) => typeof tag !== 'object' || tag.tag !== OMAP_TAG),
  });
  let document: Document.Parsed | undefined;
  const tooDeep = (cause: unknown) => {
    const { line, col } = options.lineCounter.linePos(deepest.offset);
    return new ConfigError(
      'YAML_TOO_DEEP',
      `the YAML nests about ${deepest.depth} levels deep, more than the stack allows to read it; lower limits.maxDepth`,
      { path: [], line, column: col, sourceName: options.sourceName, cause },
    );
  };
  try {
    for (const composed of composer.compose(tokens, true, text.length)) {
      if (document === undefined) {
        document = composed;
        continue;
      }
      const [start, end] = composed.range;
      document.errors.push(
        new YAMLParseError(
          [start, end],
          'MULTIPLE_DOCS',
          'the source holds several YAML documents; a configuration is a single document',
        ),
      );
      break;
    }
  } catch (error) {
    throw isStackOverflow(error) ? tooDeep(error) : error;
  }
  // compose(..., true) always yields a document, empty for an empty source.
  const composed = document as Document.Parsed;
  // The composer catches most overflows itself and reports them as errors.
  const exhausted = composed.errors.find((error) => error.code === 'RESOURCE_EXHAUSTION');
  if (exhausted !== undefined) throw tooDeep(exhausted);
  return composed;
}
