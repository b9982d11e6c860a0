/**
 * The file a package's `exports` map gives for a subpath under a set of conditions, by
 * Node's algorithm (PACKAGE_EXPORTS_RESOLVE and PACKAGE_TARGET_RESOLVE in Node's ESM
 * resolution specification): exact subpaths first, then `*` patterns (the longest prefix
 * wins), conditions tried in the order the package wrote them, `default` always matching,
 * arrays as fallbacks, `null` for "not exported". Pure: it reads no files.
 *
 * @example
 * ```ts
 * resolvePackageExports({ '.': { import: './esm/index.js', default: './cjs/index.cjs' } }, '.', new Set(['node', 'import']));
 * // { kind: 'file', path: './esm/index.js' }
 * ```
 * @module
 */

/** What an `exports` map gives for a subpath. */
export type ExportsResolution =
  /** A file, relative to the package folder (`./esm/index.js`). */
  | { readonly kind: 'file'; readonly path: string }
  /** The subpath is not exported under these conditions (or is excluded with `null`). */
  | { readonly kind: 'not-exported' }
  /** The map or a target in it is malformed. */
  | { readonly kind: 'invalid'; readonly reason: string };

class InvalidTarget extends Error {}

function isConditionsObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `exports` is a map of subpaths (`"."`, `"./x"`) rather than one target. */
function isSubpathMap(exports: Record<string, unknown>): boolean {
  const keys = Object.keys(exports);
  const dotted = keys.filter((key) => key.startsWith('.')).length;
  if (dotted !== 0 && dotted !== keys.length) {
    throw new InvalidTarget(
      'its "exports" mixes subpaths (keys starting with ".") and conditions in one object',
    );
  }
  return dotted > 0;
}

/** A path segment that may not appear in a target or a pattern match. */
function hasForbiddenSegment(text: string, from: number): boolean {
  return text
    .split(/[/\\]/)
    .slice(from)
    .some((segment) => {
      const decoded = segment.toLowerCase().replaceAll('%2e', '.');
      return decoded === '' || decoded === '.' || decoded === '..' || decoded === 'node_modules';
    });
}

/**
 * PACKAGE_TARGET_RESOLVE: `undefined` when no condition matched (the caller goes on), `null`
 * when the target excludes the subpath.
 */
function resolveTarget(
  target: unknown,
  patternMatch: string | undefined,
  conditions: ReadonlySet<string>,
): string | null | undefined {
  if (typeof target === 'string') {
    if (!target.startsWith('./')) {
      throw new InvalidTarget(`the target ${JSON.stringify(target)} does not start with "./"`);
    }
    if (hasForbiddenSegment(target, 1)) {
      throw new InvalidTarget(
        `the target ${JSON.stringify(target)} has an empty, ".", ".." or "node_modules" segment`,
      );
    }
    if (patternMatch === undefined) return target;
    if (hasForbiddenSegment(patternMatch, 0)) {
      throw new InvalidTarget(
        `the subpath part ${JSON.stringify(patternMatch)} has an empty, ".", ".." or "node_modules" segment`,
      );
    }
    return target.replaceAll('*', patternMatch);
  }
  if (Array.isArray(target)) {
    if (target.length === 0) return null;
    let last: InvalidTarget | null | undefined;
    for (const fallback of target) {
      try {
        const resolved = resolveTarget(fallback, patternMatch, conditions);
        if (resolved === undefined) continue;
        if (resolved === null) {
          last = null;
          continue;
        }
        return resolved;
      } catch (error) {
        if (!(error instanceof InvalidTarget)) throw error;
        last = error;
      }
    }
    if (last instanceof InvalidTarget) throw last;
    return last;
  }
  if (isConditionsObject(target)) {
    for (const [condition, value] of Object.entries(target)) {
      if (/^\d+$/.test(condition)) {
        throw new InvalidTarget(`the condition ${JSON.stringify(condition)} is a number`);
      }
      if (condition !== 'default' && !conditions.has(condition)) continue;
      const resolved = resolveTarget(value, patternMatch, conditions);
      if (resolved !== undefined) return resolved;
    }
    return undefined;
  }
  if (target === null) return null;
  throw new InvalidTarget(`a target is ${typeof target}, not a string, list, mapping or null`);
}

/** PATTERN_KEY_COMPARE: the more specific pattern first. */
function comparePatternKeys(a: string, b: string): number {
  const baseA = a.indexOf('*');
  const baseB = b.indexOf('*');
  if (baseA !== baseB) return baseB - baseA;
  return b.length - a.length;
}

/** PACKAGE_IMPORTS_EXPORTS_RESOLVE over a map of subpaths. */
function resolveSubpath(
  subpath: string,
  map: Record<string, unknown>,
  conditions: ReadonlySet<string>,
): string | null | undefined {
  if (Object.hasOwn(map, subpath) && !subpath.includes('*')) {
    return resolveTarget(map[subpath], undefined, conditions);
  }
  const patterns = Object.keys(map)
    .filter((key) => key.indexOf('*') !== -1 && key.indexOf('*') === key.lastIndexOf('*'))
    .sort(comparePatternKeys);
  for (const key of patterns) {
    const star = key.indexOf('*');
    const base = key.slice(0, star);
    const trailer = key.slice(star + 1);
    if (!subpath.startsWith(base) || subpath === base) continue;
    if (trailer !== '' && !(subpath.endsWith(trailer) && subpath.length >= key.length)) continue;
    const match = subpath.slice(base.length, subpath.length - trailer.length);
    return resolveTarget(map[key], match, conditions);
  }
  return null;
}

/**
 * Resolves `subpath` (`"."` or `"./name"`) through a package's `exports` under `conditions`
 * (`default` always matches). Never throws.
 */
export function resolvePackageExports(
  exports: unknown,
  subpath: string,
  conditions: ReadonlySet<string>,
): ExportsResolution {
  try {
    let resolved: string | null | undefined;
    const map = isConditionsObject(exports) && isSubpathMap(exports) ? exports : undefined;
    if (map === undefined) {
      resolved = subpath === '.' ? resolveTarget(exports, undefined, conditions) : null;
    } else {
      resolved = resolveSubpath(subpath, map, conditions);
    }
    return typeof resolved === 'string'
      ? { kind: 'file', path: resolved }
      : { kind: 'not-exported' };
  } catch (error) {
    if (error instanceof InvalidTarget) return { kind: 'invalid', reason: error.message };
    throw error;
  }
}

/** The subpaths an `exports` map names (`"."` for a single target), for messages. */
export function exportedSubpaths(exports: unknown): string[] {
  if (!isConditionsObject(exports)) return exports === undefined ? [] : ['.'];
  const keys = Object.keys(exports);
  return keys.some((key) => key.startsWith('.'))
    ? keys.filter((key) => exports[key] !== null)
    : ['.'];
}
