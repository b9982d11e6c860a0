#!/usr/bin/env node
/**
 * Runs the current package's Vitest suite under Deno (the npm `deno` package), with the
 * workspace's source condition, and writes a JSON report to `.reports/deno.json`.
 * Usage (from a package directory): node ../../scripts/run-deno-tests.mjs
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const deno = join(root, 'node_modules', '.bin', 'deno');
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
mkdirSync('.reports', { recursive: true });
const result = spawnSync(
  deno,
  [
    'run',
    '--allow-all',
    '--conditions=@presence-router/source',
    `--config=${join(root, 'deno.json')}`,
    vitest,
    'run',
    '--reporter=default',
    '--reporter=json',
    '--outputFile.json=.reports/deno.json',
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', env: { ...process.env, PRESENCE_ROUTER_RUNTIME: 'deno' } },
);
process.exit(result.status ?? 1);
