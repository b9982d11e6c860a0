/**
 * Which modules importing an entry point loads: a fresh `node` process (with the workspace's
 * source condition and tsx) imports `specifier` under a resolution hook that records every
 * module resolved. Tests use it to prove an entry point pulls in no `node:` built-in, no
 * native module and no heavy dependency it should not.
 *
 * @example
 * ```ts
 * const loaded = await modulesLoadedBy('@presence-router/core', import.meta.url);
 * expect(loaded.filter((url) => url.startsWith('node:'))).toEqual([]);
 * ```
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REGISTER = fileURLToPath(new URL('./register-resolve-recorder.mjs', import.meta.url));

/**
 * The URLs of every module resolved while importing `specifier` from the directory of
 * `fromUrl` (a test file's `import.meta.url`), tsx's own loader excluded.
 */
export async function modulesLoadedBy(specifier: string, fromUrl: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'presence-router-modules-'));
  const log = join(dir, 'resolved.log');
  try {
    const tsx = import.meta.resolve('tsx');
    await new Promise<void>((resolve, reject) => {
      execFile(
        'node',
        [
          '--conditions=@presence-router/source',
          '--import',
          tsx,
          '--import',
          REGISTER,
          '--input-type=module',
          '-e',
          `await import(${JSON.stringify(specifier)});`,
        ],
        {
          cwd: fileURLToPath(new URL('.', fromUrl)),
          env: { ...process.env, PRESENCE_ROUTER_RESOLVED_LOG: log },
        },
        (error, _stdout, stderr) => {
          if (error) reject(new Error(`importing ${specifier} failed: ${stderr || error.message}`));
          else resolve();
        },
      );
    });
    const lines = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    return [...new Set(lines)].filter((url) => !url.includes('/node_modules/.pnpm/tsx@'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
