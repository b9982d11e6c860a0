/**
 * What each entry point loads, in a fresh Node process: core and the example router run where
 * core runs (no `node:` built-in, no dependency); the packages' entries load none of the heavy
 * or native modules of the entries they do not need.
 */
import { describe, expect, it } from 'vitest';
import { modulesLoadedBy } from '../src/modules-loaded-by.ts';

const builtins = (urls: readonly string[]): string[] =>
  urls.filter((url) => url.startsWith('node:'));
const packagesIn = (urls: readonly string[]): string[] => [
  ...new Set(
    urls
      .map(
        (url) =>
          /\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1],
      )
      .filter((name): name is string => name !== undefined),
  ),
];

describe('entry points load only what they need', () => {
  it('@presence-router/core loads no node: built-in and no package', async () => {
    const loaded = await modulesLoadedBy('@presence-router/core', import.meta.url);
    expect(loaded.some((url) => url.includes('/packages/core/src/index.ts'))).toBe(true);
    expect(builtins(loaded)).toEqual([]);
    expect(packagesIn(loaded)).toEqual([]);
  });

  it('@presence-router/example-router loads no node: built-in and no package but core', async () => {
    const loaded = await modulesLoadedBy('@presence-router/example-router', import.meta.url);
    expect(loaded.some((url) => url.includes('/packages/example-router/src/index.ts'))).toBe(true);
    expect(builtins(loaded)).toEqual([]);
    expect(packagesIn(loaded)).toEqual([]);
    expect(loaded.some((url) => url.includes('/packages/config/'))).toBe(false);
  });
});
