/**
 * The presence server as a child process for load runs and shutdown tests: started through
 * `bin/presence-router.mjs serve --config <file> --port 0` (or, with `profileDir`, directly
 * under `node --cpu-prof`), its URL read from the log, its resident memory read from
 * `/proc`, stopped with a signal.
 *
 * @example
 * ```ts
 * const server = await startServerProcess(yamlText);
 * console.log(server.url, server.rssBytes());
 * await server.stop('SIGTERM');
 * ```
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running server process. */
export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** Everything the server wrote to stdout (JSON log lines). */
  readonly output: () => string;
  /** Resident set size now, in bytes (0 once it has exited). */
  rssBytes(): number;
  /** CPU time used so far (user + system), in seconds, with the bin wrapper's child. */
  cpuSeconds(): number;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /**
   * SIGKILL for the real server (the bin wrapper's child) and then the wrapper, as a crash
   * would; waits for the exit.
   */
  kill(): Promise<number | null>;
}

/** Options of {@link startServerProcess}. */
export interface ServerProcessOptions {
  /** Write a V8 CPU profile into this directory (the server runs without the bin wrapper). */
  readonly profileDir?: string | undefined;
  /** Extra environment variables. */
  readonly env?: Record<string, string>;
  /** Where the server's stderr goes (default: this process's). */
  readonly stderr?: 'inherit' | 'ignore' | number;
  /** Extra Node flags for the server (e.g. `--trace-gc`); runs it without the bin wrapper. */
  readonly nodeFlags?: readonly string[];
}

const APP = join(import.meta.dirname, '..');

/** Starts the server on `yaml` (with `--port 0`) and resolves once it listens. */
export async function startServerProcess(
  yaml: string,
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'presence-router-load-'));
  const configPath = join(dir, 'homeserver.yaml');
  await writeFile(configPath, yaml);
  const direct = options.profileDir !== undefined || options.nodeFlags !== undefined;
  const args = !direct
    ? [join(APP, 'bin', 'presence-router.mjs')]
    : [
        ...(options.profileDir === undefined
          ? []
          : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`]),
        ...(options.nodeFlags ?? []),
        '--conditions=@presence-router/source',
        '--import',
        import.meta.resolve('tsx'),
        join(APP, 'src', 'cli-main.ts'),
      ];
  const child: ChildProcess = spawn(
    process.execPath,
    [...args, 'serve', '--config', configPath, '--port', '0'],
    {
      stdio: ['ignore', 'pipe', options.stderr ?? 'inherit'],
      env: { ...process.env, ...options.env },
    },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
      void rm(dir, { recursive: true, force: true });
    });
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not start in 60 s')), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening: ${output}`));
    });
  });
  // The bin wrapper runs the server as its own child: read memory of the real server.
  const pid = child.pid as number;
  return {
    url,
    pid,
    output: () => output,
    rssBytes: () => rssOfTree(pid),
    cpuSeconds: () => sumOverTree(pid, cpuOf),
    exited,
    stop: async (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
    kill: async () => {
      for (const pidOfChild of childrenOf(pid)) {
        try {
          process.kill(pidOfChild, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      child.kill('SIGKILL');
      return exited;
    },
  };
}

/** The direct children of `pid` (the bin wrapper's server), from /proc. */
function childrenOf(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return children.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** RSS of `pid` plus its direct children (the bin wrapper's server), from /proc. */
function rssOfTree(pid: number): number {
  return sumOverTree(pid, rssOf);
}

/** `read` of `pid` plus of its direct children. */
function sumOverTree(pid: number, read: (pid: number) => number): number {
  let total = read(pid);
  for (const child of childrenOf(pid)) total += read(child);
  return total;
}

/**
 * CPU seconds the whole machine has been busy (every core; user, nice, system, irq, softirq,
 * steal), from /proc/stat: against the run's own processes, it shows what else ran meanwhile.
 */
export function machineBusySeconds(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/) ?? [];
    const ticks = fields.slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return Number.NaN;
  }
}

/** User + system CPU seconds of `pid` (clock ticks of 1/100 s), from /proc. */
export function cpuOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}
