/**
 * `module:` specifiers, in both spellings:
 * - `package.ExportName`: split at the LAST dot, as Synapse does
 *   (`my_module.sub.Router` is export `Router` of `my_module.sub`);
 * - `package#ExportName`, and a bare `package` (or `package#`) for its default export.
 *
 * A specifier whose last path segment ends in a file extension (`./routers/mine.mjs`,
 * `/abs/router.ts`) is a bare file: its default export. Both spellings of the same export
 * have the same {@link ModuleSpecifier.key}, so a registry finds either. A target that is a
 * URL other than `file:` (`data:`, `http:`, `node:`...) is never imported
 * ({@link refusedUrlScheme}).
 *
 * @example
 * ```ts
 * parseModuleSpecifier('my_router.ExampleRouter'); // { target: 'my_router', exportName: 'ExampleRouter', ... }
 * parseModuleSpecifier('./routers/mine.mjs#Router'); // { target: './routers/mine.mjs', exportName: 'Router', ... }
 * parseModuleSpecifier('@acme/router');              // { target: '@acme/router', exportName: 'default', ... }
 * ```
 * @module
 */

/** A parsed `module:` value. */
export interface ModuleSpecifier {
  /** The text as written. */
  readonly text: string;
  /** What to import: a package name or a file path. */
  readonly target: string;
  /** The export to take (`default` for a bare package or file). */
  readonly exportName: string;
  /** How it was written. */
  readonly spelling: 'dot' | 'hash' | 'bare';
  /** The same for every spelling of one export: `target#exportName`. */
  readonly key: string;
}

/** File extensions that make a specifier a bare file rather than `package.Export`. */
const FILE_EXTENSIONS: ReadonlySet<string> = new Set([
  'js',
  'mjs',
  'cjs',
  'ts',
  'mts',
  'cts',
  'jsx',
  'tsx',
]);

/** Whether `target` is a file path (relative, absolute or a `file:` URL) rather than a package. */
export function isFilePathTarget(target: string): boolean {
  return (
    target.startsWith('./') ||
    target.startsWith('../') ||
    target.startsWith('/') ||
    target.startsWith('file:') ||
    /^[A-Za-z]:[\\/]/.test(target)
  );
}

/**
 * The scheme of a target that is a URL other than a `file:` URL (`data`, `http`, `node`...),
 * or `undefined` for package names and file paths (a Windows drive path such as `C:\` is a
 * path). Such targets are never imported: a `data:` URL would run code written in the
 * configuration itself, and network or built-in modules are not routing modules.
 */
export function refusedUrlScheme(target: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(target)?.[1];
  if (scheme === undefined || scheme.toLowerCase() === 'file') return undefined;
  return /^[a-z]:[\\/]/i.test(target) ? undefined : scheme;
}

/**
 * Parses a `module:` value. Returns `undefined` for text that names nothing (empty, or an
 * empty package or export part such as `.Router` or `pkg.`).
 */
export function parseModuleSpecifier(text: string): ModuleSpecifier | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed !== text) return undefined;
  const make = (
    target: string,
    exportName: string,
    spelling: ModuleSpecifier['spelling'],
  ): ModuleSpecifier | undefined =>
    target === '' || exportName === ''
      ? undefined
      : { text, target, exportName, spelling, key: `${target}#${exportName}` };

  const hash = text.lastIndexOf('#');
  if (hash > 0) {
    const exportName = text.slice(hash + 1);
    return make(text.slice(0, hash), exportName === '' ? 'default' : exportName, 'hash');
  }
  const lastSlash = Math.max(text.lastIndexOf('/'), text.lastIndexOf('\\'));
  const dot = text.lastIndexOf('.');
  if (dot <= lastSlash) return make(text, 'default', 'bare');
  const suffix = text.slice(dot + 1);
  if (FILE_EXTENSIONS.has(suffix) && (isFilePathTarget(text) || lastSlash >= 0)) {
    return make(text, 'default', 'bare');
  }
  // A dot that only starts the last segment (`./.hidden`) or a relative prefix is not a split.
  if (lastSlash >= 0 && dot === lastSlash + 1) return make(text, 'default', 'bare');
  return make(text.slice(0, dot), suffix, 'dot');
}

/** A package target split into the package and the subpath inside it. */
export type PackageTarget =
  | { readonly name: string; readonly subpath: string; readonly problem?: undefined }
  | { readonly problem: string };

/**
 * Splits a package target (`@scope/name/sub`, `name`) into the package name and the subpath
 * (`"."`, `"./sub"`), the way Node reads a bare specifier. Returns a `problem` for what no
 * package can be named: a scope without a name, a name starting with `.` or `#` (Node's
 * subpath imports, which belong to the package that imports), a `\` or `%` in the name, or an
 * empty, `.` or `..` segment in the subpath (it would leave the package).
 */
export function splitPackageTarget(target: string): PackageTarget {
  const parts = target.split('/');
  const scoped = target.startsWith('@');
  const nameLength = scoped ? 2 : 1;
  const name = parts.slice(0, nameLength).join('/');
  if (scoped && (parts.length < 2 || parts[0] === '@' || parts[1] === '')) {
    return { problem: 'a scoped package name is @scope/name' };
  }
  if (name.startsWith('.') || name.startsWith('#')) {
    return { problem: 'a package name starts with neither "." nor "#"' };
  }
  if (/[\\%]/.test(name)) return { problem: 'a package name has no "\\" or "%"' };
  const rest = parts.slice(nameLength);
  if (rest.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return { problem: 'the path inside a package has no empty, "." or ".." segments' };
  }
  return { name, subpath: rest.length === 0 ? '.' : `./${rest.join('/')}` };
}
