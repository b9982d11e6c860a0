/**
 * `@presence-router/test-support/module-loads` (Node only): what a fresh Node process loads
 * while it runs a script, for entry-point tests. See `module-loads/modules-loaded.ts`.
 *
 * @example
 * ```ts
 * import { builtinsOf, modulesLoadedBy, packagesOf } from '@presence-router/test-support/module-loads';
 *
 * const loads = await modulesLoadedBy("await import('@presence-router/core');", { cwd });
 * expect(builtinsOf(loads)).toEqual([]);
 * ```
 * @module
 */
export type {
  Loaded,
  ModuleLoads,
  ModulesLoadedOptions,
  Resolution,
} from './module-loads/modules-loaded.ts';
export {
  builtinsOf,
  loadedSource,
  modulesLoadedBy,
  packagesOf,
} from './module-loads/modules-loaded.ts';
