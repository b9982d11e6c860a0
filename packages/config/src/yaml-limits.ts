/**
 * Limits on the YAML a configuration may be, so that a hostile or broken file is refused
 * quickly with a located {@link ConfigError} instead of exhausting time, memory or the stack:
 * the size of the text, how deeply collections nest, how many aliases there are and how much
 * text they stand for once expanded.
 *
 * @example
 * ```ts
 * await loadConfig(text, { limits: { maxBytes: 4 * DEFAULT_YAML_LIMITS.maxBytes } });
 * ```
 * @module
 */

/** Limits on a YAML source; every one may be `Infinity` to turn it off. */
export interface YamlLimits {
  /** Largest source, in bytes of UTF-8 (`YAML_TOO_LARGE`); default 512 KiB. */
  readonly maxBytes: number;
  /**
   * Most collections (mappings and lists) nested inside one another, the top-level mapping
   * being 1, and counting what aliases bring in (`YAML_TOO_DEEP`); default 64.
   */
  readonly maxDepth: number;
  /** Most alias nodes (`*name`) in the document (`YAML_TOO_MANY_ALIASES`); default 1,000. */
  readonly maxAliases: number;
  /**
   * Most characters of YAML text that the aliases stand for in total, each alias counted as
   * a copy of the text of the node it names, with the aliases inside that node expanded too
   * (`YAML_TOO_MANY_ALIASES`); default 1,048,576. This is what refuses "billion laughs".
   */
  readonly maxAliasExpansion: number;
}

/** The limits used when none are given. */
export const DEFAULT_YAML_LIMITS: YamlLimits = Object.freeze({
  maxBytes: 512 * 1024,
  maxDepth: 64,
  maxAliases: 1000,
  maxAliasExpansion: 1024 * 1024,
});

/**
 * The defaults overridden by `limits`. Throws a `RangeError` for a limit that is not a whole
 * number >= 0 or `Infinity` (a programming error, not a configuration problem).
 */
export function resolveYamlLimits(limits: Partial<YamlLimits> = {}): YamlLimits {
  const resolved = { ...DEFAULT_YAML_LIMITS };
  for (const name of Object.keys(DEFAULT_YAML_LIMITS) as (keyof YamlLimits)[]) {
    const value = limits[name];
    if (value === undefined) continue;
    if (!(value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 0))) {
      throw new RangeError(
        `limits.${name} must be a whole number >= 0 or Infinity, got ${String(value)}`,
      );
    }
    resolved[name] = value;
  }
  return resolved;
}
