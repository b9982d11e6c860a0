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
 * With `instances` > 1 (the store is then Redis: a fresh key prefix on 127.0.0.1:6379 per run,
 * a `redis:` block appended to the YAML), each instance is a child process on its own port.
 * The listeners are spread over the instances round-robin, each keeping to its own; the
 * senders spread their PUTs over the live instances round-robin. With `killAtSeconds`,
 * instance `killInstance` is SIGKILLed mid-traffic: its listeners move to the next live
 * instance with their since tokens (the scale-out promise: nothing lost, nothing repeated),
 * and the loss check still asks for every PUT answered 200 (before or after the kill; a PUT
 * that got no answer may or may not have been stored). `takeover` says how long they took.
 *
 * @example
 * ```ts
 * const result = await runPresenceLoad({ listeners: 500, rooms: 10, senders: 100, rate: 300, seconds: 30 });
 * result.staleViews; // 0
 * ```
 * @module
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type Percentiles, round, Samples } from './latency-samples.ts';
import { ListenerPool } from './listener-pool.ts';
import { LoadClient } from './load-client.ts';
import { listenerUsers, loadConfigYaml, sees, senderId, senderToken } from './load-scenario.ts';
import {
  cpuOf,
  machineBusySeconds,
  type ServerProcess,
  startServerProcess,
} from './server-process.ts';

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
  /** Server instances, each its own child process on its own port (default 1). */
  readonly instances?: number;
  /** Where presence lives (default: `redis` with more than one instance, else `memory`). */
  readonly store?: 'memory' | 'redis';
  /** The Redis of the `redis` store (default 127.0.0.1:6379). */
  readonly redis?: { readonly host: string; readonly port: number };
  /** SIGKILL instance `killInstance` this many seconds into the measured part. */
  readonly killAtSeconds?: number;
  /** The instance to kill (default the last). */
  readonly killInstance?: number;
  /** Leave the run's Redis keys in place (they are deleted unless a view was stale). */
  readonly keepRedisKeys?: boolean;
}

/** How the listeners of a SIGKILLed instance moved to the others. */
export interface TakeoverResult {
  readonly instance: number;
  /** Seconds into the measured part. */
  readonly atSeconds: number;
  /** Listeners on that instance when it was killed. */
  readonly listeners: number;
  /** Of them, those that got an answer from another instance afterwards. */
  readonly moved: number;
  /** From the SIGKILL to their first sync failure there (ms). */
  readonly detectMs: { readonly p50: number; readonly max: number };
  /** From the SIGKILL to their first answer from another instance (ms). */
  readonly answeredMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /**
   * Of those first answers: how long their request took (ms), and how many held no presence
   * (a long-poll that ran to its timeout answers empty).
   */
  readonly firstAnswer: {
    readonly requestMsP50: number;
    readonly requestMsMax: number;
    readonly empty: number;
  };
  /** The killed instance's exit code (null: by signal). */
  readonly exitCode: number | null | undefined;
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
    readonly instances: number;
    readonly store: 'memory' | 'redis';
    /** The Redis key prefix of the run (`redis` store). */
    readonly keyPrefix: string | undefined;
    readonly killAtSeconds: number | undefined;
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
    /** Sent after the SIGKILL of an instance, and how they went. */
    readonly afterKill:
      | { readonly sent: number; readonly acknowledged: number; readonly networkErrors: number }
      | undefined;
  };
  readonly deliveryMs: Percentiles;
  /** p99 of the updates sent in each second of the measured part. */
  readonly p99BySecond: readonly number[];
  readonly syncRequestsPerSecond: number;
  readonly syncErrors: number;
  /** Syncs answered with a status other than 200 (by status): a server's error, not a gone one. */
  readonly syncErrorStatuses: Readonly<Record<string, number>>;
  /** A few of those answers, for diagnosis. */
  readonly syncErrorExamples: readonly string[];
  /** (listener, sender) pairs checked at the end. */
  readonly viewsChecked: number;
  /** Pairs whose final view is behind the sender's last acknowledged update. */
  readonly staleViews: number;
  /** A few stale pairs, for diagnosis. */
  readonly staleExamples: readonly string[];
  /** Peak of the instances' RSS together. */
  readonly serverPeakRssMiB: number;
  /** The server's coalescing window, read once a second (ms). */
  readonly syncWindowMs: readonly number[];
  /**
   * CPU used during the measured part, as a share of one core (server NaN once it exited;
   * every instance together): the server, the load client (this process and its listener
   * threads), Redis (`redis` store: the `redis-server` process), and the whole machine —
   * what the machine used beyond those three is other processes'.
   */
  readonly cpu: {
    readonly server: number;
    readonly client: number;
    readonly redis?: number;
    readonly machine?: number;
  };
  readonly serverExitCode: number | null | undefined;
  /** From SIGTERM to the server's exit (ms), when a SIGTERM was sent. */
  readonly shutdownMs: number | undefined;
  /** Per instance: its exit code, after the final SIGTERM (or the kill, or the SIGTERM run). */
  readonly exitCodes: readonly (number | null)[];
  /** When an instance was SIGKILLed. */
  readonly takeover: TakeoverResult | undefined;
}

/** The default Redis of the `redis` store. */
export const LOAD_REDIS = { host: '127.0.0.1', port: 6379 } as const;

/** A fresh key prefix for one run. */
export const loadKeyPrefix = (): string => `load-${randomBytes(6).toString('hex')}`;

/** Deletes every key under `keyPrefix` (best effort, through `redis-cli`). */
export function deleteRedisKeys(
  keyPrefix: string,
  redis: { readonly host: string; readonly port: number } = LOAD_REDIS,
): number {
  const base = ['-h', redis.host, '-p', String(redis.port)];
  const scan = spawnSync('redis-cli', [...base, '--scan', '--pattern', `${keyPrefix}:*`], {
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  });
  const keys = (scan.stdout ?? '').split('\n').filter(Boolean);
  for (let k = 0; k < keys.length; k += 500) {
    spawnSync('redis-cli', [...base, 'DEL', ...keys.slice(k, k + 500)], { encoding: 'utf8' });
  }
  return keys.length;
}

/** The process ID of the Redis at `redis` (from `INFO server`), when it answers. */
function redisProcessId(redis: {
  readonly host: string;
  readonly port: number;
}): number | undefined {
  const info = spawnSync(
    'redis-cli',
    ['-h', redis.host, '-p', String(redis.port), 'info', 'server'],
    { encoding: 'utf8', timeout: 5000 },
  );
  const pid = /^process_id:(\d+)/m.exec(info.stdout ?? '')?.[1];
  return pid === undefined ? undefined : Number(pid);
}

/** The YAML of instance `index`: the shared configuration, its name, the shared store. */
function instanceYaml(
  yaml: string,
  index: number,
  redis: { host: string; port: number } | undefined,
  keyPrefix: string | undefined,
): string {
  if (redis === undefined || keyPrefix === undefined) return yaml;
  return `${yaml.trimEnd()}
instance_name: load-${index}
redis:
  enabled: true
  host: ${redis.host}
  port: ${redis.port}
  key_prefix: ${keyPrefix}
`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the scenario; see the module documentation. */
export async function runPresenceLoad(options: PresenceLoadOptions): Promise<PresenceLoadResult> {
  const progress = options.progress ?? (() => {});
  const warmupMs = (options.warmupSeconds ?? 5) * 1000;
  const total = Math.round(options.rate * (options.seconds + warmupMs / 1000));
  const instanceCount = Math.max(1, Math.floor(options.instances ?? 1));
  const store = options.store ?? (instanceCount > 1 ? 'redis' : 'memory');
  if (instanceCount > 1 && store !== 'redis') {
    throw new Error('several instances share one presence space only on the redis store');
  }
  const redis = store === 'redis' ? (options.redis ?? LOAD_REDIS) : undefined;
  const keyPrefix = redis === undefined ? undefined : loadKeyPrefix();
  const killInstance = options.killInstance ?? instanceCount - 1;
  if (options.killAtSeconds !== undefined && (killInstance < 0 || killInstance >= instanceCount)) {
    throw new Error(`no instance ${killInstance} to kill (of ${instanceCount})`);
  }
  const yaml = loadConfigYaml(options);
  const servers: ServerProcess[] = [];
  const startServer = (index: number): Promise<ServerProcess> =>
    startServerProcess(instanceYaml(yaml, index, redis, keyPrefix), {
      profileDir: options.profileDir,
      nodeFlags: options.nodeFlags,
      env: { PRESENCE_ROUTER_HOT_ROUTES: options.http === 'hono' ? 'off' : 'on' },
    });
  try {
    // One after another: each reads the shared store as it starts.
    for (let i = 0; i < instanceCount; i++) servers.push(await startServer(i));
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop('SIGTERM')));
    if (keyPrefix !== undefined && options.keepRedisKeys !== true)
      deleteRedisKeys(keyPrefix, redis);
    throw error;
  }
  const server = servers[0] as ServerProcess;
  const clients = servers.map((instance) => new LoadClient(instance.url));
  const users = listenerUsers(options);
  const listenerThreads = options.listenerThreads ?? 2;
  const live = servers.map(() => true);
  const exitCodes: (number | null)[] = servers.map(() => null);
  let serverGone = false;
  let staleViews = 0;
  const watchers: ReturnType<typeof setInterval>[] = [];
  let pool: ListenerPool | undefined;
  try {
    progress(
      `${instanceCount === 1 ? `server at ${server.url}` : `${instanceCount} instances at ${servers.map((instance) => instance.url).join(', ')}`}${keyPrefix === undefined ? '' : ` (Redis ${redis?.host}:${redis?.port}, key prefix ${keyPrefix})`}; ${users.length} listeners start syncing`,
    );
    pool = await ListenerPool.start({
      url: instanceCount === 1 ? server.url : servers.map((instance) => instance.url),
      users,
      threads: listenerThreads,
      pollTimeoutMs: options.pollTimeoutMs ?? 30_000,
      senders: options.senders,
      capacity: Math.ceil(total / options.senders) * 2 + 16,
    });
    const listening = pool;
    servers.forEach((instance, i) => {
      void instance.exited.then((code) => {
        live[i] = false;
        exitCodes[i] = code;
        if (pool === undefined) return; // the run is over
        if (live.every((alive) => !alive)) {
          serverGone = true;
          listening.serverGone();
        } else listening.instanceGone(i);
      });
    });
    // CPU seconds per instance, kept once it has exited (it then reads 0).
    const cpuSeen = servers.map((instance) => instance.cpuSeconds());
    const serverCpuSeconds = (): number => {
      servers.forEach((instance, i) => {
        if (live[i]) cpuSeen[i] = Math.max(cpuSeen[i] as number, instance.cpuSeconds());
      });
      return cpuSeen.reduce((sum, value) => sum + value, 0);
    };
    const rssNow = (): number => servers.reduce((sum, instance) => sum + instance.rssBytes(), 0);
    let peakRss = rssNow();
    watchers.push(
      setInterval(() => {
        peakRss = Math.max(peakRss, rssNow());
        if (instanceCount > 1) serverCpuSeconds();
      }, 250),
    );
    const windows: number[] = [];
    watchers.push(
      setInterval(() => {
        const first = live.indexOf(true);
        if (first < 0) return;
        (clients[first] as LoadClient).request('GET', '/metrics', '').then(
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
    let serverCpuStart = instanceCount === 1 ? server.cpuSeconds() : serverCpuSeconds();
    let clientCpuStart = process.cpuUsage();
    const redisPid = redis === undefined ? undefined : redisProcessId(redis);
    let redisCpuStart = redisPid === undefined ? 0 : cpuOf(redisPid);
    let machineCpuStart = machineBusySeconds();
    let sigtermSent = false;
    let shutdownMs: number | undefined;
    let killedAtEpoch: number | undefined;
    let killExit: Promise<number | null> | undefined;
    const afterKill = { sent: 0, acknowledged: 0, networkErrors: 0 };
    let next = 0;
    let nextInstance = 0;
    for (let n = 0; n < total; n++) {
      const due = firstDue + (n * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      if (atStart === undefined && performance.now() >= started) {
        atStart = { acknowledged };
        serverCpuStart = instanceCount === 1 ? server.cpuSeconds() : serverCpuSeconds();
        clientCpuStart = process.cpuUsage();
        if (redisPid !== undefined) redisCpuStart = cpuOf(redisPid);
        machineCpuStart = machineBusySeconds();
        pool.measureFrom(performance.timeOrigin + performance.now());
      }
      if (
        options.sigtermAtSeconds !== undefined &&
        !sigtermSent &&
        performance.now() - started >= options.sigtermAtSeconds * 1000
      ) {
        sigtermSent = true;
        progress(
          `SIGTERM sent to the server${instanceCount === 1 ? '' : ` (all ${instanceCount} instances)`}`,
        );
        const signalled = performance.now();
        void Promise.all(servers.map((instance) => instance.stop('SIGTERM'))).then(() => {
          shutdownMs = Math.round(performance.now() - signalled);
        });
      }
      if (
        options.killAtSeconds !== undefined &&
        killedAtEpoch === undefined &&
        performance.now() - started >= options.killAtSeconds * 1000
      ) {
        killedAtEpoch = performance.timeOrigin + performance.now();
        progress(`SIGKILL sent to instance ${killInstance} (${servers[killInstance]?.url})`);
        killExit = (servers[killInstance] as ServerProcess).kill();
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
      // The next live instance, round-robin.
      let target = 0;
      if (instanceCount > 1) {
        for (let tries = 0; tries < instanceCount; tries++) {
          target = nextInstance++ % instanceCount;
          if (live[target]) break;
        }
      }
      const s = (seq[sender] as number) + 1;
      seq[sender] = s;
      pool.recordSend(sender, s);
      inFlight.add(sender);
      sent++;
      const j = sender;
      const afterTheKill = killedAtEpoch !== undefined;
      if (afterTheKill) afterKill.sent++;
      pending.push(
        (clients[target] as LoadClient)
          .putPresence(senderId(j), senderToken(j), 'online', `s${s}`)
          .then(
            (status) => {
              if (status === 200) {
                acknowledged++;
                if (afterTheKill) afterKill.acknowledged++;
                lastAcked.set(j, s);
              } else refused[status] = (refused[status] ?? 0) + 1;
            },
            () => {
              networkErrors++;
              if (afterTheKill) afterKill.networkErrors++;
            },
          )
          .finally(() => inFlight.delete(j)),
      );
      if (n > 0 && n % Math.max(1, Math.round(options.rate * 5)) === 0) {
        progress(
          `${Math.round((performance.now() - firstDue) / 1000)} s: ${sent} PUTs sent, ${acknowledged} acknowledged`,
        );
      }
    }
    await Promise.all(pending);
    const elapsed = (performance.now() - started) / 1000;
    const clientCpu = process.cpuUsage(clientCpuStart);
    // (A server that has exited reads 0: its share is unknown then.)
    const cpu = {
      server: serverGone
        ? Number.NaN
        : round(
            ((instanceCount === 1 ? server.cpuSeconds() : serverCpuSeconds()) - serverCpuStart) /
              elapsed,
          ),
      client: round((clientCpu.user + clientCpu.system) / 1e6 / elapsed),
      ...(redisPid === undefined
        ? {}
        : { redis: round((cpuOf(redisPid) - redisCpuStart) / elapsed) }),
      machine: round((machineBusySeconds() - machineCpuStart) / elapsed),
    };
    progress(`senders done: ${acknowledged}/${sent} acknowledged in ${elapsed.toFixed(1)} s`);

    let result: Awaited<ReturnType<ListenerPool['finish']>>;
    let syncSeconds = elapsed;
    if (options.sigtermAtSeconds !== undefined) {
      // Listeners poll until the server is gone; their views are final then.
      await Promise.race([Promise.all(servers.map((instance) => instance.exited)), sleep(60_000)]);
      result = await pool.finish(false);
    } else {
      // Let deliveries settle, then one last sync per listener.
      await sleep(2000);
      syncSeconds = (performance.now() - started) / 1000;
      result = await pool.finish(true);
    }
    pool = undefined;

    let viewsChecked = 0;
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
              `${user.userId}${instanceCount === 1 ? '' : ` (on instance ${result.finalInstances[u]})`} has ${senderId(j)} at s${seen}, acknowledged s${acked}`,
            );
          }
        }
      }
    });

    let takeover: TakeoverResult | undefined;
    if (killedAtEpoch !== undefined) {
      const killedAt = killedAtEpoch;
      const onKilled = result.startInstances.filter((instance) => instance === killInstance).length;
      const first = new Map<number, (typeof result.takeovers)[number]>();
      for (const move of result.takeovers) {
        if (move.from !== killInstance || move.answeredAt < killedAt) continue;
        const earlier = first.get(move.user);
        if (earlier === undefined || move.answeredAt < earlier.answeredAt)
          first.set(move.user, move);
      }
      const detect = new Samples();
      const answered = new Samples();
      const requests = new Samples();
      let empty = 0;
      for (const move of first.values()) {
        detect.add(Math.max(0, move.failedAt - killedAt));
        answered.add(move.answeredAt - killedAt);
        requests.add(move.requestMs);
        if (move.events === 0) empty++;
      }
      const q = requests.percentiles();
      const d = detect.percentiles();
      const a = answered.percentiles();
      takeover = {
        instance: killInstance,
        atSeconds: options.killAtSeconds as number,
        listeners: onKilled,
        moved: first.size,
        detectMs: { p50: d.p50, max: d.max },
        answeredMs: { p50: a.p50, p99: a.p99, max: a.max },
        firstAnswer: { requestMsP50: q.p50, requestMsMax: q.max, empty },
        exitCode: await killExit,
      };
    }
    const serverExitCode = serverGone ? await server.exited : undefined;
    // The final SIGTERM to every instance still running (its exit code is part of the result).
    await Promise.all(
      servers.map(async (instance, i) => {
        if (live[i]) exitCodes[i] = await instance.stop('SIGTERM');
        else exitCodes[i] = await instance.exited;
      }),
    );
    serverGone = true;
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
        instances: instanceCount,
        store,
        keyPrefix,
        killAtSeconds: options.killAtSeconds,
      },
      puts: {
        sent,
        acknowledged,
        refused,
        networkErrors,
        skipped,
        acknowledgedPerSecond: Math.round((acknowledged - base.acknowledged) / elapsed),
        afterKill: killedAtEpoch === undefined ? undefined : afterKill,
      },
      deliveryMs: result.samples.percentiles(),
      p99BySecond: [...result.bySecond.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([, bucket]) => bucket.percentiles().p99),
      syncRequestsPerSecond: Math.round(result.syncs / syncSeconds),
      syncErrors: result.errors,
      syncErrorStatuses: result.errorStatuses,
      syncErrorExamples: result.errorExamples,
      viewsChecked,
      staleViews,
      staleExamples,
      serverPeakRssMiB: Math.round(peakRss / 2 ** 20),
      syncWindowMs: windows,
      cpu,
      serverExitCode,
      shutdownMs,
      exitCodes,
      takeover,
    };
  } finally {
    for (const watcher of watchers) clearInterval(watcher);
    for (const each of clients) each.close();
    if (pool !== undefined) await pool.finish(true).catch(() => undefined);
    if (!serverGone) {
      await Promise.all(
        servers.map((instance, i) => (live[i] ? instance.stop('SIGTERM') : instance.exited)),
      );
    }
    if (instanceCount === 1) options.onServerOutput?.(server.output());
    else {
      options.onServerOutput?.(
        servers
          .map((instance, i) => `--- instance ${i} (${instance.url}) ---\n${instance.output()}`)
          .join('\n'),
      );
    }
    if (keyPrefix !== undefined) {
      if (options.keepRedisKeys === true || staleViews > 0) {
        progress(`Redis keys kept under ${keyPrefix}:*`);
      } else deleteRedisKeys(keyPrefix, redis);
    }
  }
}
