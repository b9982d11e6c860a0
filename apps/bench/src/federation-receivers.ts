/**
 * The receiving servers of the federation benchmark, in a child process of their own so that
 * the sending process's CPU time is measured apart from theirs. The child
 * (`federation-receiver-process.ts`) listens on 127.0.0.1, one port per destination server
 * name; each port is a real `InboundTransactionHandler` for its name, with its own
 * `ServerKeyStore` that fetches the origin's key over HTTP from the origin's key endpoint,
 * so every transaction's `X-Matrix` signature is verified. The sender reaches each
 * destination through `ServerResolver`'s override map (`name -> http://127.0.0.1:<port>`):
 * an override's `Host` header is the override's own host, so the destination a request is
 * for is told by its port (and signed in its `X-Matrix` `destination`, which the handler
 * checks against its name).
 *
 * Each port also answers `PUT /_bench/unsigned/send/{txnId}` without any authentication
 * (read, parse, count, answer `{"pdus": {}}`): the transport's cost floor.
 *
 * @example
 * ```ts
 * const receivers = await FederationReceivers.start({
 *   destinations: ['remote0.test'], origin: 'bench.test', originKeyUrl: 'http://127.0.0.1:8008',
 * });
 * const resolver = new ServerResolver({ overrides: receivers.overrides() });
 * // ... send transactions ...
 * const report = await receivers.collect(); // what was applied since the last collect
 * await receivers.stop();
 * ```
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BenchError } from './errors.ts';

/** The path of the unauthenticated baseline endpoint (append the txnId). */
export const UNSIGNED_SEND_PATH = '/_bench/unsigned/send/';

/** Options of {@link FederationReceivers.start}. */
export interface ReceiversOptions {
  /** The destination server names, one port each. */
  readonly destinations: readonly string[];
  /** The sending server's name. */
  readonly origin: string;
  /** Base URL of the origin's `GET /_matrix/key/v2/server` (an `http://127.0.0.1` origin). */
  readonly originKeyUrl: string;
}

/** The presence states one transaction handed to `onPresence` at one destination. */
export interface AppliedTransaction {
  /** Index of the destination in {@link ReceiversOptions.destinations}. */
  readonly destination: number;
  /** `monotonicMs()` (`monotonic-clock.ts`) when `onPresence` ran. */
  readonly appliedAtMs: number;
  readonly userIds: readonly string[];
  readonly presence: readonly string[];
  readonly statusMsgs: readonly (string | null)[];
}

/** What the receivers saw since the previous collect. */
export interface ReceiverReport {
  readonly transactions: readonly AppliedTransaction[];
  /** Transaction requests whose body was parsed, their EDUs and states (`push` entries). */
  readonly requests: number;
  readonly edus: number;
  readonly states: number;
  /** The largest EDU counts seen. */
  readonly mostEdusPerTransaction: number;
  readonly mostStatesPerEdu: number;
  /** The handlers' counters (summed over destinations). */
  readonly inbound: {
    readonly transactionsApplied: number;
    readonly duplicates: number;
    readonly unauthorized: number;
    readonly refused: number;
    readonly presenceDropped: number;
  };
  /** Requests to the unauthenticated endpoint, and the EDUs and states they held. */
  readonly unsigned: { readonly requests: number; readonly edus: number; readonly states: number };
  /** Key fetches made by the destinations' key stores. */
  readonly keyFetches: number;
  /** CPU time (user + system) of the receiving process. */
  readonly cpuMs: number;
}

/** Parent to child. */
export type ReceiverCommand =
  | ({ readonly type: 'start' } & ReceiversOptions)
  | { readonly type: 'collect' }
  | { readonly type: 'stop' };

/** Child to parent. */
export type ReceiverReply =
  | { readonly type: 'started'; readonly ports: readonly number[] }
  | { readonly type: 'collected'; readonly report: ReceiverReport }
  | { readonly type: 'stopped' }
  | { readonly type: 'failed'; readonly message: string };

const ENTRY = fileURLToPath(new URL('./federation-receiver-process.ts', import.meta.url));
const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
/** The child runs from source, as the bench does, whatever runs this process (CLI, Vitest). */
const NODE_FLAGS = ['--conditions=@presence-router/source', '--import', 'tsx'];

/** The receiving process, seen from the sending one. */
export class FederationReceivers {
  readonly destinations: readonly string[];
  readonly #child: ChildProcess;
  #ports: readonly number[] = [];
  #waiting: { resolve: (reply: ReceiverReply) => void; reject: (error: Error) => void } | undefined;
  #exited: Error | undefined;

  private constructor(destinations: readonly string[], child: ChildProcess) {
    this.destinations = destinations;
    this.#child = child;
    child.on('message', (reply: ReceiverReply) => {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting?.resolve(reply);
    });
    child.on('exit', (code, signal) => {
      this.#exited = new BenchError(
        'SCENARIO_FAILED',
        `The federation receivers' process exited (${code !== null ? `exit code ${code}` : `signal ${signal}`})`,
      );
      this.#waiting?.reject(this.#exited);
      this.#waiting = undefined;
    });
  }

  /** Starts the child and its servers; resolves once every port listens. */
  static async start(options: ReceiversOptions): Promise<FederationReceivers> {
    const child = spawn(process.execPath, [...NODE_FLAGS, ENTRY], {
      cwd: BENCH_DIR,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const receivers = new FederationReceivers(options.destinations, child);
    const reply = await receivers.#ask({
      type: 'start',
      destinations: [...options.destinations],
      origin: options.origin,
      originKeyUrl: options.originKeyUrl,
    });
    if (reply.type !== 'started') {
      child.kill();
      throw unexpected(reply);
    }
    receivers.#ports = reply.ports;
    return receivers;
  }

  /** `ServerResolver` overrides: each destination name to its `http://127.0.0.1` port. */
  overrides(): Record<string, string> {
    return Object.fromEntries(
      this.destinations.map((name, i) => [name, `http://127.0.0.1:${this.#ports[i]}`]),
    );
  }

  /** What was applied since the previous collect (and the CPU time spent on it). */
  async collect(): Promise<ReceiverReport> {
    const reply = await this.#ask({ type: 'collect' });
    if (reply.type !== 'collected') throw unexpected(reply);
    return reply.report;
  }

  /** Closes the servers and ends the child. */
  async stop(): Promise<void> {
    if (this.#exited !== undefined) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    try {
      await this.#ask({ type: 'stop' });
    } finally {
      if (this.#child.connected) this.#child.disconnect();
    }
    await exited;
  }

  #ask(command: ReceiverCommand): Promise<ReceiverReply> {
    if (this.#exited !== undefined) return Promise.reject(this.#exited);
    if (this.#waiting !== undefined) {
      return Promise.reject(new BenchError('SCENARIO_FAILED', 'One receivers command at a time'));
    }
    return new Promise<ReceiverReply>((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#child.send(command);
    });
  }
}

function unexpected(reply: ReceiverReply): BenchError {
  return new BenchError(
    'SCENARIO_FAILED',
    reply.type === 'failed'
      ? `The federation receivers failed: ${reply.message}`
      : `The federation receivers answered ${reply.type}`,
  );
}
