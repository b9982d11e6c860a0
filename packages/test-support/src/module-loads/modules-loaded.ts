/**
 * What a fresh Node process loads while it runs a script: the process runs with the
 * workspace's source condition and tsx (as the workspace runs packages), under a resolution
 * hook that logs every module resolved and every native module opened
 * (`record-module-loads.mjs`). The script may call `step(name)` to mark a point: `upTo(name)`
 * tells what was loaded before it. Packages can be hidden, to see what happens where an
 * optional dependency is not installed. Entry-point tests use it to prove what each entry
 * point pulls in, and when. (Node only: `@presence-router/test-support/module-loads`.)
 *
 * @example
 * ```ts
 * const loads = await modulesLoadedBy(`
 *   const { SynapseSqlMembership } = await import('@presence-router/membership/synapse');
 *   step('imported');
 *   await SynapseSqlMembership.open({ sqlitePath: '/tmp/homeserver.db' });
 * `, { cwd: packageDirectory });
 * expect(packagesOf(loads.upTo('imported'))).toEqual([]);
 * expect(packagesOf(loads)).toContain('better-sqlite3');
 * ```
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RECORDER = fileURLToPath(new URL('./record-module-loads.mjs', import.meta.url));

/** One module resolution. */
export interface Resolution {
  readonly specifier: string;
  /** The importing module's URL. */
  readonly parent: string | undefined;
  /** What it resolved to (absent for a hidden package). */
  readonly url?: string;
}

/** What a script loaded (up to some point). */
export interface Loaded {
  /** Every module resolved, in order (tsx's own modules left out). */
  readonly resolved: readonly Resolution[];
  /** The native modules (`.node` files) opened, as file URLs. */
  readonly native: readonly string[];
  /** The hidden packages the script tried to import. */
  readonly hidden: readonly string[];
}

/** What a whole script loaded, what it printed, and what it had loaded at each step. */
export interface ModuleLoads extends Loaded {
  /** The last line the script printed, parsed as JSON (`undefined` when it printed nothing). */
  readonly output: unknown;
  /** What was loaded before the script called `step(name)`; throws if it never did. */
  upTo(name: string): Loaded;
}

/** Options of {@link modulesLoadedBy}. */
export interface ModulesLoadedOptions {
  /**
   * The directory the script runs in: packages resolve from there (a package's own
   * directory imports the package by name, as a self-reference).
   */
  readonly cwd: string;
  /** Packages that fail to resolve, as if not installed. */
  readonly hide?: readonly string[];
}

interface LogLine {
  readonly specifier?: string;
  readonly parent?: string;
  readonly url?: string;
  readonly hidden?: boolean;
  readonly native?: string;
  readonly step?: string;
}

/**
 * Defines `step(name)` for the script without importing anything (`getBuiltinModule` goes
 * through no resolution hook), so the script's own plumbing is not among what it loaded.
 */
const PRELUDE = `const step = (name) => process.getBuiltinModule('node:fs').appendFileSync(
  process.env.PRESENCE_ROUTER_MODULE_LOG, JSON.stringify({ step: name }) + '\\n');
`;

function loadedIn(lines: readonly LogLine[]): Loaded {
  return {
    resolved: lines
      .filter((line) => line.specifier !== undefined && line.hidden !== true)
      .map(({ specifier, parent, url }) => ({ specifier: specifier as string, parent, url }))
      .filter(({ url }) => !url?.includes('/node_modules/.pnpm/tsx@')),
    native: lines.flatMap((line) => (line.native === undefined ? [] : [line.native])),
    hidden: lines.flatMap((line) => (line.hidden === true ? [line.specifier as string] : [])),
  };
}

/** Runs `script` (an ES module's source) in a fresh Node process; see the module docs. */
export async function modulesLoadedBy(
  script: string,
  options: ModulesLoadedOptions,
): Promise<ModuleLoads> {
  const dir = await mkdtemp(join(tmpdir(), 'presence-router-module-loads-'));
  const log = join(dir, 'loads.jsonl');
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          '--conditions=@presence-router/source',
          '--import',
          import.meta.resolve('tsx'),
          '--import',
          RECORDER,
          '--input-type=module',
          '-e',
          PRELUDE + script,
        ],
        {
          cwd: options.cwd,
          timeout: 60_000,
          env: {
            ...process.env,
            PRESENCE_ROUTER_MODULE_LOG: log,
            PRESENCE_ROUTER_HIDDEN_PACKAGES: (options.hide ?? []).join(','),
          },
        },
        (error, out, stderr) => {
          if (error) reject(new Error(`the script failed: ${stderr || error.message}`));
          else resolve(out);
        },
      );
    });
    const lines = (await readFile(log, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogLine);
    const last = stdout.trim().split('\n').at(-1);
    return {
      ...loadedIn(lines),
      output: last === undefined || last === '' ? undefined : JSON.parse(last),
      upTo(name) {
        const at = lines.findIndex((line) => line.step === name);
        if (at === -1) throw new Error(`the script never reached step(${JSON.stringify(name)})`);
        return loadedIn(lines.slice(0, at));
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The `node:` built-ins resolved, once each, sorted. */
export function builtinsOf(loads: Loaded): string[] {
  const urls = loads.resolved.map((r) => r.url ?? '').filter((url) => url.startsWith('node:'));
  return [...new Set(urls)].sort();
}

/** The npm packages resolved (by name, from `node_modules`), once each, sorted. */
export function packagesOf(loads: Loaded): string[] {
  const names = loads.resolved.flatMap(({ url }) => {
    const name = /\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(
      url ?? '',
    )?.[1];
    return name === undefined ? [] : [name];
  });
  return [...new Set(names)].sort();
}

/** Whether the workspace package `name`'s `src/<path>` (e.g. `synapse.ts`) was loaded. */
export function loadedSource(loads: Loaded, name: string, path: string): boolean {
  return loads.resolved.some((r) => r.url?.endsWith(`/packages/${name}/src/${path}`));
}
