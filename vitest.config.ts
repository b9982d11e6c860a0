import { defineConfig } from 'vitest/config';

/** The whole suite: every package and app is a Vitest project with its own config. */
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'apps/demo-server/vitest.redis.config.ts',
    ],
  },
});
