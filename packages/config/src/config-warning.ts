/**
 * `ConfigWarning`: something in the configuration that is accepted but probably not what was
 * meant (an unknown key inside `presence` or a module entry, a `modules:` entry that is not a
 * presence router), located like a `ConfigError`.
 *
 * @example
 * ```ts
 * for (const w of config.warnings) console.warn(`${w.line}:${w.column} ${w.path}: ${w.message}`);
 * ```
 * @module
 */
import type { Logger } from '@presence-router/core';
import { ConfigError, type ConfigPath, formatConfigPath } from './errors.ts';

/** A located warning about the configuration. */
export interface ConfigWarning {
  /** Path of the value concerned, e.g. `presence.routing_modules[0].confg`. */
  readonly path: string;
  /** The same path, as parts. */
  readonly pathParts: ConfigPath;
  /** 1-based line in the source, when known. */
  readonly line: number | undefined;
  /** 1-based column in the source, when known. */
  readonly column: number | undefined;
  /** The problem alone, without location. */
  readonly message: string;
  /** The file name (or other label) of the source. */
  readonly sourceName: string | undefined;
}

/** Builds a {@link ConfigWarning}. */
export function configWarning(
  message: string,
  pathParts: ConfigPath,
  position: { line?: number | undefined; column?: number | undefined } = {},
  sourceName?: string,
): ConfigWarning {
  return {
    path: formatConfigPath(pathParts),
    pathParts,
    line: position.line,
    column: position.column,
    message,
    sourceName,
  };
}

/** `file:line:column: path: message`, leaving out what is unknown. */
export function formatConfigWarning(warning: ConfigWarning): string {
  return ConfigError.format(warning.message, {
    path: warning.pathParts,
    line: warning.line,
    column: warning.column,
    sourceName: warning.sourceName,
  });
}

/** Writes a warning to a logger, with its location as data. */
export function logConfigWarning(logger: Logger, warning: ConfigWarning): void {
  logger.warn(`Configuration: ${formatConfigWarning(warning)}`, {
    path: warning.path,
    line: warning.line,
    column: warning.column,
    sourceName: warning.sourceName,
  });
}
