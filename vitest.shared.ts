/**
 * Vitest settings shared by every package: run workspace packages from their TypeScript
 * source through the `@presence-router/source` export condition.
 */
import { defineConfig } from 'vitest/config';

export const SOURCE_CONDITION = '@presence-router/source';

/** Vite's default server conditions, with ours first. */
const serverConditions = [SOURCE_CONDITION, 'module', 'node', 'development|production'];

export const sharedConfig = defineConfig({
  resolve: { conditions: serverConditions },
  ssr: { resolve: { conditions: serverConditions, externalConditions: [SOURCE_CONDITION] } },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // `expect.poll` waits for background work (a server's retries, a feed): 1 s by default
    // is too short on a loaded 2-core machine.
    expect: { poll: { timeout: 10_000 } },
  },
});
