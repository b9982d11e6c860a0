/**
 * The server's load run (a script, not a test): loopback only, bounded in time and count; it
 * starts and stops its own server process. See `presence-load.ts` for what is measured and
 * checked. Presets (`--scenario`):
 * - `rooms-500`: 500 long-polling listeners in 10 rooms plus the auditor, 100 senders at
 *   300 PUT/s for 30 s;
 * - `rooms-1000`: the same with 1,000 listeners;
 * - `shutdown`: 200 listeners, 50 senders at 200 PUT/s, SIGTERM at 8 s;
 * - `redis-kill`: 3 instances on Redis, 1,000 listeners, 100 senders at 300 PUT/s for 20 s,
 *   instance 2 SIGKILLed at 8 s (takeover times and the loss check);
 * - `redis-5k`: 3 instances on Redis, 5,000 long-polling listeners in 10 rooms, 100 senders
 *   at 500 PUT/s for 60 s (p99 delivery and the loss check);
 * - `scale`: the same workload (2,000 listeners in 10 rooms, 100 senders at 300 PUT/s, 20 s
 *   after 5 s of warm-up) on 1 instance in memory, then on 1, 2 and 3 instances on Redis, and a
 *   table of them against the in-memory instance (`--instances-list 1,2,3` to change the
 *   Redis runs).
 * Every option overrides the preset: `--listeners --rooms --senders --rate --seconds
 * --sigterm-at --warmup <s> --threads <listener threads> --poll-timeout --batch-window <duration> --answer-budget <n> --http fast|hono --profile <dir> --json`,
 * and `--instances <n> --store memory|redis --kill-at <s> --kill-instance <i> --server-log <file>`
 * (the instances' stdout appended there after the run).
 * The Redis runs use the Redis on 127.0.0.1:6379, a fresh key prefix each (deleted after
 * the run unless a view was stale). Every process — the instances, Redis and the load
 * client — shares this machine's cores: the output says how many, and how much CPU each used.
 *
 * Run: `pnpm --filter @presence-router/demo-server bench -- --scenario rooms-500`.
 * @module
 */
import { appendFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import {
  type PresenceLoadOptions,
  type PresenceLoadResult,
  runPresenceLoad,
} from './presence-load.ts';

const PRESETS: Record<string, PresenceLoadOptions> = {
  'rooms-500': { listeners: 500, rooms: 10, senders: 100, rate: 300, seconds: 30 },
  'rooms-1000': { listeners: 1000, rooms: 10, senders: 100, rate: 300, seconds: 30 },
  shutdown: {
    listeners: 200,
    rooms: 10,
    senders: 50,
    rate: 200,
    seconds: 12,
    warmupSeconds: 0,
    sigtermAtSeconds: 8,
  },
  'redis-kill': {
    listeners: 1000,
    rooms: 10,
    senders: 100,
    rate: 300,
    seconds: 20,
    instances: 3,
    store: 'redis',
    killAtSeconds: 8,
    killInstance: 2,
  },
  'redis-5k': {
    listeners: 5000,
    rooms: 10,
    senders: 100,
    rate: 500,
    seconds: 60,
    instances: 3,
    store: 'redis',
  },
  scale: { listeners: 2000, rooms: 10, senders: 100, rate: 300, seconds: 20 },
};

// `pnpm ... bench -- --scenario x` passes the `--` on (pnpm 10 and later): skip it.
const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    scenario: { type: 'string', default: 'rooms-500' },
    listeners: { type: 'string' },
    rooms: { type: 'string' },
    senders: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    'sigterm-at': { type: 'string' },
    warmup: { type: 'string' },
    threads: { type: 'string' },
    'poll-timeout': { type: 'string' },
    profile: { type: 'string' },
    http: { type: 'string', default: 'fast' },
    'batch-window': { type: 'string' },
    'answer-budget': { type: 'string' },
    json: { type: 'boolean', default: false },
    instances: { type: 'string' },
    store: { type: 'string' },
    'kill-at': { type: 'string' },
    'kill-instance': { type: 'string' },
    'instances-list': { type: 'string', default: '1,2,3' },
    'server-log': { type: 'string' },
  },
});

const preset = PRESETS[values.scenario as string];
if (preset === undefined) {
  console.error(`unknown scenario ${values.scenario}; one of ${Object.keys(PRESETS).join(', ')}`);
  process.exit(2);
}
const bounded = (value: string | undefined, fallback: number, max: number): number =>
  value === undefined ? fallback : Math.min(max, Math.max(0, Number(value)));
const options: PresenceLoadOptions = {
  listeners: bounded(values.listeners, preset.listeners, 5000),
  rooms: Math.max(1, bounded(values.rooms, preset.rooms, 1000)),
  senders: Math.max(1, bounded(values.senders, preset.senders, 2000)),
  rate: Math.max(1, bounded(values.rate, preset.rate, 5000)),
  seconds: Math.max(1, bounded(values.seconds, preset.seconds, 120)),
  sigtermAtSeconds:
    values['sigterm-at'] === undefined ? preset.sigtermAtSeconds : Number(values['sigterm-at']),
  pollTimeoutMs: bounded(values['poll-timeout'], 30_000, 120_000),
  warmupSeconds: bounded(values.warmup, preset.warmupSeconds ?? 5, 60),
  listenerThreads: Math.max(1, bounded(values.threads, 2, 16)),
  profileDir: values.profile,
  http: values.http === 'hono' ? 'hono' : 'fast',
  extraYaml:
    values['batch-window'] === undefined
      ? undefined
      : `sync_batch_window: ${values['batch-window']}\n`,
  progress: (line) => console.error(`[load] ${line}`),
  ...(values['server-log'] === undefined
    ? {}
    : {
        onServerOutput: (output: string) => {
          appendFileSync(values['server-log'] as string, output);
        },
      }),
  instances: Math.max(1, bounded(values.instances, preset.instances ?? 1, 8)),
  store:
    values.store === 'redis' || values.store === 'memory'
      ? values.store
      : (preset.store ?? undefined),
  killAtSeconds: values['kill-at'] === undefined ? preset.killAtSeconds : Number(values['kill-at']),
  killInstance:
    values['kill-instance'] === undefined ? preset.killInstance : Number(values['kill-instance']),
};

const machine = `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; every instance, Redis and the load client share these ${cpus().length} cores`;
if (values.scenario === 'scale') {
  const counts = (values['instances-list'] as string)
    .split(',')
    .map((n) => Math.min(8, Math.max(1, Math.floor(Number(n)))))
    .filter((n) => Number.isFinite(n));
  const runs: { label: string; options: PresenceLoadOptions }[] = [
    { label: '1 in memory', options: { ...options, instances: 1, store: 'memory' } },
    ...counts.map((n) => ({
      label: `${n} on Redis`,
      options: { ...options, instances: n, store: 'redis' as const },
    })),
  ];
  console.error(`[scale] ${machine}`);
  const results: PresenceLoadResult[] = [];
  for (const [k, run] of runs.entries()) {
    console.error(`[scale] run ${k + 1} of ${runs.length}: ${run.label}`);
    const result = await runPresenceLoad({
      ...run.options,
      progress: (line) => console.error(`[scale ${run.label}] ${line}`),
    });
    results.push(result);
    console.error(
      `[scale ${run.label}] ${result.puts.acknowledgedPerSecond} PUT/s, p99 ${result.deliveryMs.p99} ms, ${result.staleViews} stale`,
    );
  }
  if (values.json) console.log(JSON.stringify(results, null, 2));
  else console.log(renderScale(results));
} else {
  const result = await runPresenceLoad(options);
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else console.log(render(result));
}

/** The scale table: every run against the first (the in-memory instance). */
function renderScale(results: readonly PresenceLoadResult[]): string {
  const base = results[0] as PresenceLoadResult;
  const ratio = (value: number, against: number): string =>
    against > 0 ? `${(value / against).toFixed(2)}x` : '-';
  const s = base.setup;
  const rows = results.map((r) => {
    const d = r.deliveryMs;
    const others = (r.cpu.machine ?? Number.NaN) - r.cpu.server - r.cpu.client - (r.cpu.redis ?? 0);
    return `| ${r.setup.instances} | ${r.setup.store} | ${r.puts.acknowledgedPerSecond} of ${r.setup.rate} | ${d.p50} | ${d.p99} | ${d.max} | ${r.syncRequestsPerSecond} | ${r.staleViews} of ${r.viewsChecked} | ${ratio(d.p99, base.deliveryMs.p99)} | ${ratio(r.puts.acknowledgedPerSecond, base.puts.acknowledgedPerSecond)} | ${r.cpu.server} / ${r.cpu.redis ?? '-'} / ${r.cpu.client} / ${Number.isFinite(others) ? others.toFixed(2) : '-'} | ${r.serverPeakRssMiB} MiB |`;
  });
  return [
    machine,
    `workload: ${s.listeners} long-polling listeners (in ${s.listenerThreads} client threads, spread over the instances) in ${s.rooms} rooms, ${s.senders} senders at ${s.rate} PUT/s open loop (spread over the instances) for ${s.seconds} s after ${s.warmupSeconds} s of warm-up; HTTP ${s.http}`,
    '',
    '| instances | store | PUT/s accepted | delivery p50 (ms) | p99 (ms) | max (ms) | /sync req/s | stale views | p99 vs 1 in memory | PUT/s vs 1 in memory | CPU cores: server / Redis / client / other processes | server RSS |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function render(r: PresenceLoadResult): string {
  const d = r.deliveryMs;
  const t = r.takeover;
  return [
    r.setup.instances === 1 && r.setup.store === 'memory'
      ? `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version} (load client on the same machine)`
      : `${machine}\nstore: ${r.setup.instances} instance(s) on Redis (key prefix ${r.setup.keyPrefix}); listeners and PUTs spread over them round-robin`,
    `setup: HTTP ${r.setup.http === 'fast' ? 'Node fast path for /sync and PUT' : 'all through Hono'}; ${r.setup.listeners} listeners (in ${r.setup.listenerThreads} client threads) in ${r.setup.rooms} rooms, ${r.setup.senders} senders at ${r.setup.rate} PUT/s for ${r.setup.seconds} s after ${r.setup.warmupSeconds} s of warm-up${r.setup.sigtermAtSeconds === undefined ? '' : `, SIGTERM at ${r.setup.sigtermAtSeconds} s`}`,
    `PUT: ${r.puts.sent} sent, ${r.puts.acknowledged} acknowledged (${r.puts.acknowledgedPerSecond}/s), refused ${JSON.stringify(r.puts.refused)}, network errors ${r.puts.networkErrors}, skipped ${r.puts.skipped}`,
    `delivery (PUT sent -> listener has it): p50 ${d.p50} ms, p90 ${d.p90} ms, p99 ${d.p99} ms, max ${d.max} ms (${d.samples} samples)`,
    `p99 by second of the run: ${r.p99BySecond.join(' ')}`,
    `coalescing window by second (ms): ${r.syncWindowMs.join(' ')}`,
    `/sync: ${r.syncRequestsPerSecond} requests/s, ${r.syncErrors} errors`,
    `loss check: ${r.staleViews} stale of ${r.viewsChecked} (listener, sender) views${r.staleExamples.length ? `; e.g. ${r.staleExamples.join('; ')}` : ''}`,
    `CPU (share of one core while sending): server ${r.cpu.server}, load client ${r.cpu.client}`,
    `server peak RSS: ${r.serverPeakRssMiB} MiB${r.serverExitCode === undefined ? '' : `; exit code ${r.serverExitCode}, ${r.shutdownMs} ms after SIGTERM`}`,
    ...(r.setup.instances === 1 && r.setup.store === 'memory'
      ? []
      : [
          `CPU (cores): Redis ${r.cpu.redis ?? '-'}, whole machine ${r.cpu.machine ?? '-'} (the rest: other processes); sync errors by status ${JSON.stringify(r.syncErrorStatuses)}`,
          `exit codes after the final SIGTERM: ${JSON.stringify(r.exitCodes)}`,
          ...r.syncErrorExamples.map((example) => `sync error: ${example}`),
        ]),
    ...(t === undefined
      ? []
      : [
          `SIGKILL of instance ${t.instance} at ${t.atSeconds} s (exit ${t.exitCode}): ${t.moved} of its ${t.listeners} listeners answered by another instance; failure seen after p50 ${t.detectMs.p50} ms (max ${t.detectMs.max}), next answer after p50 ${t.answeredMs.p50} ms, p99 ${t.answeredMs.p99} ms, max ${t.answeredMs.max} ms (that request took p50 ${t.firstAnswer.requestMsP50} ms, max ${t.firstAnswer.requestMsMax} ms; ${t.firstAnswer.empty} answered empty)`,
          `PUTs after the kill: ${r.puts.afterKill?.sent} sent, ${r.puts.afterKill?.acknowledged} acknowledged, ${r.puts.afterKill?.networkErrors} network errors`,
        ]),
  ].join('\n');
}
