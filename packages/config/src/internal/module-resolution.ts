/**
 * Finding the class a `module:` specifier names: the {@link ModuleRegistry} first, then a
 * dynamic `import()` of the package or file. Relative file paths are resolved against
 * `baseDir` (the configuration file's folder, usually).
 *
 * Bare package names are imported from this package's location by default, which under
 * pnpm sees only this package's own dependencies: pass `importModule: (s) => import(s)`
 * from your application so packages resolve from its `node_modules` (or register them).
 * A URL other than `file:` (`data:`, `http:`, `node:`...) is refused before any import: a
 * `data:` URL would run code written in the configuration itself.
 *
 * @example
 * ```ts
 * const { moduleClass, from } = await resolveModuleClass('./routers/mine.mjs#Router', {
 *   baseDir: '/etc/presence-router',
 * });
 * ```
 * @module
 */
import { access } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, type ConfigErrorCode } from './errors.ts';
import type { AnyModuleClass, ModuleRegistry } from './module-registry.ts';
import {
  isFilePathTarget,
  type ModuleSpecifier,
  parseModuleSpecifier,
  refusedUrlScheme,
} from './module-specifier.ts';

/** Imports a module by specifier (a package name or a `file:` URL). */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

/** Options of {@link resolveModuleClass}. */
export interface ModuleResolutionOptions {
  /** Known modules, looked up first. */
  readonly registry?: ModuleRegistry | undefined;
  /** Folder that relative file paths are resolved against; default: the working directory. */
  readonly baseDir?: string | URL | undefined;
  /** How to import; default: `import()` from this package. */
  readonly importModule?: ModuleImporter | undefined;
}

/** A resolved `module:` specifier. */
export interface ResolvedModule {
  readonly specifier: ModuleSpecifier;
  readonly moduleClass: AnyModuleClass;
  /** Where the class came from. */
  readonly from: 'registry' | 'import';
  /** What was imported (a package name or a `file:` URL), when imported. */
  readonly imported?: string | undefined;
}

/** Makes the error for a failed resolution; lets the caller add path and position. */
export type ResolutionErrorFactory = (
  code: ConfigErrorCode,
  detail: string,
  cause?: unknown,
) => ConfigError;

const plainError: ResolutionErrorFactory = (code, detail, cause) =>
  new ConfigError(code, detail, { cause });

const defaultImporter: ModuleImporter = (specifier) => import(specifier);

/** The `file:` URL (for paths) or package name that a target is imported by. */
export function importTargetOf(target: string, baseDir?: string | URL): string {
  if (target.startsWith('file:')) return target;
  if (!isFilePathTarget(target)) return target;
  if (isAbsolute(target)) return pathToFileURL(target).href;
  if (baseDir instanceof URL || (typeof baseDir === 'string' && baseDir.startsWith('file:'))) {
    const base = new URL(String(baseDir));
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    return new URL(target, base).href;
  }
  const cwd = (globalThis as { process?: { cwd(): string } }).process?.cwd() ?? '/';
  return pathToFileURL(resolve(baseDir ?? cwd, target)).href;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** `@scope/name` or `name`: the package part of a bare specifier. */
function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/**
 * Whether an import failure of a package says the package itself (or the asked subpath) is
 * missing, rather than one of its own imports.
 */
function isPackageMissing(error: unknown, target: string): boolean {
  const message = error instanceof Error ? error.message : String(error);
  const notExported =
    errorCode(error) === 'ERR_PACKAGE_PATH_NOT_EXPORTED' ||
    /is not exported under the conditions|is not defined by "exports"/.test(message);
  if (notExported && message.includes(packageNameOf(target))) {
    return true;
  }
  const missing = /Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1];
  if (missing === undefined) return false;
  return missing === target || packageNameOf(missing) === packageNameOf(target);
}

/** Whether a `file:` URL names an existing file or folder. */
async function fileExists(url: string): Promise<boolean> {
  try {
    await access(fileURLToPath(url));
    return true;
  } catch {
    return false;
  }
}

function describeExports(namespace: object): string {
  const names = Object.keys(namespace).filter((name) => name !== '__esModule');
  return names.length === 0 ? 'it has no exports' : `its exports: ${names.sort().join(', ')}`;
}

/**
 * Resolves a `module:` specifier to a class. Throws {@link ConfigError}: `INVALID_VALUE` for a
 * specifier that names nothing; `INVALID_MODULE_SPECIFIER`, before any import, for a URL other
 * than `file:` (`data:`, `http:`, `node:`...) that the registry does not have; `UNKNOWN_MODULE` when neither the registry nor an import has it
 * (the message lists the registered names and what was tried); `MODULE_LOAD_FAILED` when the
 * import itself fails (cause attached); `INVALID_MODULE` when the export is not a class.
 */
export async function resolveModuleClass(
  text: string,
  options: ModuleResolutionOptions = {},
  makeError: ResolutionErrorFactory = plainError,
): Promise<ResolvedModule> {
  const specifier = parseModuleSpecifier(text);
  if (specifier === undefined) {
    throw makeError(
      'INVALID_VALUE',
      `${JSON.stringify(text)} names no module: expected package.ExportName, package#ExportName or a package or file for its default export`,
    );
  }
  const registered = options.registry?.get(specifier);
  if (registered !== undefined) {
    return { specifier, moduleClass: registered, from: 'registry' };
  }

  const scheme = refusedUrlScheme(specifier.target);
  if (scheme !== undefined) {
    throw makeError(
      'INVALID_MODULE_SPECIFIER',
      `${JSON.stringify(text)} is a ${scheme}: URL, which is never imported: module takes a package name (my_package.MyRouter, @scope/package#Export), a file path (./routers/mine.mjs, /etc/routers/router.ts#Router, file:///etc/routers/router.mjs) or a name registered in the ModuleRegistry`,
    );
  }

  const names = options.registry?.names() ?? [];
  const registryPart =
    names.length === 0 ? 'no modules are registered' : `registered modules: ${names.join(', ')}`;
  const imported = importTargetOf(specifier.target, options.baseDir);
  const isFile = imported.startsWith('file:');
  const unknown = (cause?: unknown) =>
    makeError(
      'UNKNOWN_MODULE',
      `unknown module ${JSON.stringify(text)}: not in the registry (${registryPart}), and import(${JSON.stringify(imported)}) found no such ${isFile ? 'file' : 'package'}`,
      cause,
    );
  if (isFile && !(await fileExists(imported))) throw unknown();
  let namespace: unknown;
  try {
    namespace = await (options.importModule ?? defaultImporter)(imported);
  } catch (cause) {
    if (!isFile && isPackageMissing(cause, specifier.target)) throw unknown(cause);
    throw makeError(
      'MODULE_LOAD_FAILED',
      `module ${JSON.stringify(text)} failed to load: import(${JSON.stringify(imported)}) threw ${cause instanceof Error ? `${cause.name}: ${cause.message.split('\n')[0]}` : String(cause)}`,
      cause,
    );
  }
  if (typeof namespace !== 'object' || namespace === null) {
    throw makeError(
      'MODULE_LOAD_FAILED',
      `module ${JSON.stringify(text)} failed to load: import(${JSON.stringify(imported)}) gave ${namespace === null ? 'null' : typeof namespace}, not a module`,
    );
  }
  if (!(specifier.exportName in namespace)) {
    throw makeError(
      'UNKNOWN_MODULE',
      `unknown module ${JSON.stringify(text)}: not in the registry (${registryPart}), and ${JSON.stringify(imported)} has no export ${JSON.stringify(specifier.exportName)} (${describeExports(namespace)})`,
    );
  }
  const moduleClass = (namespace as Record<string, unknown>)[specifier.exportName];
  if (typeof moduleClass !== 'function') {
    throw makeError(
      'INVALID_MODULE',
      `module ${JSON.stringify(text)}: export ${JSON.stringify(specifier.exportName)} of ${JSON.stringify(imported)} is ${moduleClass === null ? 'null' : typeof moduleClass}, expected a class`,
    );
  }
  return { specifier, moduleClass: moduleClass as AnyModuleClass, from: 'import', imported };
}
