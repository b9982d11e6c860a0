/**
 * The server's load run (a script, not a test): loopback only, bounded in time and count; it
 * starts and stops its own server process. See `presence-load.ts` for what is measured and
 * checked. Presets (`--scenario`):
 * - `rooms-500`: 500 long-polling listeners in 10 rooms plus the auditor, 100 senders at
 *   300 PUT/s for 30 s;
 * - `rooms-1000`: the same with 1,000 listeners;
 * - `shutdown`: 200 listeners, 50 senders at 200 PUT/s, SIGTERM at 8 s.
 * Every option overrides the preset: `--listeners --rooms --senders --rate --seconds
 * --sigterm-at --warmup <s> --threads <listener threads> --poll-timeout --batch-window <duration> --answer-budget <n> --http fast|hono --profile <dir> --json`.
 *
 * Run: `pnpm --filter @presence-router/demo-server bench -- --scenario rooms-500`.
 * @module
 */
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
};

const { values } = parseArgs({
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
};

const result = await runPresenceLoad(options);
if (values.json) console.log(JSON.stringify(result, null, 2));
else console.log(render(result));

function render(r: PresenceLoadResult): string {
  const d = r.deliveryMs;
  return [
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version} (load client on the same machine)`,
    `setup: HTTP ${r.setup.http === 'fast' ? 'Node fast path for /sync and PUT' : 'all through Hono'}; ${r.setup.listeners} listeners (in ${r.setup.listenerThreads} client threads) in ${r.setup.rooms} rooms, ${r.setup.senders} senders at ${r.setup.rate} PUT/s for ${r.setup.seconds} s after ${r.setup.warmupSeconds} s of warm-up${r.setup.sigtermAtSeconds === undefined ? '' : `, SIGTERM at ${r.setup.sigtermAtSeconds} s`}`,
    `PUT: ${r.puts.sent} sent, ${r.puts.acknowledged} acknowledged (${r.puts.acknowledgedPerSecond}/s), refused ${JSON.stringify(r.puts.refused)}, network errors ${r.puts.networkErrors}, skipped ${r.puts.skipped}`,
    `delivery (PUT sent -> listener has it): p50 ${d.p50} ms, p90 ${d.p90} ms, p99 ${d.p99} ms, max ${d.max} ms (${d.samples} samples)`,
    `p99 by second of the run: ${r.p99BySecond.join(' ')}`,
    `coalescing window by second (ms): ${r.syncWindowMs.join(' ')}`,
    `/sync: ${r.syncRequestsPerSecond} requests/s, ${r.syncErrors} errors`,
    `loss check: ${r.staleViews} stale of ${r.viewsChecked} (listener, sender) views${r.staleExamples.length ? `; e.g. ${r.staleExamples.join('; ')}` : ''}`,
    `CPU (share of one core while sending): server ${r.cpu.server}, load client ${r.cpu.client}`,
    `server peak RSS: ${r.serverPeakRssMiB} MiB${r.serverExitCode === undefined ? '' : `; exit code ${r.serverExitCode}, ${r.shutdownMs} ms after SIGTERM`}`,
  ].join('\n');
}
