/**
 * The shared module-load recorder (`@presence-router/test-support/module-loads`), run from
 * this package's directory (a script there imports the package by its own name), with
 * `loadedSource` looking at this package's sources.
 */
import { fileURLToPath } from 'node:url';
import {
  type Loaded,
  loadedSource as loadedSourceOf,
  type ModuleLoads,
  modulesLoadedBy as runRecorded,
} from '@presence-router/test-support/module-loads';

export { builtinsOf, packagesOf } from '@presence-router/test-support/module-loads';

const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `script` in a fresh Node process in this package's directory. */
export function modulesLoadedBy(
  script: string,
  options: { readonly hide?: readonly string[] } = {},
): Promise<ModuleLoads> {
  return runRecorded(script, { ...options, cwd: PACKAGE_DIR });
}

/** Whether this package's `src/<path>` was loaded. */
export function loadedSource(loads: Loaded, path: string): boolean {
  return loadedSourceOf(loads, 'membership', path);
}
