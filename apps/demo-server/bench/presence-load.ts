/**
 * A loss-checking load run of the presence server: `listeners` users long-poll `/sync` in
 * `rooms` rooms (plus an auditor who receives everyone through the example router), while
 * `senders` room members `PUT` their presence open-loop at `rate` per second for `seconds`.
 * Each PUT carries a sequence number in `status_msg`.
 *
 * Measured: PUTs sent and acknowledged per second; delivery latency (PUT sent -> a listener
 * has that update or a newer one of the same sender) percentiles; `/sync` requests per
 * second; the server's peak RSS. Checked: every listener's final view of every sender it
 * should see holds the last acknowledged (200) update of that sender or a newer one — a
 * view behind that is "stale", a lost acknowledged update.
 *
 * With `sigtermAtSeconds`, the server gets SIGTERM mid-traffic: PUTs answered 200 until then
 * (and during the drain) must still reach every listener before the server is gone.
 *
 * @example
 * ```ts
 * const result = await runPresenceLoad({ listeners: 500, rooms: 10, senders: 100, rate: 300, seconds: 30 });
 * result.staleViews; // 0
 * ```
 * @module
 */
import { LoadClient, type SyncBody } from './load-client.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';

/** What to run. */
export interface PresenceLoadOptions {
  readonly listeners: number;
  readonly rooms: number;
  readonly senders: number;
  /** PUTs per second, open loop (a sender with a PUT in flight is skipped). */
  readonly rate: number;
  readonly seconds: number;
  /**
   * Seconds of the same traffic before measuring (default 5): the server's JIT warms up and
   * the listeners settle into their long-poll rhythm. Latency samples of PUTs sent then are
   * left out; the loss check covers them.
   */
  readonly warmupSeconds?: number;
  /** Long-poll timeout of the listeners (ms). */
  readonly pollTimeoutMs?: number;
  /** Send SIGTERM to the server this many seconds into the run. */
  readonly sigtermAtSeconds?: number;
  /** Extra YAML appended to the generated configuration. */
  readonly extraYaml?: string;
  /** Write a V8 CPU profile of the server into this directory. */
  readonly profileDir?: string;
  /** Extra Node flags for the server process (e.g. `--trace-gc`). */
  readonly nodeFlags?: readonly string[];
  /** Told everything the server wrote to stdout, once the run is over. */
  readonly onServerOutput?: (output: string) => void;
  /** `fast` (default): the Node fast path for the hot routes; `hono`: every request via Hono. */
  readonly http?: 'fast' | 'hono';
  /** Told about progress (one line at a time). */
  readonly progress?: (line: string) => void;
}

/** Latency percentiles in ms. */
export interface Percentiles {
  readonly samples: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** What a run measured. */
export interface PresenceLoadResult {
  readonly setup: {
    readonly listeners: number;
    readonly rooms: number;
    readonly senders: number;
    readonly rate: number;
    readonly seconds: number;
    readonly sigtermAtSeconds: number | undefined;
    readonly warmupSeconds: number;
    readonly http: 'fast' | 'hono';
  };
  readonly puts: {
    readonly sent: number;
    readonly acknowledged: number;
    /** Answered with another status (503 during shutdown, ...), by status. */
    readonly refused: Readonly<Record<string, number>>;
    /** Failed at the network level (no answer). */
    readonly networkErrors: number;
    /** Open-loop slots skipped because the sender's previous PUT was still in flight. */
    readonly skipped: number;
    readonly acknowledgedPerSecond: number;
  };
  readonly deliveryMs: Percentiles;
  /** p99 of the updates sent in each second of the run. */
  readonly p99BySecond: readonly number[];
  readonly syncRequestsPerSecond: number;
  readonly syncErrors: number;
  /** (listener, sender) pairs checked at the end. */
  readonly viewsChecked: number;
  /** Pairs whose final view is behind the sender's last acknowledged update. */
  readonly staleViews: number;
  /** A few stale pairs, for diagnosis. */
  readonly staleExamples: readonly string[];
  readonly serverPeakRssMiB: number;
  /** CPU used during the sending phase, as a share of one core (server NaN once it exited). */
  readonly cpu: { readonly server: number; readonly client: number };
  readonly serverExitCode: number | null | undefined;
  /** From SIGTERM to the server's exit (ms), when a SIGTERM was sent. */
  readonly shutdownMs: number | undefined;
}

const HS = 'load.local';
const listenerId = (i: number): string => `@l${i}:${HS}`;
const senderId = (j: number): string => `@s${j}:${HS}`;
const AUDITOR = `@auditor:${HS}`;
const roomId = (k: number): string => `!room${k}:${HS}`;

/** The generated configuration: tokens are `token-<localpart>`. */
export function loadConfigYaml(options: PresenceLoadOptions): string {
  const tokens: string[] = [`  '${AUDITOR}': token-auditor`];
  const rooms: string[][] = Array.from({ length: options.rooms }, () => []);
  for (let i = 0; i < options.listeners; i++) {
    tokens.push(`  '${listenerId(i)}': token-l${i}`);
    rooms[i % options.rooms]?.push(`'${listenerId(i)}'`);
  }
  for (let j = 0; j < options.senders; j++) {
    tokens.push(`  '${senderId(j)}': token-s${j}`);
    rooms[j % options.rooms]?.push(`'${senderId(j)}'`);
  }
  return `server_name: ${HS}
listeners: [{ port: 0, bind_addresses: ['127.0.0.1'] }]
access_tokens:
${tokens.join('\n')}
admin_token: token-admin-load
log_level: warn
max_sync_timeout: 5m
rc_presence:
  per_user: { per_second: 100000, burst_count: 100000 }
membership:
  rooms:
${rooms.map((members, k) => `    '${roomId(k)}': [${members.join(', ')}]`).join('\n')}
presence:
  sync_online_timeout: 10m
  idle_timeout: 10m
  routing_modules:
    - module: '@presence-router/example-router.ExamplePresenceRouter'
      config:
        always_send_to_users: ['${AUDITOR}']
${options.extraYaml ?? ''}`;
}

/** Grows a float buffer of latency samples. */
export class Samples {
  #values = new Float64Array(1 << 16);
  #count = 0;

  add(value: number): void {
    if (this.#count === this.#values.length) {
      const next = new Float64Array(this.#values.length * 2);
      next.set(this.#values);
      this.#values = next;
    }
    this.#values[this.#count++] = value;
  }

  percentiles(): Percentiles {
    const sorted = this.#values.slice(0, this.#count).sort();
    const at = (p: number): number =>
      this.#count === 0
        ? 0
        : round((sorted[Math.min(this.#count - 1, Math.floor(p * this.#count))] as number) ?? 0);
    return {
      samples: this.#count,
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      max: this.#count === 0 ? 0 : round(sorted[this.#count - 1] as number),
    };
  }
}

const round = (value: number): number => Math.round(value * 100) / 100;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One listener: its view (sender -> latest sequence number seen) and its sync loop. */
class Listener {
  readonly view = new Map<string, number>();
  since: string | undefined;
  syncs = 0;
  errors = 0;
  /** Set when the server is gone (connection refused after shutdown). */
  gone = false;

  readonly userId: string;
  readonly token: string;
  readonly sees: (sender: string) => boolean;

  constructor(userId: string, token: string, sees: (sender: string) => boolean) {
    this.userId = userId;
    this.token = token;
    this.sees = sees;
  }

  /** Applies a sync answer; records the latency of every update it newly covers. */
  apply(
    body: SyncBody,
    sentAt: ReadonlyMap<string, number[]>,
    latencies: Samples,
    perSecond?: Map<number, Samples>,
    origin?: number,
  ): void {
    const now = performance.now();
    for (const event of body.presence.events) {
      const seq = Number(/^s(\d+)$/.exec(event.content.status_msg ?? '')?.[1] ?? Number.NaN);
      if (!Number.isFinite(seq)) continue;
      const before = this.view.get(event.sender) ?? -1;
      if (seq <= before) continue;
      this.view.set(event.sender, seq);
      const times = sentAt.get(event.sender);
      if (times === undefined) continue;
      for (let s = before + 1; s <= seq; s++) {
        const t = times[s];
        if (t === undefined || t < (origin ?? 0)) continue;
        latencies.add(now - t);
        if (perSecond !== undefined && origin !== undefined) {
          const second = Math.floor((t - origin) / 1000);
          let bucket = perSecond.get(second);
          if (bucket === undefined) {
            bucket = new Samples();
            perSecond.set(second, bucket);
          }
          bucket.add(now - t);
        }
      }
    }
    this.since = body.next_batch;
  }
}

/** Runs the scenario; see the module documentation. */
export async function runPresenceLoad(options: PresenceLoadOptions): Promise<PresenceLoadResult> {
  const progress = options.progress ?? (() => {});
  const server: ServerProcess = await startServerProcess(loadConfigYaml(options), {
    profileDir: options.profileDir,
    nodeFlags: options.nodeFlags,
    env: { PRESENCE_ROUTER_HOT_ROUTES: options.http === 'hono' ? 'off' : 'on' },
  });
  const client = new LoadClient(server.url);
  const latencies = new Samples();
  /** Latency samples by the second (of the run) their PUT was sent in. */
  const perSecond = new Map<number, Samples>();
  let origin = Number.POSITIVE_INFINITY;
  /** Per sender: send time (performance.now) of each sequence number. */
  const sentAt = new Map<string, number[]>();
  const lastAcked = new Map<string, number>();
  const senders = Array.from({ length: options.senders }, (_, j) => senderId(j));
  for (const sender of senders) sentAt.set(sender, []);
  const roomOfSender = new Map(senders.map((s, j) => [s, j % options.rooms]));
  const listeners: Listener[] = [
    new Listener(AUDITOR, 'token-auditor', () => true),
    ...Array.from({ length: options.listeners }, (_, i) => {
      const room = i % options.rooms;
      return new Listener(listenerId(i), `token-l${i}`, (s) => roomOfSender.get(s) === room);
    }),
  ];
  let peakRss = server.rssBytes();
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, server.rssBytes());
  }, 250);
  const pollTimeoutMs = options.pollTimeoutMs ?? 30_000;
  let stopPolling = false;
  let serverGone = false;
  void server.exited.then(() => {
    serverGone = true;
  });

  try {
    progress(`server at ${server.url}; ${listeners.length} listeners start syncing`);
    await Promise.all(
      listeners.map(async (listener) => {
        listener.apply(await client.sync(listener.token), sentAt, latencies);
      }),
    );
    const polls = listeners.map(async (listener) => {
      while (!stopPolling) {
        try {
          const body = await client.sync(listener.token, {
            since: listener.since,
            timeoutMs: pollTimeoutMs,
          });
          listener.syncs++;
          listener.apply(body, sentAt, latencies, perSecond, origin);
        } catch {
          listener.errors++;
          if (serverGone) {
            listener.gone = true;
            return;
          }
          await sleep(50);
        }
      }
    });

    // Open-loop senders.
    const inFlight = new Set<string>();
    const refused: Record<string, number> = {};
    let sent = 0;
    let acknowledged = 0;
    let networkErrors = 0;
    let skipped = 0;
    const pending: Promise<void>[] = [];
    const seq = new Map<string, number>(senders.map((s) => [s, -1]));
    const warmupMs = (options.warmupSeconds ?? 5) * 1000;
    const firstDue = performance.now();
    const started = firstDue + warmupMs;
    origin = started;
    /** Counters when the warm-up ended: the figures are differences from these. */
    let atStart: { sent: number; acknowledged: number; syncs: number } | undefined;
    let serverCpuStart = server.cpuSeconds();
    let clientCpuStart = process.cpuUsage();
    const syncCount = (): number => listeners.reduce((sum, l) => sum + l.syncs, 0);
    const total = Math.round(options.rate * (options.seconds + warmupMs / 1000));
    let sigtermSent = false;
    let shutdownMs: number | undefined;
    let next = 0;
    for (let n = 0; n < total; n++) {
      const due = firstDue + (n * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      if (atStart === undefined && performance.now() >= started) {
        atStart = { sent, acknowledged, syncs: syncCount() };
        serverCpuStart = server.cpuSeconds();
        clientCpuStart = process.cpuUsage();
      }
      if (
        options.sigtermAtSeconds !== undefined &&
        !sigtermSent &&
        performance.now() - started >= options.sigtermAtSeconds * 1000
      ) {
        sigtermSent = true;
        progress('SIGTERM sent to the server');
        const signalled = performance.now();
        void server.stop('SIGTERM').then(() => {
          shutdownMs = Math.round(performance.now() - signalled);
        });
      }
      if (serverGone) break;
      let sender: string | undefined;
      for (let tries = 0; tries < senders.length; tries++) {
        const candidate = senders[next++ % senders.length] as string;
        if (!inFlight.has(candidate)) {
          sender = candidate;
          break;
        }
      }
      if (sender === undefined) {
        skipped++;
        continue;
      }
      const s = (seq.get(sender) as number) + 1;
      seq.set(sender, s);
      (sentAt.get(sender) as number[])[s] = performance.now();
      inFlight.add(sender);
      sent++;
      const j = Number(sender.slice(2, sender.indexOf(':')));
      pending.push(
        client
          .putPresence(sender, `token-s${j}`, 'online', `s${s}`)
          .then(
            (status) => {
              if (status === 200) {
                acknowledged++;
                lastAcked.set(sender, s);
              } else refused[status] = (refused[status] ?? 0) + 1;
            },
            () => {
              networkErrors++;
            },
          )
          .finally(() => inFlight.delete(sender)),
      );
      if (n > 0 && n % Math.max(1, Math.round(options.rate * 5)) === 0) {
        progress(`${Math.round((performance.now() - started) / 1000)} s: ${sent} PUTs sent`);
      }
    }
    await Promise.all(pending);
    const elapsed = (performance.now() - started) / 1000;
    const base = atStart ?? { sent: 0, acknowledged: 0, syncs: 0 };
    const measuredSyncs = syncCount() - base.syncs;
    const clientCpu = process.cpuUsage(clientCpuStart);
    // (A server that has exited reads 0: its share is unknown then.)
    const cpu = {
      server: serverGone ? Number.NaN : round((server.cpuSeconds() - serverCpuStart) / elapsed),
      client: round((clientCpu.user + clientCpu.system) / 1e6 / elapsed),
    };
    progress(`senders done: ${acknowledged}/${sent} acknowledged in ${elapsed.toFixed(1)} s`);

    if (options.sigtermAtSeconds !== undefined) {
      // Listeners poll until the server is gone; their views are final then.
      await Promise.race([Promise.all(polls), sleep(60_000)]);
    } else {
      // Let deliveries settle, then one last sync per listener (long-polls still waiting
      // are left to the socket teardown below).
      await sleep(2000);
      stopPolling = true;
      await Promise.all(
        listeners.map(async (listener) => {
          listener.apply(
            await client.sync(listener.token, { since: listener.since }),
            sentAt,
            latencies,
          );
        }),
      );
    }
    stopPolling = true;

    let viewsChecked = 0;
    let staleViews = 0;
    const staleExamples: string[] = [];
    for (const listener of listeners) {
      for (const sender of senders) {
        if (!listener.sees(sender)) continue;
        const acked = lastAcked.get(sender);
        if (acked === undefined) continue;
        viewsChecked++;
        const seen = listener.view.get(sender) ?? -1;
        if (seen < acked) {
          staleViews++;
          if (staleExamples.length < 5)
            staleExamples.push(
              `${listener.userId} has ${sender} at s${seen}, acknowledged s${acked}`,
            );
        }
      }
    }
    return {
      setup: {
        listeners: listeners.length,
        rooms: options.rooms,
        senders: options.senders,
        rate: options.rate,
        seconds: options.seconds,
        sigtermAtSeconds: options.sigtermAtSeconds,
        warmupSeconds: warmupMs / 1000,
        http: options.http ?? 'fast',
      },
      puts: {
        sent,
        acknowledged,
        refused,
        networkErrors,
        skipped,
        acknowledgedPerSecond: Math.round((acknowledged - base.acknowledged) / elapsed),
      },
      deliveryMs: latencies.percentiles(),
      p99BySecond: [...perSecond.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([, bucket]) => bucket.percentiles().p99),
      syncRequestsPerSecond: Math.round(measuredSyncs / elapsed),
      syncErrors: listeners.reduce((sum, l) => sum + l.errors, 0),
      viewsChecked,
      staleViews,
      staleExamples,
      serverPeakRssMiB: Math.round(peakRss / 2 ** 20),
      cpu,
      serverExitCode: serverGone ? await server.exited : undefined,
      shutdownMs,
    };
  } finally {
    stopPolling = true;
    clearInterval(rssTimer);
    client.close();
    if (!serverGone) await server.stop('SIGTERM');
    options.onServerOutput?.(server.output());
  }
}
