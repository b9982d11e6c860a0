#!/usr/bin/env node
/**
 * Removes the current package's `dist/` before a build, so a build (and so `pnpm pack`,
 * through `prepack`) never ships files of sources that no longer exist.
 * Usage (from a package directory): node ../../scripts/clean-dist.mjs
 */
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
