/**
 * The words of `UNKNOWN_MODULE`: what was tried (the registry and its names, the folders
 * searched, the file path) and how to fix it (install the package in the application,
 * register the class, or pass an importer).
 *
 * @example
 * ```ts
 * packageNotInstalled({ text: 'acme.Router', name: 'acme', registered: [], folders, installIn: '/srv/app' });
 * // 'unknown module "acme.Router": not in the registry (no modules are registered), and ...'
 * ```
 * @module
 */
import type { ModuleSpecifier } from './module-specifier.ts';

/** A folder packages were looked up from, and why it was. */
export interface SearchedFolder {
  readonly dir: string;
  /** `baseDir`, `the working directory`, or both. */
  readonly role: string;
}

/** `not in the registry (registered modules: ...)`. */
export function registryPart(registered: readonly string[]): string {
  return registered.length === 0
    ? 'not in the registry (no modules are registered)'
    : `not in the registry (registered modules: ${registered.join(', ')})`;
}

function registerHint(specifier: ModuleSpecifier): string {
  const className = specifier.exportName === 'default' ? 'MyRouter' : specifier.exportName;
  return `register its class (new ModuleRegistry().register(${JSON.stringify(specifier.text)}, ${className}), given to loadConfig as the registry option)`;
}

/** `A (baseDir), B (the working directory) or any folder above them`. */
function folderList(folders: readonly SearchedFolder[]): string {
  const named = folders.map((folder) => `${folder.dir} (${folder.role})`).join(', ');
  return `${named} or any folder above ${folders.length === 1 ? 'it' : 'them'}`;
}

/** The detail for a package that no `node_modules` folder of the application holds. */
export function packageNotInstalled(options: {
  readonly specifier: ModuleSpecifier;
  readonly name: string;
  readonly registered: readonly string[];
  readonly folders: readonly SearchedFolder[];
  readonly installIn: string;
}): string {
  const { specifier, name } = options;
  return [
    `unknown module ${JSON.stringify(specifier.text)}: ${registryPart(options.registered)}, and the package ${JSON.stringify(name)} is not installed where the application runs:`,
    `there is no node_modules/${name} in ${folderList(options.folders)}.`,
    `To fix it, install it in the application (npm install ${name}, in ${options.installIn}),`,
    `${registerHint(specifier)},`,
    'or pass an importModule function that can import it (importModule: (specifier) => import(specifier), from your code)',
  ].join(' ');
}

/** The detail for a package that is installed but does not export the subpath asked for. */
export function subpathNotExported(options: {
  readonly specifier: ModuleSpecifier;
  readonly name: string;
  readonly subpath: string;
  readonly packageDir: string;
  readonly exported: readonly string[];
  readonly conditions: readonly string[];
  readonly registered: readonly string[];
}): string {
  const shown = options.exported.slice(0, 10).map((subpath) => JSON.stringify(subpath));
  const more = options.exported.length > shown.length ? ', ...' : '';
  const exported =
    shown.length === 0 ? 'it exports nothing' : `its exports: ${shown.join(', ')}${more}`;
  return `unknown module ${JSON.stringify(options.specifier.text)}: ${registryPart(options.registered)}, and the package ${JSON.stringify(options.name)} installed in ${options.packageDir} does not export ${JSON.stringify(options.subpath)} under the conditions ${[...options.conditions, 'default'].join(', ')} (${exported})`;
}

/** The detail for a file path that names no file. */
export function fileNotFound(options: {
  readonly specifier: ModuleSpecifier;
  readonly file: string;
  readonly baseDir: string | undefined;
  readonly registered: readonly string[];
}): string {
  const relative =
    options.baseDir === undefined
      ? ''
      : ` (a relative path is resolved against baseDir, ${options.baseDir})`;
  return `unknown module ${JSON.stringify(options.specifier.text)}: ${registryPart(options.registered)}, and there is no file ${options.file}${relative}. To fix it, correct the path, or ${registerHint(options.specifier)}`;
}

/** The detail for a package that `importModule` did not find. */
export function importerFoundNothing(options: {
  readonly specifier: ModuleSpecifier;
  readonly registered: readonly string[];
}): string {
  const { specifier } = options;
  return `unknown module ${JSON.stringify(specifier.text)}: ${registryPart(options.registered)}, and the importModule function found no package ${JSON.stringify(specifier.target)}. To fix it, install the package where importModule imports from, or ${registerHint(specifier)}`;
}
