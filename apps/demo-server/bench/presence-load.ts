/**
 * A loss-checking load run of the presence server: `listeners` users long-poll `/sync` in
 * `rooms` rooms (plus an auditor who receives everyone through the example router), while
 * `senders` room members `PUT` their presence open-loop at `rate` per second for `seconds`
 * (after `warmupSeconds` of the same traffic). Each PUT carries a sequence number in
 * `status_msg`. The listeners run in `listenerThreads` worker threads, so the load client is
 * not held to one core.
 *
 * Measured: PUTs acknowledged per second; delivery latency (PUT sent -> a listener has that
 * update or a newer one of the same sender) percentiles, overall and per second; `/sync`
 * requests per second; CPU of server and client; the server's peak RSS and coalescing
 * window. Checked: every listener's final view of every sender it should see holds the last
 * acknowledged (200) update of that sender or a newer one — a view behind is "stale", a lost
 * acknowledged update.
 *
 * With `sigtermAtSeconds`, the server gets SIGTERM mid-traffic: PUTs answered 200 until then
 * must still reach every listener before the server is gone.
 *
 * @example
 * ```ts
 * const result = await runPresenceLoad({ listeners: 500, rooms: 10, senders: 100, rate: 300, seconds: 30 });
 * result.staleViews; // 0
 * ```
 * @module
 */
import { type Percentiles, round } from './latency-samples.ts';
import { ListenerPool } from './listener-pool.ts';
import { LoadClient } from './load-client.ts';
import { listenerUsers, loadConfigYaml, sees, senderId, senderToken } from './load-scenario.ts';
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
  /** Worker threads the listeners run in (default 2). */
  readonly listenerThreads?: number;
  /** Long-poll timeout of the listeners (ms). */
  readonly pollTimeoutMs?: number;
  /** Send SIGTERM to the server this many seconds into the measured part. */
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

export type { Percentiles };

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
    readonly listenerThreads: number;
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
  /** p99 of the updates sent in each second of the measured part. */
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
  /** The server's coalescing window, read once a second (ms). */
  readonly syncWindowMs: readonly number[];
  /** CPU used during the measured part, as a share of one core (server NaN once it exited). */
  readonly cpu: { readonly server: number; readonly client: number };
  readonly serverExitCode: number | null | undefined;
  /** From SIGTERM to the server's exit (ms), when a SIGTERM was sent. */
  readonly shutdownMs: number | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the scenario; see the module documentation. */
export async function runPresenceLoad(options: PresenceLoadOptions): Promise<PresenceLoadResult> {
  const progress = options.progress ?? (() => {});
  const warmupMs = (options.warmupSeconds ?? 5) * 1000;
  const total = Math.round(options.rate * (options.seconds + warmupMs / 1000));
  const server: ServerProcess = await startServerProcess(loadConfigYaml(options), {
    profileDir: options.profileDir,
    nodeFlags: options.nodeFlags,
    env: { PRESENCE_ROUTER_HOT_ROUTES: options.http === 'hono' ? 'off' : 'on' },
  });
  const client = new LoadClient(server.url);
  const users = listenerUsers(options);
  const listenerThreads = options.listenerThreads ?? 2;
  let serverGone = false;
  const watchers: ReturnType<typeof setInterval>[] = [];
  let pool: ListenerPool | undefined;
  try {
    progress(`server at ${server.url}; ${users.length} listeners start syncing`);
    pool = await ListenerPool.start({
      url: server.url,
      users,
      threads: listenerThreads,
      pollTimeoutMs: options.pollTimeoutMs ?? 30_000,
      senders: options.senders,
      capacity: Math.ceil(total / options.senders) * 2 + 16,
    });
    const listening = pool;
    void server.exited.then(() => {
      serverGone = true;
      listening.serverGone();
    });
    let peakRss = server.rssBytes();
    watchers.push(
      setInterval(() => {
        peakRss = Math.max(peakRss, server.rssBytes());
      }, 250),
    );
    const windows: number[] = [];
    watchers.push(
      setInterval(() => {
        client.request('GET', '/metrics', '').then(
          (reply) => {
            const value = /^presence_router_sync_window_seconds (\S+)$/m.exec(reply.text)?.[1];
            if (value !== undefined) windows.push(Math.round(Number(value) * 1000));
          },
          () => {},
        );
      }, 1000),
    );

    // Open-loop senders.
    const inFlight = new Set<number>();
    const refused: Record<string, number> = {};
    const lastAcked = new Map<number, number>();
    const seq = new Int32Array(options.senders).fill(-1);
    let sent = 0;
    let acknowledged = 0;
    let networkErrors = 0;
    let skipped = 0;
    const pending: Promise<void>[] = [];
    const firstDue = performance.now();
    const started = firstDue + warmupMs;
    let atStart: { acknowledged: number } | undefined;
    let serverCpuStart = server.cpuSeconds();
    let clientCpuStart = process.cpuUsage();
    let sigtermSent = false;
    let shutdownMs: number | undefined;
    let next = 0;
    for (let n = 0; n < total; n++) {
      const due = firstDue + (n * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      if (atStart === undefined && performance.now() >= started) {
        atStart = { acknowledged };
        serverCpuStart = server.cpuSeconds();
        clientCpuStart = process.cpuUsage();
        pool.measureFrom(performance.timeOrigin + performance.now());
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
      let sender = -1;
      for (let tries = 0; tries < options.senders; tries++) {
        const candidate = next++ % options.senders;
        if (!inFlight.has(candidate)) {
          sender = candidate;
          break;
        }
      }
      if (sender < 0) {
        skipped++;
        continue;
      }
      const s = (seq[sender] as number) + 1;
      seq[sender] = s;
      pool.recordSend(sender, s);
      inFlight.add(sender);
      sent++;
      const j = sender;
      pending.push(
        client
          .putPresence(senderId(j), senderToken(j), 'online', `s${s}`)
          .then(
            (status) => {
              if (status === 200) {
                acknowledged++;
                lastAcked.set(j, s);
              } else refused[status] = (refused[status] ?? 0) + 1;
            },
            () => {
              networkErrors++;
            },
          )
          .finally(() => inFlight.delete(j)),
      );
      if (n > 0 && n % Math.max(1, Math.round(options.rate * 5)) === 0) {
        progress(`${Math.round((performance.now() - firstDue) / 1000)} s: ${sent} PUTs sent`);
      }
    }
    await Promise.all(pending);
    const elapsed = (performance.now() - started) / 1000;
    const clientCpu = process.cpuUsage(clientCpuStart);
    // (A server that has exited reads 0: its share is unknown then.)
    const cpu = {
      server: serverGone ? Number.NaN : round((server.cpuSeconds() - serverCpuStart) / elapsed),
      client: round((clientCpu.user + clientCpu.system) / 1e6 / elapsed),
    };
    progress(`senders done: ${acknowledged}/${sent} acknowledged in ${elapsed.toFixed(1)} s`);

    let result: Awaited<ReturnType<ListenerPool['finish']>>;
    let syncSeconds = elapsed;
    if (options.sigtermAtSeconds !== undefined) {
      // Listeners poll until the server is gone; their views are final then.
      await Promise.race([server.exited, sleep(60_000)]);
      result = await pool.finish(false);
    } else {
      // Let deliveries settle, then one last sync per listener.
      await sleep(2000);
      syncSeconds = (performance.now() - started) / 1000;
      result = await pool.finish(true);
    }
    pool = undefined;

    let viewsChecked = 0;
    let staleViews = 0;
    const staleExamples: string[] = [];
    users.forEach((user, u) => {
      for (let j = 0; j < options.senders; j++) {
        if (!sees(user, j, options.rooms)) continue;
        const acked = lastAcked.get(j);
        if (acked === undefined) continue;
        viewsChecked++;
        const seen = result.views[u]?.get(j) ?? -1;
        if (seen < acked) {
          staleViews++;
          if (staleExamples.length < 5) {
            staleExamples.push(
              `${user.userId} has ${senderId(j)} at s${seen}, acknowledged s${acked}`,
            );
          }
        }
      }
    });
    const base = atStart ?? { acknowledged: 0 };
    return {
      setup: {
        listeners: users.length,
        rooms: options.rooms,
        senders: options.senders,
        rate: options.rate,
        seconds: options.seconds,
        sigtermAtSeconds: options.sigtermAtSeconds,
        warmupSeconds: warmupMs / 1000,
        listenerThreads,
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
      deliveryMs: result.samples.percentiles(),
      p99BySecond: [...result.bySecond.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([, bucket]) => bucket.percentiles().p99),
      syncRequestsPerSecond: Math.round(result.syncs / syncSeconds),
      syncErrors: result.errors,
      viewsChecked,
      staleViews,
      staleExamples,
      serverPeakRssMiB: Math.round(peakRss / 2 ** 20),
      syncWindowMs: windows,
      cpu,
      serverExitCode: serverGone ? await server.exited : undefined,
      shutdownMs,
    };
  } finally {
    for (const watcher of watchers) clearInterval(watcher);
    client.close();
    if (pool !== undefined) await pool.finish(true).catch(() => undefined);
    if (!serverGone) await server.stop('SIGTERM');
    options.onServerOutput?.(server.output());
  }
}
