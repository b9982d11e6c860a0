/**
 * `ConfigError`: everything wrong with a configuration, with the path of the offending value
 * (`presence.routing_modules[0].config.users_to_rooms`), its line and column in the YAML
 * source when known, and a message a person can act on.
 *
 * It is part of core's module API: a routing module's `parseConfig` throws it with a path
 * relative to its own `config:` mapping (depending on core alone), and
 * `@presence-router/config`'s `loadConfig` re-throws it with the full path and the source
 * position.
 *
 * @example
 * ```ts
 * throw new ConfigError('INVALID_VALUE', 'expected a user ID like @alice:example.org', {
 *   path: ['always_send_to_users', 0],
 * });
 * ```
 * @module
 */
import { PresenceRouterError } from './errors.ts';

/** Codes of configuration errors. */
export type ConfigErrorCode =
  | 'FILE_UNREADABLE'
  | 'YAML_SYNTAX'
  | 'YAML_TOO_LARGE'
  | 'YAML_TOO_DEEP'
  | 'YAML_TOO_MANY_ALIASES'
  | 'DUPLICATE_KEY'
  | 'EMPTY_CONFIG'
  | 'INVALID_TYPE'
  | 'INVALID_VALUE'
  | 'MISSING_KEY'
  | 'CONFLICTING_KEYS'
  | 'INVALID_MODULE_SPECIFIER'
  | 'UNKNOWN_MODULE'
  | 'MODULE_LOAD_FAILED'
  | 'INVALID_MODULE'
  | 'MODULE_CONFIG_FAILED'
  | 'MODULE_INIT_FAILED';

/** A path into the configuration: mapping keys and list indices. */
export type ConfigPath = readonly (string | number)[];

/** Formats a path as `presence.routing_modules[0].config`. */
export function formatConfigPath(path: ConfigPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? '(top level)' : out;
}

/** Where and what, for {@link ConfigError}. */
export interface ConfigErrorDetails {
  /** Path of the offending value. */
  readonly path?: ConfigPath;
  /** 1-based line in the source, when known. */
  readonly line?: number;
  /** 1-based column in the source, when known. */
  readonly column?: number;
  /** The file name (or other label) of the source. */
  readonly sourceName?: string;
  readonly cause?: unknown;
  /** The other problems found by the same check, in source order (after this one). */
  readonly more?: readonly ConfigError[];
}

/** Where in a source a configuration value is (what is known of it). */
export type ConfigPosition = Omit<ConfigErrorDetails, 'path' | 'cause' | 'more'>;

/** A configuration problem, located by path and (when known) line and column. */
export class ConfigError extends PresenceRouterError<ConfigErrorCode> {
  override name = 'ConfigError';
  /** The problem alone, without location. */
  readonly detail: string;
  /** Path of the offending value, as parts. */
  readonly pathParts: ConfigPath;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly sourceName: string | undefined;
  /**
   * The other problems the same check found, in source order after this one (a schema check
   * reports every issue; most checks stop at the first). Empty when this is the only one.
   */
  readonly more: readonly ConfigError[];

  constructor(code: ConfigErrorCode, detail: string, details: ConfigErrorDetails = {}) {
    super(code, ConfigError.format(detail, details), { cause: details.cause });
    this.detail = detail;
    this.pathParts = details.path ?? [];
    this.line = details.line;
    this.column = details.column;
    this.sourceName = details.sourceName;
    this.more = details.more ?? [];
  }

  /** Path of the offending value, e.g. `presence.routing_modules[0].config.users_to_rooms`. */
  get path(): string {
    return formatConfigPath(this.pathParts);
  }

  /**
   * The same error with `prefix` put before its path and a source position added: `position`,
   * or what `position` finds for the full path (so that each of {@link more} is placed too).
   */
  relocated(
    prefix: ConfigPath,
    position: ConfigPosition | ((path: ConfigPath) => ConfigPosition) = {},
  ): ConfigError {
    const path = [...prefix, ...this.pathParts];
    const at = typeof position === 'function' ? position(path) : position;
    return new ConfigError(this.code, this.detail, {
      path,
      line: at.line ?? this.line,
      column: at.column ?? this.column,
      sourceName: at.sourceName ?? this.sourceName,
      cause: this.cause,
      more: this.more.map((other) =>
        other.relocated(
          prefix,
          typeof position === 'function' ? position : { sourceName: at.sourceName },
        ),
      ),
    });
  }

  /** `file:line:column: path: detail`, leaving out what is unknown. */
  static format(detail: string, details: ConfigErrorDetails): string {
    let where = details.sourceName ?? '';
    if (details.line !== undefined) {
      where += `${where ? ':' : 'line '}${details.line}${details.column !== undefined ? `:${details.column}` : ''}`;
    }
    const path = details.path && details.path.length > 0 ? formatConfigPath(details.path) : '';
    return [where, path, detail].filter((part) => part !== '').join(': ');
  }
}
