/**
 * Finding an installed package the way Node's ESM resolver does, but from the folders of the
 * application rather than from this package: `node_modules/<name>` in each starting folder and
 * every folder above it (the first folder found is the package, as for Node), then its
 * `package.json`: the subpath through `exports` under the given conditions, or, without
 * `exports`, `main` (`main`, `main.js`, `main/index.js`) and then `index.js` for the package
 * itself and the file named by the subpath otherwise. The file is returned with symbolic links
 * resolved (pnpm and `file:` installs link packages), as Node imports it.
 *
 * @example
 * ```ts
 * const found = await lookUpPackage('@acme/routers', '.', {
 *   from: ['/etc/presence-router', process.cwd()],
 *   conditions: new Set(['node', 'import']),
 * });
 * if (found.kind === 'found') await import(pathToFileURL(found.file).href);
 * ```
 * @module
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { exportedSubpaths, resolvePackageExports } from './package-exports.ts';

/** Options of {@link lookUpPackage}. */
export interface PackageLookupOptions {
  /** Folders to look from, in order; each is searched up to the root. */
  readonly from: readonly string[];
  /** Export conditions (`default` always matches). */
  readonly conditions: ReadonlySet<string>;
}

/** What {@link lookUpPackage} found. */
export type PackageLookup =
  | { readonly kind: 'found'; readonly packageDir: string; readonly file: string }
  /** No `node_modules/<name>` folder in any of `searched`. */
  | { readonly kind: 'not-installed'; readonly searched: readonly string[] }
  | {
      readonly kind: 'not-exported';
      readonly packageDir: string;
      /** The subpaths its `exports` names. */
      readonly exported: readonly string[];
    }
  /** The package names a file that does not exist (often: a package that was never built). */
  | { readonly kind: 'missing-file'; readonly packageDir: string; readonly file: string }
  | {
      readonly kind: 'invalid';
      readonly packageDir: string;
      readonly reason: string;
      readonly cause?: unknown;
    };

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

type PackageJson = { readonly main?: unknown; readonly exports?: unknown };

async function readPackageJson(
  packageDir: string,
): Promise<{ json: PackageJson | undefined } | { reason: string; cause: unknown }> {
  let text: string;
  try {
    text = await readFile(join(packageDir, 'package.json'), 'utf8');
  } catch {
    return { json: undefined };
  }
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      return { reason: 'its package.json is not a JSON object', cause: undefined };
    }
    return { json: json as PackageJson };
  } catch (cause) {
    return { reason: `its package.json is not valid JSON (${String(cause)})`, cause };
  }
}

/** LEGACY_MAIN_RESOLVE, for ES modules: the files Node tries for a package without `exports`. */
function mainCandidates(main: unknown): string[] {
  const candidates =
    typeof main === 'string' && main !== '' ? [main, `${main}.js`, join(main, 'index.js')] : [];
  return [...candidates, 'index.js'];
}

/** The entry file of an installed package for `subpath`, by its `package.json`. */
async function entryOf(
  packageDir: string,
  subpath: string,
  conditions: ReadonlySet<string>,
): Promise<PackageLookup> {
  const read = await readPackageJson(packageDir);
  if ('reason' in read) {
    return { kind: 'invalid', packageDir, reason: read.reason, cause: read.cause };
  }
  const { json } = read;
  let relative: string;
  if (json?.exports !== undefined && json.exports !== null) {
    const resolution = resolvePackageExports(json.exports, subpath, conditions);
    if (resolution.kind === 'not-exported') {
      return { kind: 'not-exported', packageDir, exported: exportedSubpaths(json.exports) };
    }
    if (resolution.kind === 'invalid') {
      return {
        kind: 'invalid',
        packageDir,
        reason: `its "exports" is invalid: ${resolution.reason}`,
      };
    }
    relative = resolution.path;
  } else if (subpath === '.') {
    const candidates = mainCandidates(json?.main);
    for (const candidate of candidates) {
      if (await isFile(resolve(packageDir, candidate)))
        return found(packageDir, resolve(packageDir, candidate));
    }
    relative = candidates[0] as string;
  } else {
    relative = subpath;
  }
  const file = resolve(packageDir, relative);
  return (await isFile(file))
    ? found(packageDir, file)
    : { kind: 'missing-file', packageDir, file };
}

async function found(packageDir: string, file: string): Promise<PackageLookup> {
  return { kind: 'found', packageDir, file: await realpath(file) };
}

/**
 * Looks `name` up in `node_modules` from each folder of `options.from` and resolves `subpath`
 * (`"."` or `"./sub"`) in the first package folder found.
 */
export async function lookUpPackage(
  name: string,
  subpath: string,
  options: PackageLookupOptions,
): Promise<PackageLookup> {
  const searched: string[] = [];
  for (const start of options.from) {
    let dir = resolve(start);
    for (;;) {
      const nodeModules = join(dir, 'node_modules');
      if (!searched.includes(nodeModules)) {
        searched.push(nodeModules);
        const packageDir = join(nodeModules, name);
        if (await isDirectory(packageDir)) return entryOf(packageDir, subpath, options.conditions);
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return { kind: 'not-installed', searched };
}

/**
 * The application folder to install a package in: the nearest folder with a `package.json`
 * from each of `from`, in order, or else the first of `from`.
 */
export async function applicationFolder(from: readonly string[]): Promise<string> {
  for (const start of from) {
    let dir = resolve(start);
    for (;;) {
      if (await isFile(join(dir, 'package.json'))) return dir;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return resolve(from[0] ?? '.');
}
