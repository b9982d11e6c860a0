/**
 * The errors of `@presence-router/config`: {@link ConfigError} for everything wrong with a
 * configuration. It is declared in `@presence-router/core` (routing modules throw it from
 * `parseConfig` depending on core alone) and re-exported here unchanged.
 *
 * @example
 * ```ts
 * import { ConfigError } from '@presence-router/config';
 * try { await loadConfig(text); } catch (e) { if (e instanceof ConfigError) console.error(e.message); }
 * ```
 * @module
 */
export type {
  ConfigErrorCode,
  ConfigErrorDetails,
  ConfigPath,
  ConfigPosition,
} from '@presence-router/core';
export { ConfigError, formatConfigPath } from '@presence-router/core';
