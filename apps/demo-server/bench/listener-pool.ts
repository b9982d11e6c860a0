/**
 * The listening side of a load run, spread over `threads` worker threads (each with its own
 * event loop; see `listener-worker.ts`), and the send-time buffer they share with the
 * senders. With several server instances (`urls`), the users are spread over them
 * round-robin; a user whose instance is gone moves on to the next live one with its token.
 *
 * @example
 * ```ts
 * const pool = await ListenerPool.start({ url, users, threads: 2, pollTimeoutMs: 30_000, senders: 100, capacity });
 * pool.recordSend(3, 17); // sender 3 sent sequence number 17 now
 * pool.measureFrom(Date.now());
 * const result = await pool.finish(true);
 * ```
 * @module
 */
import { Worker } from 'node:worker_threads';
import { Samples } from './latency-samples.ts';
import type {
  ListenerWorkerData,
  ListenerWorkerReport,
  ToListenerWorker,
} from './listener-worker.ts';
import type { ListenerUser } from './load-scenario.ts';

/** Options of {@link ListenerPool.start}. */
export interface ListenerPoolOptions {
  /** The server (one URL) or its instances. */
  readonly url: string | readonly string[];
  readonly users: readonly ListenerUser[];
  readonly threads: number;
  readonly pollTimeoutMs: number;
  readonly senders: number;
  /** Most sequence numbers per sender. */
  readonly capacity: number;
}

/** What the listeners saw. */
export interface ListenerPoolResult {
  /** Per user (in `users` order): sender index -> latest sequence number seen. */
  readonly views: readonly ReadonlyMap<number, number>[];
  readonly samples: Samples;
  readonly bySecond: ReadonlyMap<number, Samples>;
  readonly syncs: number;
  readonly errors: number;
  /** Syncs answered with a status other than 200, by status. */
  readonly errorStatuses: Readonly<Record<string, number>>;
  /** A few of those answers (user, instance, since token, status and body). */
  readonly errorExamples: readonly string[];
  /** Every move of a user to another instance (epoch ms), in no particular order. */
  readonly takeovers: readonly Takeover[];
  /** Per user (in `users` order): the instance it started on. */
  readonly startInstances: readonly number[];
  /** Per user: the instance it ended on. */
  readonly finalInstances: readonly number[];
}

/** A user moving off a failed instance. */
export interface Takeover {
  readonly user: number;
  readonly from: number;
  /** When the sync on `from` failed (epoch ms). */
  readonly failedAt: number;
  /** When the next instance first answered (epoch ms). */
  readonly answeredAt: number;
  /** How long the request that got that answer took (ms). */
  readonly requestMs: number;
  /** The presence events in that answer. */
  readonly events: number;
}

/** A JavaScript entry that registers tsx in the thread before loading the TypeScript worker. */
const WORKER = new URL('./listener-worker-entry.mjs', import.meta.url);

/** The listener threads; see the module documentation. */
export class ListenerPool {
  readonly #workers: Worker[];
  readonly #shares: (readonly ListenerUser[])[];
  readonly #sentAt: Float64Array;
  readonly #capacity: number;
  readonly #userCount: number;
  readonly #startInstances: readonly number[];

  private constructor(
    workers: Worker[],
    shares: (readonly ListenerUser[])[],
    sentAt: Float64Array,
    options: ListenerPoolOptions,
    startInstances: readonly number[],
  ) {
    this.#workers = workers;
    this.#shares = shares;
    this.#sentAt = sentAt;
    this.#capacity = options.capacity;
    this.#userCount = options.users.length;
    this.#startInstances = startInstances;
  }

  /** Starts the threads; resolves once every user has synced once. */
  static async start(options: ListenerPoolOptions): Promise<ListenerPool> {
    const buffer = new SharedArrayBuffer(8 * options.senders * options.capacity);
    const sentAt = new Float64Array(buffer).fill(Number.NaN);
    const threads = Math.max(1, Math.min(options.threads, options.users.length));
    const shares: ListenerUser[][] = Array.from({ length: threads }, () => []);
    options.users.forEach((user, i) => {
      shares[i % threads]?.push(user);
    });
    const urls = typeof options.url === 'string' ? [options.url] : options.url;
    // User k of thread t (user t + k * threads overall) is on instance (t + k) % instances:
    // round-robin within each thread, so every thread talks to every instance.
    const instancesOf = shares.map((users, t) => users.map((_, k) => (t + k) % urls.length));
    const startInstances = options.users.map(
      (_, i) => instancesOf[i % threads]?.[Math.floor(i / threads)] as number,
    );
    const workers = shares.map((users, t) => {
      const data: ListenerWorkerData = {
        urls,
        users,
        instances: instancesOf[t] as number[],
        pollTimeoutMs: options.pollTimeoutMs,
        sentAt: buffer,
        capacity: options.capacity,
      };
      return new Worker(WORKER, { workerData: data });
    });
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.once('message', () => resolve());
            worker.once('error', reject);
          }),
      ),
    );
    return new ListenerPool(workers, shares, sentAt, options, startInstances);
  }

  /** Records that sender `sender` sent sequence number `seq` now. */
  recordSend(sender: number, seq: number): void {
    if (seq < this.#capacity) {
      this.#sentAt[sender * this.#capacity + seq] = performance.timeOrigin + performance.now();
    }
  }

  /** Latency is recorded for PUTs sent at `epochMs` or later. */
  measureFrom(epochMs: number): void {
    this.#send({ type: 'measure', fromEpochMs: epochMs });
  }

  /** The server (every instance) has exited: loops end at their next failure. */
  serverGone(): void {
    this.#send({ type: 'server-gone' });
  }

  /** Instance `instance` has exited: users move off it (and nobody onto it). */
  instanceGone(instance: number): void {
    this.#send({ type: 'instance-gone', instance });
  }

  /** Ends the run: with `finalSync`, one last sync per user; without, once every loop ends. */
  async finish(finalSync: boolean): Promise<ListenerPoolResult> {
    const reports = await Promise.all(
      this.#workers.map(
        (worker) =>
          new Promise<ListenerWorkerReport>((resolve, reject) => {
            worker.once('message', (report: ListenerWorkerReport) => resolve(report));
            worker.once('error', reject);
            worker.postMessage({ type: 'finish', finalSync } satisfies ToListenerWorker);
          }),
      ),
    );
    const views = Array.from({ length: this.#userCount }, () => new Map<number, number>());
    const samples = new Samples();
    const bySecond = new Map<number, Samples>();
    let syncs = 0;
    let errors = 0;
    const errorStatuses: Record<string, number> = {};
    const errorExamples: string[] = [];
    const takeovers: Takeover[] = [];
    const finalInstances = [...this.#startInstances];
    const threads = this.#shares.length;
    reports.forEach((report, t) => {
      errorExamples.push(...report.errorExamples.slice(0, 5 - errorExamples.length));
      for (const [status, count] of Object.entries(report.errorStatuses)) {
        errorStatuses[status] = (errorStatuses[status] ?? 0) + count;
      }
      for (let k = 0; k < report.takeovers.length; k += 6) {
        takeovers.push({
          user: t + (report.takeovers[k] as number) * threads,
          from: report.takeovers[k + 1] as number,
          failedAt: report.takeovers[k + 2] as number,
          answeredAt: report.takeovers[k + 3] as number,
          requestMs: report.takeovers[k + 4] as number,
          events: report.takeovers[k + 5] as number,
        });
      }
      report.finalInstances.forEach((instance, k) => {
        finalInstances[t + k * threads] = instance;
      });
      for (let k = 0; k < report.views.length; k += 3) {
        // User i of thread t is user t + i * threads overall (round-robin shares).
        const user = t + (report.views[k] as number) * threads;
        views[user]?.set(report.views[k + 1] as number, report.views[k + 2] as number);
      }
      samples.addAll(report.samples);
      for (const [second, values] of report.bySecond) {
        let bucket = bySecond.get(second);
        if (bucket === undefined) {
          bucket = new Samples();
          bySecond.set(second, bucket);
        }
        bucket.addAll(values);
      }
      syncs += report.syncs;
      errors += report.errors;
    });
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
    return {
      views,
      samples,
      bySecond,
      syncs,
      errors,
      errorStatuses,
      errorExamples,
      takeovers,
      startInstances: this.#startInstances,
      finalInstances,
    };
  }

  #send(message: ToListenerWorker): void {
    for (const worker of this.#workers) worker.postMessage(message);
  }
}
