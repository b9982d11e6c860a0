/**
 * A listener thread of a load run (a `worker_threads` entry): its share of the listening
 * users long-poll `/sync` on their own event loop, so the load client can use more than one
 * core. Latency is read against the send times the senders write into a shared buffer
 * (epoch ms, `performance.timeOrigin + performance.now()`, one clock for every thread).
 *
 * Messages in: `measure` (record latency for PUTs sent from then on), `server-gone`,
 * `finish` (`finalSync`: one last sync each, then report; otherwise report once every loop
 * has ended). Messages out: `ready` after the first sync of every user, `done` with the
 * views, samples and counts.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Samples } from './latency-samples.ts';
import { LoadClient, type SyncBody } from './load-client.ts';
import type { ListenerUser } from './load-scenario.ts';

/** What the pool gives each thread. */
export interface ListenerWorkerData {
  readonly url: string;
  readonly users: readonly ListenerUser[];
  readonly pollTimeoutMs: number;
  /** Send times: `sentAt[sender * capacity + seq]`, NaN when not sent. */
  readonly sentAt: SharedArrayBuffer;
  readonly capacity: number;
}

/** Messages from the pool. */
export type ToListenerWorker =
  | { readonly type: 'measure'; readonly fromEpochMs: number }
  | { readonly type: 'server-gone' }
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
  readonly errors: number;
}

const epochNow = (): number => performance.timeOrigin + performance.now();
const SENDER = /^@s(\d+):/;
const SEQ = /^s(\d+)$/;

class ListenerThread {
  readonly #data: ListenerWorkerData;
  readonly #client: LoadClient;
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
    this.#client = new LoadClient(data.url);
    this.#sentAt = new Float64Array(data.sentAt);
    this.#views = data.users.map(() => new Map());
    this.#since = data.users.map(() => undefined);
  }

  async start(): Promise<void> {
    await Promise.all(
      this.#data.users.map(async (user, i) => this.#apply(i, await this.#client.sync(user.token))),
    );
  }

  poll(): Promise<void>[] {
    return this.#data.users.map(async (user, i) => {
      while (!this.#stop) {
        try {
          const body = await this.#client.sync(user.token, {
            since: this.#since[i],
            timeoutMs: this.#data.pollTimeoutMs,
          });
          if (this.#measureFrom !== Number.POSITIVE_INFINITY) this.#syncs++;
          this.#apply(i, body);
        } catch {
          this.#errors++;
          if (this.#serverGone) return;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    });
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
          this.#apply(i, await this.#client.sync(user.token, { since: this.#since[i] }));
        }),
      );
    } else {
      await Promise.all(loops);
    }
    this.#stop = true;
    this.#client.close();
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
    };
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
    else {
      void thread.finish(message.finalSync, loops).then((report) => {
        port.postMessage(report);
        port.close();
      });
    }
  });
  port.postMessage({ type: 'ready' });
}
