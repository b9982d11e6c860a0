/**
 * Turning zod issues into {@link ConfigError}s that carry the full path, the line and column
 * of the offending YAML node, and a message saying what was expected and what was found.
 *
 * Conventions for schemas whose issues go through here:
 * - an `invalid_type` issue with a custom message uses that message as the expectation
 *   (`z.array(entry, { error: 'a list of { module, config } entries' })`), and
 *   "found ..." is added from the actual value;
 * - other custom messages are used as they are; a custom issue may name its code with
 *   `params: { configCode: 'INVALID_VALUE' }`.
 *
 * @example
 * ```ts
 * const source = parseYamlSource(text, 'homeserver.yaml');
 * const mine = parseWithSchema(z.object({ port: z.number() }), valueAtPath(source.value, ['my_app']), {
 *   source,
 *   path: ['my_app'],
 * }); // throws ConfigError INVALID_TYPE at my_app.port, line 3, column 9
 * ```
 * @module
 */
import type { z } from 'zod';
import { ConfigError, type ConfigErrorCode, type ConfigPath } from './errors.ts';
import { describeExpectedType, describeValue, valueAtPath } from './internal/value-description.ts';
import type { YamlSource } from './yaml-source.ts';

/** Where the value a schema checked came from. */
export interface ZodIssueContext {
  /** The parsed YAML source, for positions and the file name. */
  readonly source?: YamlSource | undefined;
  /** The path of the checked value inside the source (prefix of every issue path). */
  readonly path?: ConfigPath | undefined;
  /** The value the schema checked, to describe what was found. */
  readonly value?: unknown;
}

const CONFIG_CODES: ReadonlySet<string> = new Set<ConfigErrorCode>([
  'FILE_UNREADABLE',
  'YAML_SYNTAX',
  'YAML_TOO_LARGE',
  'YAML_TOO_DEEP',
  'YAML_TOO_MANY_ALIASES',
  'DUPLICATE_KEY',
  'EMPTY_CONFIG',
  'INVALID_TYPE',
  'INVALID_VALUE',
  'MISSING_KEY',
  'CONFLICTING_KEYS',
  'INVALID_MODULE_SPECIFIER',
  'UNKNOWN_MODULE',
  'MODULE_LOAD_FAILED',
  'INVALID_MODULE',
  'MODULE_CONFIG_FAILED',
  'MODULE_INIT_FAILED',
]);

function isDefaultMessage(message: string): boolean {
  // zod's own English messages; custom messages in our schemas never start like these.
  return message === '' || /^(Invalid |Too (big|small)|Unrecognized key)/.test(message);
}

function issuePath(issue: z.core.$ZodIssue): (string | number)[] {
  return issue.path.map((part) => (typeof part === 'number' ? part : String(part)));
}

function detailOf(
  issue: z.core.$ZodIssue,
  found: unknown,
): { code: ConfigErrorCode; detail: string } {
  const path = issue.path;
  const last = path[path.length - 1];
  switch (issue.code) {
    case 'invalid_type': {
      const expected = isDefaultMessage(issue.message)
        ? describeExpectedType(issue.expected)
        : issue.message;
      if (found === undefined || describeValue(found) === 'nothing') {
        return {
          code: 'INVALID_TYPE',
          detail:
            last === undefined
              ? `expected ${expected}, found nothing`
              : `missing key ${JSON.stringify(String(last))}: expected ${expected}`,
        };
      }
      return {
        code: 'INVALID_TYPE',
        detail: `expected ${expected}, found ${describeValue(found)}`,
      };
    }
    case 'invalid_value': {
      const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return {
        code: 'INVALID_VALUE',
        detail: isDefaultMessage(issue.message)
          ? `expected one of ${allowed}, found ${describeValue(found)}`
          : issue.message,
      };
    }
    case 'too_small':
    case 'too_big': {
      if (!isDefaultMessage(issue.message)) return { code: 'INVALID_VALUE', detail: issue.message };
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const word = issue.code === 'too_small' ? 'at least' : 'at most';
      const unit =
        issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' entries' : '';
      return {
        code: 'INVALID_VALUE',
        detail: `expected ${word} ${bound}${unit}, found ${describeValue(found)}`,
      };
    }
    case 'unrecognized_keys':
      return {
        code: 'INVALID_VALUE',
        detail: `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`,
      };
    case 'custom': {
      const requested = (issue.params as { configCode?: unknown } | undefined)?.configCode;
      const code =
        typeof requested === 'string' && CONFIG_CODES.has(requested)
          ? (requested as ConfigErrorCode)
          : 'INVALID_VALUE';
      return {
        code,
        detail: isDefaultMessage(issue.message)
          ? `invalid value: found ${describeValue(found)}`
          : issue.message,
      };
    }
    default:
      return {
        code: 'INVALID_VALUE',
        detail: isDefaultMessage(issue.message)
          ? `${issue.message.replace(/^Invalid input:?\s*/, '') || 'invalid value'}; found ${describeValue(found)}`
          : issue.message,
      };
  }
}

/** One zod issue as a {@link ConfigError} with path, line and column. */
export function configErrorFromZodIssue(
  issue: z.core.$ZodIssue,
  context: ZodIssueContext = {},
): ConfigError {
  const relative = issuePath(issue);
  const path = [...(context.path ?? []), ...relative];
  const found = 'value' in context ? valueAtPath(context.value, relative) : issue.input;
  const { code, detail } = detailOf(issue, found);
  const position = context.source?.locateNearest(path);
  return new ConfigError(code, detail, {
    path,
    line: position?.line,
    column: position?.column,
    sourceName: context.source?.sourceName,
  });
}

/** Every issue of a zod error as {@link ConfigError}s, in source order (by line, then column). */
export function configErrorsFromZodError(
  error: z.ZodError,
  context: ZodIssueContext = {},
): ConfigError[] {
  return error.issues
    .map((issue) => configErrorFromZodIssue(issue, context))
    .sort(
      (a, b) =>
        (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER) ||
        (a.column ?? 0) - (b.column ?? 0),
    );
}

/**
 * Checks `value` against `schema`; returns the parsed value or throws the first problem (in
 * source order) as a {@link ConfigError}, the others in its `more`.
 */
export function parseWithSchema<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  context: Omit<ZodIssueContext, 'value'> = {},
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const [first, ...more] = configErrorsFromZodError(result.error, { ...context, value });
  const error = first as ConfigError;
  if (more.length === 0) throw error;
  throw new ConfigError(error.code, error.detail, {
    path: error.pathParts,
    line: error.line,
    column: error.column,
    sourceName: error.sourceName,
    cause: error.cause,
    more,
  });
}
