#!/usr/bin/env node
/**
 * Installs the workspace's dependencies when they are missing or stale, so that `npm start`
 * and `npm test` work on a fresh clone with nothing but Node.js 20 and npm. pnpm itself comes
 * from the npm registry through npx, at the version pinned in package.json.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lockFile = join(root, 'pnpm-lock.yaml');
const stamp = join(root, 'node_modules', '.presence-router-installed');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmVersion = String(manifest.packageManager ?? 'pnpm@12.4.2').replace(/^pnpm@/, '');

const hash = createHash('sha256')
  .update(existsSync(lockFile) ? readFileSync(lockFile) : '')
  .update(process.version)
  .digest('hex');

if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) process.exit(0);

console.log(
  `Installing dependencies with pnpm ${pnpmVersion} (first run, or the lockfile changed)...`,
);
const local = join(root, 'node_modules', '.bin', 'pnpm');
const [command, args] = existsSync(local)
  ? [local, ['install', '--frozen-lockfile']]
  : ['npx', ['--yes', `pnpm@${pnpmVersion}`, 'install', '--frozen-lockfile']];
// Native addons (better-sqlite3) build with node-gyp; use the Node headers installed with
// Node itself when they are there, instead of downloading them.
const env = { ...process.env };
if (!env.npm_config_nodedir && existsSync('/usr/include/node/node_version.h')) {
  env.npm_config_nodedir = '/usr';
}
const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
if (result.status !== 0) {
  console.error(
    `\nInstalling dependencies failed (exit ${result.status ?? result.signal}). Check the output above; ` +
      'you need Node.js >= 20.19 and access to the npm registry.',
  );
  process.exit(result.status ?? 1);
}
writeFileSync(stamp, hash);
