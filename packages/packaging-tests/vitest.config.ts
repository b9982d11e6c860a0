import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.ts';

export default mergeConfig(
  sharedConfig,
  defineConfig({ test: { name: 'packaging', testTimeout: 120_000, hookTimeout: 300_000 } }),
);
