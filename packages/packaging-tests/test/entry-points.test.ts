/**
 * What core's and the example router's entry points load, in a fresh Node process: a routing
 * module runs where core runs — no `node:` built-in and no package (the example router loads
 * core and nothing else). Membership's entry points have their own tests in that package.
 */
import { fileURLToPath } from 'node:url';
import {
  builtinsOf,
  loadedSource,
  modulesLoadedBy,
  packagesOf,
} from '@presence-router/test-support/module-loads';
import { describe, expect, it } from 'vitest';

const HERE = fileURLToPath(new URL('..', import.meta.url));

describe('entry points load only what they need', { timeout: 60_000 }, () => {
  it('@presence-router/core loads no node: built-in and no package', async () => {
    const loads = await modulesLoadedBy("await import('@presence-router/core');", { cwd: HERE });
    expect(loadedSource(loads, 'core', 'index.ts')).toBe(true);
    expect(builtinsOf(loads)).toEqual([]);
    expect(packagesOf(loads)).toEqual([]);
    expect(loads.native).toEqual([]);
  });

  it('@presence-router/example-router loads core alone: no node: built-in, no package', async () => {
    const loads = await modulesLoadedBy("await import('@presence-router/example-router');", {
      cwd: HERE,
    });
    expect(loadedSource(loads, 'example-router', 'index.ts')).toBe(true);
    expect(loadedSource(loads, 'core', 'index.ts')).toBe(true);
    expect(builtinsOf(loads)).toEqual([]);
    expect(packagesOf(loads)).toEqual([]);
    expect(loads.resolved.some((r) => r.url?.includes('/packages/config/'))).toBe(false);
  });

  it('@presence-router/federation (its main entry) loads core alone: no node: built-in, no package', async () => {
    const loads = await modulesLoadedBy("await import('@presence-router/federation');", {
      cwd: HERE,
    });
    expect(loadedSource(loads, 'federation', 'index.ts')).toBe(true);
    expect(builtinsOf(loads)).toEqual([]);
    expect(packagesOf(loads)).toEqual([]);
  });

  it('@presence-router/selective-presence loads core alone: no node: built-in, no package', async () => {
    const loads = await modulesLoadedBy("await import('@presence-router/selective-presence');", {
      cwd: HERE,
    });
    expect(loadedSource(loads, 'selective-presence', 'index.ts')).toBe(true);
    expect(builtinsOf(loads)).toEqual([]);
    expect(packagesOf(loads)).toEqual([]);
  });
});
