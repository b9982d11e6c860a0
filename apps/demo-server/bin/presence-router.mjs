#!/usr/bin/env node
/**
 * `presence-router`: runs the TypeScript CLI (`src/cli-main.ts`) through tsx with the
 * `@presence-router/source` export condition, so the workspace runs from source. Signals are
 * passed on to the child, and its exit code is ours.
 *
 * Usage: presence-router serve | check <config> | explain --config <file> --from @a --to @b
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../src/cli-main.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');
const child = spawn(
  process.execPath,
  ['--conditions=@presence-router/source', '--import', tsx, entry, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
