/**
 * The fault scenario, measured as an operator would see it: a presence server whose
 * membership comes from a homeserver's admin API (`membership.http`), where the lookup of
 * one room, `!bad` (erin and carl), never answers; `!good` holds alice and bob. Prints how
 * long erin's PUT, and alice's PUT 50 ms later, take to be answered, how long until bob's
 * long-poll has alice's update, and when carl gets erin's once the room answers again.
 * Loopback only; it starts and stops everything it uses.
 *
 * Run: `tsx --conditions=@presence-router/source apps/demo-server/bench/hanging-membership.ts`.
 * @module
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoadClient } from './load-client.ts';
import { startServerProcess } from './server-process.ts';

const HS = 'hang.local';
const rooms: Record<string, string[]> = {
  [`!good:${HS}`]: [`@alice:${HS}`, `@bob:${HS}`],
  [`!bad:${HS}`]: [`@erin:${HS}`, `@carl:${HS}`],
};
let badAnswers = false;
const held: (() => void)[] = [];

/** A homeserver admin API that hangs on `!bad` until `badAnswers` is set. */
const homeserver = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://x');
  const answer = (body: unknown): void => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const members = /^\/_synapse\/admin\/v1\/rooms\/([^/]+)\/members$/.exec(url.pathname);
  if (members) {
    const roomId = decodeURIComponent(members[1] as string);
    const list = rooms[roomId] ?? [];
    if (roomId.startsWith('!bad') && !badAnswers) {
      held.push(() => answer({ members: list, total: list.length }));
      return;
    }
    answer({ members: list, total: list.length });
    return;
  }
  const joined = /^\/_synapse\/admin\/v1\/users\/([^/]+)\/joined_rooms$/.exec(url.pathname);
  if (joined) {
    const userId = decodeURIComponent(joined[1] as string);
    const mine = Object.keys(rooms).filter((roomId) => rooms[roomId]?.includes(userId));
    answer({ joined_rooms: mine, total: mine.length });
    return;
  }
  response.writeHead(404, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' }));
});
await new Promise<void>((resolve) => homeserver.listen(0, '127.0.0.1', resolve));
const homeserverUrl = `http://127.0.0.1:${(homeserver.address() as AddressInfo).port}`;

const server = await startServerProcess(`server_name: ${HS}
access_tokens:
  '@alice:${HS}': alice-token
  '@bob:${HS}': bob-token-1
  '@erin:${HS}': erin-token
  '@carl:${HS}': carl-token
log_level: warn
membership:
  http: { base_url: '${homeserverUrl}', access_token: homeserver-admin-token, auth: admin }
`);
const client = new LoadClient(server.url);
const ms = (since: number): string => `${(performance.now() - since).toFixed(1)} ms`;
try {
  const bobSince = (await client.sync('bob-token-1')).next_batch;
  const carlSince = (await client.sync('carl-token')).next_batch;
  const start = performance.now();
  const bobGetsAlice = (async () => {
    let since = bobSince;
    for (;;) {
      const body = await client.sync('bob-token-1', { since, timeoutMs: 60_000 });
      if (body.presence.events.some((e) => e.sender === `@alice:${HS}`)) return ms(start);
      since = body.next_batch;
    }
  })();
  const erinPut = client
    .putPresence(`@erin:${HS}`, 'erin-token', 'online', 'erin here')
    .then((status) => `${status} after ${ms(start)}`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const aliceStart = performance.now();
  const alicePut = client
    .putPresence(`@alice:${HS}`, 'alice-token', 'online', 'alice here')
    .then((status) => `${status} after ${ms(aliceStart)}`);
  console.log(`erin's PUT (in !bad, which hangs): ${await erinPut}`);
  console.log(`alice's PUT 50 ms later (in !good): ${await alicePut}`);
  console.log(`bob's long-poll has alice's update: ${await bobGetsAlice} after erin's PUT`);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const health = JSON.parse((await client.request('GET', '/health', '')).text) as {
    status: string;
    failing_lookups: unknown[];
  };
  console.log(
    `/health 2 s later: ${health.status}; failing: ${JSON.stringify(health.failing_lookups)}`,
  );
  // The room answers again (the held requests too): carl gets erin's state from a retry.
  badAnswers = true;
  for (const release of held.splice(0)) release();
  const healed = performance.now();
  let since = carlSince;
  for (;;) {
    const body = await client.sync('carl-token', { since, timeoutMs: 60_000 });
    if (body.presence.events.some((e) => e.sender === `@erin:${HS}`)) break;
    since = body.next_batch;
  }
  console.log(`carl has erin's update ${ms(healed)} after !bad answers again`);
} finally {
  client.close();
  await server.stop('SIGTERM');
  homeserver.closeAllConnections();
  homeserver.close();
}
