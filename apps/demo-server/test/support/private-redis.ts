/**
 * A `redis-server` of the test's own on a free port (nothing kept on disk), which fault
 * tests stop and restart. The shared Redis on 6379 is never touched.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from './free-port.ts';

export { freePort };

/** A private `redis-server`; see the module documentation. */
export class PrivateRedis {
  readonly host = '127.0.0.1';
  readonly port: number;
  #process: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
  }

  /** Starts one on a free port. */
  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.resume();
    return redis;
  }

  /** Whether it runs now. */
  get running(): boolean {
    return this.#process !== undefined;
  }

  /** Starts it again on the same port (empty: it keeps nothing). */
  async resume(): Promise<void> {
    if (this.#process !== undefined) return;
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', this.host, '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#process = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          child.stdout?.off('data', onData);
          child.stdout?.resume();
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.resume();
      child.once('error', reject);
      child.once('exit', (code) => {
        this.#process = undefined;
        reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`));
      });
    });
  }

  /** Freezes it (SIGSTOP): connections stay open, nothing answers. */
  freeze(): void {
    this.#process?.kill('SIGSTOP');
  }

  /** Lets a frozen server go on (SIGCONT). */
  thaw(): void {
    this.#process?.kill('SIGCONT');
  }

  /** Stops it abruptly (SIGKILL, like a crash) and waits until it has exited. */
  async stop(): Promise<void> {
    const child = this.#process;
    if (child === undefined) return;
    this.#process = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
      child.kill('SIGCONT');
    });
  }
}
