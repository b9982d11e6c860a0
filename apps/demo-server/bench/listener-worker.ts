/**
 * A listener thread of a load run (a `worker_threads` entry): its share of the listening
 * users long-poll `/sync` on their own event loop, so the load client can use more than one
 * core. Latency is read against the send times the senders write into a shared buffer
 * (epoch ms, `performance.timeOrigin + performance.now()`, one clock for every thread).
 *
 * With several server instances (`urls`), each user keeps to its instance (`instances[i]`)
 * until a sync fails at the network level (its instance gone): it moves on to the next live
 * instance with its since token, and the time from that failure to the first answer there is
 * reported (a takeover).
 *
 * Messages in: `measure` (record latency for PUTs sent from then on), `server-gone` (every
 * instance), `instance-gone` (one), `finish` (`finalSync`: one last sync each, then report;
 * otherwise report once every loop has ended). Messages out: `ready` after the first sync of
 * every user, `done` with the views, samples, counts and takeovers.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Samples } from './latency-samples.ts';
import { LoadClient, type SyncBody } from './load-client.ts';
import type { ListenerUser } from './load-scenario.ts';

/** What the pool gives each thread. */
export interface ListenerWorkerData {
  /** The server instances (one for a single server). */
  readonly urls: readonly string[];
  readonly users: readonly ListenerUser[];
  /** Per user: the index in `urls` of its instance. */
  readonly instances: readonly number[];
  readonly pollTimeoutMs: number;
  /** Send times: `sentAt[sender * capacity + seq]`, NaN when not sent. */
  readonly sentAt: SharedArrayBuffer;
  readonly capacity: number;
}

/** Messages from the pool. */
export type ToListenerWorker =
  | { readonly type: 'measure'; readonly fromEpochMs: number }
  | { readonly type: 'server-gone' }
  | { readonly type: 'instance-gone'; readonly instance: number }
  | { readonly type: 'finish'; readonly finalSync: boolean };

/** What a thread reports at the end. */
export interface ListenerWorkerReport {
  readonly type: 'done';
  /** Triples: user index (in this thread's share), sender index, latest sequence number seen. */
  readonly views: Int32Array;
  readonly samples: Float64Array;
  readonly bySecond: readonly (readonly [number, Float64Array])[];
  /** Syncs answered since `measure`. */
  readonly syncs: number;
  /** Failed syncs: network errors and answers other than 200. */
  readonly errors: number;
  /** Syncs answered with a status other than 200, by status. */
  readonly errorStatuses: Readonly<Record<string, number>>;
  /** The first few such answers: instance, status and body. */
  readonly errorExamples: readonly string[];
  /**
   * Sextuples per move of a user to another instance: user index (in this thread's share),
   * the instance it left, epoch ms of the failure there, epoch ms of the first answer from
   * the next instance, how long that answer's request took (ms), and its presence events.
   */
  readonly takeovers: Float64Array;
  /** Per user (in this thread's share): the instance it ended on. */
  readonly finalInstances: Int32Array;
}

const epochNow = (): number => performance.timeOrigin + performance.now();

/** The query of a listener's sync (the same as `LoadClient.sync`'s). */
function syncQuery(since: string | undefined, timeoutMs: number): URLSearchParams {
  const query = new URLSearchParams({ timeout: String(timeoutMs), set_presence: 'offline' });
  if (since !== undefined) query.set('since', since);
  return query;
}
const SENDER = /^@s(\d+):/;
const SEQ = /^s(\d+)$/;

/** A sync failure with an HTTP answer (the server answered, with an error). */
class AnsweredError extends Error {
  readonly status: number;
  /** The answer's `retry_after_ms`, when it has one. */
  readonly retryAfterMs: number | undefined;
  constructor(status: number, text: string) {
    super(`sync answered ${status}: ${text.slice(0, 200)}`);
    this.status = status;
    const retry = /"retry_after_ms":(\d+)/.exec(text)?.[1];
    this.retryAfterMs = retry === undefined ? undefined : Number(retry);
  }
}

class ListenerThread {
  readonly #data: ListenerWorkerData;
  readonly #clients: LoadClient[];
  readonly #instance: number[];
  readonly #gone: boolean[];
  readonly #takeovers: number[] = [];
  readonly #errorStatuses: Record<string, number> = {};
  readonly #errorExamples: string[] = [];
  readonly #sentAt: Float64Array;
  readonly #views: Map<number, number>[];
  readonly #since: (string | undefined)[];
  readonly #samples = new Samples();
  readonly #bySecond = new Map<number, Samples>();
  #measureFrom = Number.POSITIVE_INFINITY;
  #syncs = 0;
  #errors = 0;
  #stop = false;
  #serverGone = false;

  constructor(data: ListenerWorkerData) {
    this.#data = data;
    this.#clients = data.urls.map((url) => new LoadClient(url));
    this.#instance = [...data.instances];
    this.#gone = data.urls.map(() => false);
    this.#sentAt = new Float64Array(data.sentAt);
    this.#views = data.users.map(() => new Map());
    this.#since = data.users.map(() => undefined);
  }

  async start(): Promise<void> {
    await Promise.all(
      this.#data.users.map(async (user, i) => this.#apply(i, await this.#sync(i, user.token))),
    );
  }

  poll(): Promise<void>[] {
    const single = this.#clients.length === 1;
    return this.#data.users.map(async (user, i) => {
      // Since the last answer: the instance that failed first, and when.
      let failedOn = -1;
      let failedAt = 0;
      let failures = 0;
      while (!this.#stop) {
        try {
          const asked = epochNow();
          const body = await this.#sync(i, user.token, this.#data.pollTimeoutMs);
          if (this.#measureFrom !== Number.POSITIVE_INFINITY) this.#syncs++;
          this.#apply(i, body);
          if (failedOn >= 0 && this.#instance[i] !== failedOn) {
            const now = epochNow();
            this.#takeovers.push(
              i,
              failedOn,
              failedAt,
              now,
              now - asked,
              body.presence.events.length,
            );
          }
          failedOn = -1;
          failures = 0;
        } catch (error) {
          this.#errors++;
          if (error instanceof AnsweredError) {
            this.#errorStatuses[error.status] = (this.#errorStatuses[error.status] ?? 0) + 1;
            if (this.#errorExamples.length < 5) {
              this.#errorExamples.push(
                `${user.userId} on instance ${this.#instance[i]}, since ${this.#since[i]}: ${error.message}`,
              );
            }
          }
          if (this.#serverGone) return;
          if (single) {
            await new Promise((resolve) => setTimeout(resolve, 50));
            continue;
          }
          if (!(error instanceof AnsweredError)) {
            // No answer: the instance is gone (or going). On to the next live one, token kept.
            const from = this.#instance[i] as number;
            if (failedOn < 0) {
              failedOn = from;
              failedAt = epochNow();
            }
            this.#instance[i] = this.#nextLive(from);
          }
          // An answer asking to wait (503 with `retry_after_ms`) is honoured, as a client would.
          // No answer: at once after a first failure, then with a pause (all may be down).
          const pause =
            error instanceof AnsweredError ? (error.retryAfterMs ?? 50) : failures > 0 ? 50 : 0;
          failures++;
          if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
        }
      }
    });
  }

  /** One sync of user `i` on its instance; throws `AnsweredError` on an answer not 200. */
  async #sync(i: number, token: string, timeoutMs = 0): Promise<SyncBody> {
    const client = this.#clients[this.#instance[i] as number] as LoadClient;
    const reply = await client.request(
      'GET',
      `/_matrix/client/v3/sync?${syncQuery(this.#since[i], timeoutMs)}`,
      token,
    );
    if (reply.status !== 200) throw new AnsweredError(reply.status, reply.text);
    return JSON.parse(reply.text) as SyncBody;
  }

  /** The next instance after `from` not known to be gone (`from` itself when none). */
  #nextLive(from: number): number {
    const count = this.#clients.length;
    for (let step = 1; step <= count; step++) {
      const candidate = (from + step) % count;
      if (!this.#gone[candidate]) return candidate;
    }
    return from;
  }

  instanceGone(instance: number): void {
    this.#gone[instance] = true;
  }

  measure(fromEpochMs: number): void {
    this.#measureFrom = fromEpochMs;
  }

  serverGone(): void {
    this.#serverGone = true;
  }

  /** One last sync per user (`stop` the loops first), or none. */
  async finish(finalSync: boolean, loops: Promise<void>[]): Promise<ListenerWorkerReport> {
    if (finalSync) {
      this.#stop = true;
      await Promise.all(
        this.#data.users.map(async (user, i) => {
          this.#apply(i, await this.#finalSync(i, user.token));
        }),
      );
    } else {
      await Promise.all(loops);
    }
    this.#stop = true;
    for (const client of this.#clients) client.close();
    const views: number[] = [];
    this.#views.forEach((view, i) => {
      for (const [sender, seq] of view) views.push(i, sender, seq);
    });
    return {
      type: 'done',
      views: Int32Array.from(views),
      samples: this.#samples.toArray(),
      bySecond: [...this.#bySecond].map(([second, samples]) => [second, samples.toArray()]),
      syncs: this.#syncs,
      errors: this.#errors,
      errorStatuses: this.#errorStatuses,
      errorExamples: this.#errorExamples,
      takeovers: Float64Array.from(this.#takeovers),
      finalInstances: Int32Array.from(this.#instance),
    };
  }

  /**
   * The last sync of user `i`: on its instance, or (that one failing) on the other live ones;
   * an answer asking to retry (503 with `retry_after_ms`) is retried after that, a few times.
   */
  async #finalSync(i: number, token: string): Promise<SyncBody> {
    let networkTries = 0;
    let retries = 0;
    for (;;) {
      try {
        return await this.#sync(i, token);
      } catch (error) {
        this.#errors++;
        if (error instanceof AnsweredError) {
          this.#errorStatuses[error.status] = (this.#errorStatuses[error.status] ?? 0) + 1;
          if (this.#errorExamples.length < 5) {
            this.#errorExamples.push(
              `${this.#data.users[i]?.userId} (final sync) on instance ${this.#instance[i]}: ${error.message}`,
            );
          }
          if (error.status !== 503 || retries++ >= 10) throw error;
          await new Promise((resolve) => setTimeout(resolve, error.retryAfterMs ?? 500));
        } else {
          if (++networkTries >= this.#clients.length) throw error;
          this.#instance[i] = this.#nextLive(this.#instance[i] as number);
        }
      }
    }
  }

  /** Applies an answer: the view moves on; every update it newly covers gets its latency. */
  #apply(i: number, body: SyncBody): void {
    const now = epochNow();
    const view = this.#views[i] as Map<number, number>;
    const capacity = this.#data.capacity;
    for (const event of body.presence.events) {
      const sender = Number(SENDER.exec(event.sender)?.[1] ?? Number.NaN);
      const seq = Number(SEQ.exec(event.content.status_msg ?? '')?.[1] ?? Number.NaN);
      if (!Number.isFinite(sender) || !Number.isFinite(seq)) continue;
      const before = view.get(sender) ?? -1;
      if (seq <= before) continue;
      view.set(sender, seq);
      for (let s = before + 1; s <= seq && s < capacity; s++) {
        const sent = this.#sentAt[sender * capacity + s] as number;
        if (!(sent >= this.#measureFrom)) continue;
        this.#samples.add(now - sent);
        const second = Math.floor((sent - this.#measureFrom) / 1000);
        let bucket = this.#bySecond.get(second);
        if (bucket === undefined) {
          bucket = new Samples();
          this.#bySecond.set(second, bucket);
        }
        bucket.add(now - sent);
      }
    }
    this.#since[i] = body.next_batch;
  }
}

if (parentPort !== null) {
  const port = parentPort;
  const thread = new ListenerThread(workerData as ListenerWorkerData);
  await thread.start();
  const loops = thread.poll();
  port.on('message', (message: ToListenerWorker) => {
    if (message.type === 'measure') thread.measure(message.fromEpochMs);
    else if (message.type === 'server-gone') thread.serverGone();
    else if (message.type === 'instance-gone') thread.instanceGone(message.instance);
    else {
      void thread.finish(message.finalSync, loops).then((report) => {
        port.postMessage(report);
        port.close();
      });
    }
  });
  port.postMessage({ type: 'ready' });
}
