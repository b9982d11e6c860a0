/**
 * The Redis store's failure bounds, measured: how long after an instance is SIGKILLed its
 * shard leases are held by the survivor (three runs, default timings: 10 s leases renewed
 * every 3 s), and how long after Redis comes back from an outage (0.5 s, 3 s, 10 s; a
 * `redis-server` of its own on a free port, keeping nothing) writes are accepted again.
 *
 * ```sh
 * node --conditions=@presence-router/source --import tsx apps/demo-server/bench/store-failover.ts
 * ```
 * Needs the machine's Redis on 127.0.0.1:6379 (for the lease part) and `redis-server`.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { userPresenceState } from '@presence-router/core';
import { RedisPresenceStore } from '../src/redis-presence-store.ts';
import { freePort } from '../test/support/private-redis.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const SHARED = { host: '127.0.0.1', port: 6379, dbid: 0, streamMaxLength: 1000 } as const;

/** A child process holding its share of the `timers` leases under `keyPrefix`. */
function startHolder(keyPrefix: string): { child: ChildProcess; held: () => number } {
  const script = `
    import { RedisPresenceStore } from ${JSON.stringify(new URL('../src/redis-presence-store.ts', import.meta.url).href)};
    const store = await RedisPresenceStore.connect(${JSON.stringify({ ...SHARED, keyPrefix, instanceName: 'doomed' })});
    const leases = store.leases('timers', 16);
    setInterval(() => process.stdout.write('held ' + leases.held().size + '\\n'), 100);`;
  const child = spawn(
    process.execPath,
    [
      '--conditions=@presence-router/source',
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let held = 0;
  child.stdout?.on('data', (chunk: Buffer) => {
    const match = /held (\d+)\s*$/.exec(String(chunk));
    if (match !== null) held = Number(match[1]);
  });
  return { child, held: () => held };
}

async function leaseTakeover(): Promise<number> {
  const keyPrefix = `failover-${randomBytes(4).toString('hex')}`;
  const holder = startHolder(keyPrefix);
  await sleep(2500);
  const survivor = await RedisPresenceStore.connect({
    ...SHARED,
    keyPrefix,
    instanceName: 'survivor',
  });
  const leases = survivor.leases('timers', 16);
  while (!(leases.held().size === 8 && holder.held() === 8)) await sleep(50);
  const killed = performance.now();
  holder.child.kill('SIGKILL');
  while (leases.held().size < 16) await sleep(20);
  const ms = performance.now() - killed;
  await survivor.close();
  return Math.round(ms);
}

function startRedis(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    child.once('error', reject);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (String(chunk).includes('Ready to accept')) resolve(child);
    });
  });
}

async function writesAgainAfter(downMs: number): Promise<number> {
  const port = await freePort();
  let redis = await startRedis(port);
  const store = await RedisPresenceStore.connect({ ...SHARED, port, keyPrefix: 'failover' });
  const state = userPresenceState('@a:failover.test', { state: 'online' });
  await store.commit({ state, expectedSeq: 0, notify: true });
  redis.kill('SIGKILL');
  await sleep(downMs);
  redis = await startRedis(port);
  const back = performance.now();
  for (;;) {
    // Redis lost its data: the write starts afresh (expectedSeq 0).
    const result = await store
      .commit({ state, expectedSeq: 0, notify: true })
      .catch(() => undefined);
    if (result?.ok === true) break;
    await sleep(10);
  }
  const ms = performance.now() - back;
  await store.close();
  redis.kill('SIGKILL');
  return Math.round(ms);
}

const takeovers: number[] = [];
for (let run = 0; run < 3; run++) {
  takeovers.push(await leaseTakeover());
  console.log(`lease takeover after SIGKILL, run ${run + 1}: ${takeovers[run]} ms`);
}
for (const downMs of [500, 3000, 10_000]) {
  console.log(
    `Redis down ${downMs} ms: writes accepted again ${await writesAgainAfter(downMs)} ms after it was back`,
  );
}
console.log(`takeover (bound 13,000 ms = lease TTL + renewal period): ${takeovers.join(', ')} ms`);
process.exit(0);
