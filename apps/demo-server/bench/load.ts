/**
 * Load measurement of the demo server (a script, not a test): loopback only, bounded in
 * request count and time, and it stops the server it starts.
 *
 * It starts the server as a child process (`bin/presence-router.mjs serve`) on a generated
 * configuration — inline rooms: one room of `--room-size` members (default 5,000) holding the
 * updating users, the ExamplePresenceRouter sending everything to an auditor — then measures:
 * 1. requests/second of `PUT /presence/{userId}/status` from `--concurrency` clients for at
 *    most `--seconds` seconds or `--max-requests` requests, while `--listeners` room members
 *    and the auditor hold long-polling syncs (so deliveries really happen);
 * 2. the latency of a routed update reaching a waiting sync: the auditor (in no room) waits
 *    on `/sync`, a user PUTs, the time until the auditor's sync answers with that update
 *    (`--samples` times, sequentially): median and p95.
 *
 * Run: `pnpm --filter @presence-router/demo-server bench` or
 * `tsx --conditions=@presence-router/source apps/demo-server/bench/load.ts [--seconds 5]`.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    'max-requests': { type: 'string', default: '50000' },
    concurrency: { type: 'string', default: '32' },
    updaters: { type: 'string', default: '200' },
    'room-size': { type: 'string', default: '5000' },
    listeners: { type: 'string', default: '50' },
    samples: { type: 'string', default: '200' },
    /** Write a V8 CPU profile of the server process into this directory. */
    profile: { type: 'string' },
  },
});
const seconds = Math.min(60, Number(values.seconds));
const maxRequests = Math.min(1_000_000, Number(values['max-requests']));
const concurrency = Math.min(256, Number(values.concurrency));
const updaters = Math.min(2000, Number(values.updaters));
const roomSize = Math.max(updaters + 1, Math.min(200_000, Number(values['room-size'])));
const listenerCount = Math.min(500, Number(values.listeners));
const samples = Math.min(5000, Number(values.samples));

const HS = 'bench.local';
const user = (i: number): string => `@u${i}:${HS}`;
const token = (i: number): string => `bench-token-${i}`;
const AUDITOR = `@auditor:${HS}`;

function configYaml(): string {
  const tokens: string[] = [];
  for (let i = 0; i < Math.max(updaters, listenerCount); i++)
    tokens.push(`  '${user(i)}': ${token(i)}`);
  const members: string[] = [];
  for (let i = 0; i < roomSize; i++) members.push(`'${user(i)}'`);
  return `server_name: ${HS}
listeners: [{ port: 0, bind_addresses: ['127.0.0.1'] }]
access_tokens:
${tokens.join('\n')}
  '${AUDITOR}': auditor-bench-token
admin_token: admin-bench-token
log_level: warn
rc_presence:
  per_user: { per_second: 100000, burst_count: 100000 }
membership:
  rooms:
    '!big:${HS}': [${members.join(', ')}]
presence:
  routing_modules:
    - module: '@presence-router/example-router.ExamplePresenceRouter'
      config:
        always_send_to_users: ['${AUDITOR}']
`;
}

function startServer(configPath: string): Promise<{ child: ChildProcess; url: string }> {
  const bin = join(import.meta.dirname, '..', 'bin', 'presence-router.mjs');
  const entry = join(import.meta.dirname, '..', 'src', 'cli-main.ts');
  const args =
    values.profile === undefined
      ? [bin]
      : [
          `--cpu-prof`,
          `--cpu-prof-dir=${values.profile}`,
          '--conditions=@presence-router/source',
          '--import',
          import.meta.resolve('tsx'),
          entry,
        ];
  const child = spawn(process.execPath, [...args, 'serve', '--config', configPath, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error('the server did not start in 60 s')), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1] as string });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
}

/** Keep-alive HTTP client (node:http is several times cheaper per request than fetch). */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

function request(
  url: string,
  method: string,
  path: string,
  auth: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port,
        method,
        path,
        agent,
        headers: {
          authorization: `Bearer ${auth}`,
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface SyncBody {
  next_batch: string;
  presence: { events: { sender: string; content: { status_msg?: string } }[] };
}

async function sync(url: string, auth: string, since?: string, timeoutMs = 0): Promise<SyncBody> {
  const query = new URLSearchParams({ timeout: String(timeoutMs), set_presence: 'offline' });
  if (since) query.set('since', since);
  const reply = await request(url, 'GET', `/_matrix/client/v3/sync?${query}`, auth);
  if (reply.status !== 200) throw new Error(`sync: ${reply.status} ${reply.text}`);
  return JSON.parse(reply.text) as SyncBody;
}

async function put(url: string, i: number, presence: string, statusMsg: string): Promise<void> {
  const reply = await request(
    url,
    'PUT',
    `/_matrix/client/v3/presence/${encodeURIComponent(user(i))}/status`,
    token(i),
    JSON.stringify({ presence, status_msg: statusMsg }),
  );
  if (reply.status !== 200) throw new Error(`PUT: ${reply.status} ${reply.text}`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'presence-router-bench-'));
  const configPath = join(dir, 'bench.yaml');
  await writeFile(configPath, configYaml());
  const { child, url } = await startServer(configPath);
  const stop = new AbortController();
  try {
    // Long-polling listeners: the auditor and members of the big room, re-syncing on answers.
    const listening: Promise<void>[] = [];
    const listen = async (auth: string): Promise<void> => {
      let since = (await sync(url, auth)).next_batch;
      while (!stop.signal.aborted) {
        try {
          since = (await sync(url, auth, since, 2000)).next_batch;
        } catch {
          if (!stop.signal.aborted) await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    for (let i = 0; i < listenerCount; i++) listening.push(listen(token(i)));
    listening.push(listen('auditor-bench-token'));
    await new Promise((r) => setTimeout(r, 500));

    // 1. PUT throughput.
    let sent = 0;
    let failed = 0;
    const deadline = performance.now() + seconds * 1000;
    const started = performance.now();
    const worker = async (w: number): Promise<void> => {
      let n = 0;
      while (performance.now() < deadline && sent < maxRequests) {
        sent++;
        const i = (w + n * concurrency) % updaters;
        n++;
        try {
          await put(url, i, n % 2 ? 'online' : 'unavailable', `n${n}`);
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
    const elapsed = (performance.now() - started) / 1000;

    // 2. Latency of a routed update reaching a waiting sync (the auditor shares no room).
    stop.abort();
    await Promise.all(listening);
    const latencies: number[] = [];
    let since = (await sync(url, 'auditor-bench-token')).next_batch;
    for (let s = 0; s < samples; s++) {
      const marker = `latency-${s}`;
      const waiting = sync(url, 'auditor-bench-token', since, 10_000);
      await new Promise((r) => setTimeout(r, 2));
      const t0 = performance.now();
      await put(url, s % updaters, 'online', marker);
      let reply = await waiting;
      while (!reply.presence.events.some((e) => e.content.status_msg === marker)) {
        reply = await sync(url, 'auditor-bench-token', reply.next_batch, 10_000);
      }
      latencies.push(performance.now() - t0);
      since = reply.next_batch;
    }
    latencies.sort((a, b) => a - b);
    const metrics = (await request(url, 'GET', '/metrics', '')).text;
    const deliveries = /^presence_router_deliveries_total (\d+)/m.exec(metrics)?.[1];
    console.log(
      JSON.stringify(
        {
          machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
          setup: { roomSize, updaters, concurrency, listeners: listenerCount + 1, seconds },
          put: {
            requests: sent,
            failed,
            seconds: Number(elapsed.toFixed(2)),
            requestsPerSecond: Math.round(sent / elapsed),
          },
          routedUpdateToWaitingSyncMs: {
            samples: latencies.length,
            median: Number(percentile(latencies, 50).toFixed(2)),
            p95: Number(percentile(latencies, 95).toFixed(2)),
            max: Number((latencies[latencies.length - 1] ?? 0).toFixed(2)),
          },
          deliveriesTotal: Number(deliveries),
        },
        null,
        2,
      ),
    );
  } finally {
    stop.abort();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    agent.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
