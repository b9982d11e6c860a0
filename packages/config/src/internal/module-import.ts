/**
 * Importing what a `module:` target names, once the registry did not have it: a file path
 * (resolved against `baseDir`, checked on disk, imported by `file:` URL), or a package, looked
 * up in the application's `node_modules` from `baseDir` and then the working directory
 * ({@link lookUpPackage}) and its entry file imported by `file:` URL; or, when the caller
 * gives an `importModule` function, that function with the package name or the file's URL.
 * Each failure becomes a `ConfigError` saying what was tried and how to fix it.
 *
 * @example
 * ```ts
 * const { namespace, imported } = await new ModuleImport(specifier, { baseDir }, makeError).run();
 * ```
 * @module
 */

import { access } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ConfigError, ConfigErrorCode } from '../errors.ts';
import type { ModuleImporter } from '../load-config.ts';
import type { ModuleRegistry } from '../module-registry.ts';
import { processConditions } from './export-conditions.ts';
import {
  fileNotFound,
  importerFoundNothing,
  packageNotInstalled,
  type SearchedFolder,
  subpathNotExported,
} from './module-not-found.ts';
import { isFilePathTarget, type ModuleSpecifier, splitPackageTarget } from './module-specifier.ts';
import { applicationFolder, lookUpPackage } from './package-lookup.ts';

/** Options of resolving a `module:` specifier (`resolveModuleClass`) and of {@link ModuleImport}. */
export interface ModuleResolutionOptions {
  /** Known modules, looked up first. */
  readonly registry?: ModuleRegistry | undefined;
  /**
   * The configuration's folder: relative file paths are resolved against it, and packages
   * are looked up from it first; default: the working directory.
   */
  readonly baseDir?: string | URL | undefined;
  /** Imports instead of this module: packages by name, files by `file:` URL. */
  readonly importModule?: ModuleImporter | undefined;
  /** Export conditions for packages' `exports`; default: the process's ({@link processConditions}). */
  readonly conditions?: readonly string[] | undefined;
  /** The working directory; default: `process.cwd()`. */
  readonly cwd?: string | undefined;
}

/** Makes the error for a failed resolution; lets the caller add path and position. */
export type ResolutionErrorFactory = (
  code: ConfigErrorCode,
  detail: string,
  cause?: unknown,
) => ConfigError;

const importFileUrl: ModuleImporter = (url) => import(url);

function workingDirectory(options: ModuleResolutionOptions): string {
  return options.cwd ?? (globalThis as { process?: { cwd(): string } }).process?.cwd() ?? '/';
}

/** `baseDir` as a folder path. */
function baseFolder(baseDir: string | URL, cwd: string): string {
  if (baseDir instanceof URL || baseDir.startsWith('file:')) return fileURLToPath(baseDir);
  return resolve(cwd, baseDir);
}

/** The `file:` URL (for paths) or package name that a target is imported by. */
export function importTargetOf(target: string, baseDir?: string | URL, cwd?: string): string {
  if (target.startsWith('file:')) return target;
  if (!isFilePathTarget(target)) return target;
  if (isAbsolute(target)) return pathToFileURL(target).href;
  if (baseDir instanceof URL || (typeof baseDir === 'string' && baseDir.startsWith('file:'))) {
    const base = new URL(String(baseDir));
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    return new URL(target, base).href;
  }
  return pathToFileURL(resolve(baseDir ?? workingDirectory({ cwd }), target)).href;
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
 * Whether an `importModule` failure says the package itself (or the asked subpath) is
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

function describeCause(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message.split('\n')[0]}` : String(cause);
}

/** Importing one specifier: the target, the options and how to report a failure. */
export class ModuleImport {
  readonly specifier: ModuleSpecifier;
  readonly options: ModuleResolutionOptions;
  readonly makeError: ResolutionErrorFactory;
  readonly registered: readonly string[];
  readonly cwd: string;

  constructor(
    specifier: ModuleSpecifier,
    options: ModuleResolutionOptions,
    makeError: ResolutionErrorFactory,
  ) {
    this.specifier = specifier;
    this.options = options;
    this.makeError = makeError;
    this.registered = options.registry?.names() ?? [];
    this.cwd = workingDirectory(options);
  }

  /** Imports the target: a file or a package. */
  run(): Promise<{ namespace: unknown; imported: string }> {
    return isFilePathTarget(this.specifier.target) ? this.importFile() : this.importPackage();
  }

  loadFailed(imported: string, cause: unknown): ConfigError {
    return this.makeError(
      'MODULE_LOAD_FAILED',
      `module ${JSON.stringify(this.specifier.text)} failed to load: import(${JSON.stringify(imported)}) threw ${describeCause(cause)}`,
      cause,
    );
  }

  async importFile(): Promise<{ namespace: unknown; imported: string }> {
    const { baseDir } = this.options;
    const imported = importTargetOf(this.specifier.target, baseDir, this.cwd);
    if (!(await fileExists(imported))) {
      const relative =
        !isAbsolute(this.specifier.target) && !this.specifier.target.startsWith('file:');
      throw this.makeError(
        'UNKNOWN_MODULE',
        fileNotFound({
          specifier: this.specifier,
          file: fileURLToPath(imported),
          baseDir: relative ? baseFolder(baseDir ?? this.cwd, this.cwd) : undefined,
          registered: this.registered,
        }),
      );
    }
    try {
      return { namespace: await (this.options.importModule ?? importFileUrl)(imported), imported };
    } catch (cause) {
      throw this.loadFailed(imported, cause);
    }
  }

  async importWithImporter(
    importModule: ModuleImporter,
  ): Promise<{ namespace: unknown; imported: string }> {
    const imported = this.specifier.target;
    try {
      return { namespace: await importModule(imported), imported };
    } catch (cause) {
      if (isPackageMissing(cause, imported)) {
        throw this.makeError(
          'UNKNOWN_MODULE',
          importerFoundNothing({ specifier: this.specifier, registered: this.registered }),
          cause,
        );
      }
      throw this.loadFailed(imported, cause);
    }
  }

  /** The folders packages are looked up from: `baseDir`, then the working directory. */
  folders(): SearchedFolder[] {
    const { baseDir } = this.options;
    if (baseDir === undefined) return [{ dir: this.cwd, role: 'the working directory' }];
    const base = baseFolder(baseDir, this.cwd);
    return base === resolve(this.cwd)
      ? [{ dir: base, role: 'baseDir and the working directory' }]
      : [
          { dir: base, role: 'baseDir' },
          { dir: resolve(this.cwd), role: 'the working directory' },
        ];
  }

  async importPackage(): Promise<{ namespace: unknown; imported: string }> {
    const { specifier } = this;
    const split = splitPackageTarget(specifier.target);
    if (split.problem !== undefined) {
      throw this.makeError(
        'INVALID_MODULE_SPECIFIER',
        `${JSON.stringify(specifier.text)} names no package: ${split.problem}; module takes a package name (my_package.MyRouter, @scope/package#Export), a file path (./routers/mine.mjs) or a name registered in the ModuleRegistry`,
      );
    }
    const { importModule } = this.options;
    if (importModule !== undefined) return this.importWithImporter(importModule);

    const folders = this.folders();
    const from = folders.map((folder) => folder.dir);
    const conditions = this.options.conditions ?? processConditions();
    const found = await lookUpPackage(split.name, split.subpath, {
      from,
      conditions: new Set(conditions),
    });
    switch (found.kind) {
      case 'not-installed':
        throw this.makeError(
          'UNKNOWN_MODULE',
          packageNotInstalled({
            specifier,
            name: split.name,
            registered: this.registered,
            folders,
            installIn: await applicationFolder(from),
          }),
        );
      case 'not-exported':
        throw this.makeError(
          'UNKNOWN_MODULE',
          subpathNotExported({
            specifier,
            name: split.name,
            subpath: split.subpath,
            packageDir: found.packageDir,
            exported: found.exported,
            conditions,
            registered: this.registered,
          }),
        );
      case 'missing-file':
        throw this.makeError(
          'MODULE_LOAD_FAILED',
          `module ${JSON.stringify(specifier.text)} failed to load: the package ${JSON.stringify(split.name)} installed in ${found.packageDir} names the file ${found.file} for ${JSON.stringify(split.subpath)}, which does not exist (is the package built?)`,
        );
      case 'invalid':
        throw this.makeError(
          'MODULE_LOAD_FAILED',
          `module ${JSON.stringify(specifier.text)} failed to load: the package ${JSON.stringify(split.name)} installed in ${found.packageDir} cannot be read: ${found.reason}`,
          found.cause,
        );
      case 'found': {
        const imported = pathToFileURL(found.file).href;
        try {
          return { namespace: await importFileUrl(imported), imported };
        } catch (cause) {
          throw this.loadFailed(imported, cause);
        }
      }
    }
  }
}
