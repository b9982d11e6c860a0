/**
 * Packing the published packages as a release would (`pnpm pack`: `prepack` builds `dist`,
 * `workspace:` ranges become real ones) and installing the tarballs into a fresh application
 * outside the workspace, with npm or pnpm, as a consumer would.
 *
 * @example
 * ```ts
 * const tarballs = await packPublishedPackages(dir);
 * const app = await createConsumerApp(join(dir, 'npm-app'), tarballs, 'npm');
 * const output = await runInApp(app, 'app.mjs', script);
 * ```
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The packages a consumer installs (directories under packages/). */
export const PUBLISHED_PACKAGES = [
  'core',
  'config',
  'membership',
  'example-router',
  'federation',
  'selective-presence',
] as const;

const PACKAGES_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** Runs a command; resolves to its stdout, rejects with its stderr. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 240_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`));
        else resolve(stdout);
      },
    );
  });
}

/** Packs every published package into `dir`; resolves to package name -> tarball path. */
export async function packPublishedPackages(dir: string): Promise<Map<string, string>> {
  await mkdir(dir, { recursive: true });
  for (const name of PUBLISHED_PACKAGES) {
    await run('pnpm', ['pack', '--pack-destination', dir], { cwd: join(PACKAGES_DIR, name) });
  }
  const tarballs = new Map<string, string>();
  for (const file of await readdir(dir)) {
    const name = /^presence-router-(.+)-\d+\.\d+\.\d+.*\.tgz$/.exec(file)?.[1];
    if (name !== undefined) tarballs.set(`@presence-router/${name}`, join(dir, file));
  }
  return tarballs;
}

/** A consumer application: a folder with a package.json depending on the tarballs. */
export interface ConsumerApp {
  readonly dir: string;
  readonly installer: 'npm' | 'pnpm';
}

/** An environment without the workspace's source condition or loaders. */
function consumerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key];
  return env;
}

/** Creates the application in `dir` and installs the tarballs with `installer`. */
export async function createConsumerApp(
  dir: string,
  tarballs: ReadonlyMap<string, string>,
  installer: 'npm' | 'pnpm',
): Promise<ConsumerApp> {
  await mkdir(dir, { recursive: true });
  const dependencies = Object.fromEntries(
    [...tarballs].map(([name, path]) => [name, `file:${path}`]),
  );
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'consumer-app', private: true, type: 'module', dependencies }, null, 2)}\n`,
  );
  const env = consumerEnv();
  if (installer === 'npm') {
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
      {
        cwd: dir,
        env,
      },
    );
  } else {
    // pnpm resolves the packages' ranges for each other (`^0.1.0`) from the registry unless
    // overridden: local tarballs need an override each (published packages would not).
    const overrides = [...tarballs].map(([name, path]) => `  "${name}": "file:${path}"`);
    await writeFile(join(dir, 'pnpm-workspace.yaml'), `overrides:\n${overrides.join('\n')}\n`);
    await run('pnpm', ['install', '--prefer-offline', '--reporter=silent'], { cwd: dir, env });
  }
  return { dir, installer };
}

/** Writes `script` to `file` in the app and runs it with plain `node`; resolves to its stdout. */
export async function runInApp(app: ConsumerApp, file: string, script: string): Promise<string> {
  await writeFile(join(app.dir, file), script);
  return run('node', [file], { cwd: app.dir, env: consumerEnv(), timeoutMs: 60_000 });
}
