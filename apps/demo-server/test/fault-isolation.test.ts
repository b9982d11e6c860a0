/**
 * One room whose membership lookup hangs, fails or answers garbage must not hold up or fail
 * presence anywhere else: the healthy rooms of the same batch are delivered now, the bad
 * room's part is retried until it answers, PUTs are answered 200 (never 500), and /health and
 * /metrics show the failing room meanwhile.
 */
import { parseYamlSource } from '@presence-router/config';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonLogger } from '../src/json-logger.ts';
import { listen, type RunningServer } from '../src/node-listener.ts';
import { PresenceServer } from '../src/presence-server.ts';
import { parseServerSettings } from '../src/server-settings.ts';
import { FaultyMembership, type RoomFault } from './support/faulty-membership.ts';
import { MatrixTestClient } from './support/test-server.ts';

const HS = 'faults.test';
const alice = `@alice:${HS}`;
const bob = `@bob:${HS}`;
const erin = `@erin:${HS}`;
const carl = `@carl:${HS}`;

const CONFIG = `
access_tokens:
  '${alice}': alice-token-1
  '${bob}': bob-token-12
  '${erin}': erin-token-1
  '${carl}': carl-token-1
rc_presence: { per_user: { per_second: 1000, burst_count: 1000 } }
membership:
  rooms: {}
  wait_for_slow_lookups: 50ms
  retry_min_interval: 100ms
  retry_max_interval: 200ms
`;

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function start(): Promise<{
  faulty: FaultyMembership;
  client: (t: string) => MatrixTestClient;
}> {
  const faulty = new FaultyMembership({
    [`!good:${HS}`]: [alice, bob],
    [`!bad:${HS}`]: [erin, carl],
  });
  const server = await PresenceServer.create({
    serverName: HS,
    settings: parseServerSettings(parseYamlSource(CONFIG), { serverName: HS }),
    membership: faulty,
    logger: new JsonLogger({ level: 'silent', write: () => {} }),
  });
  running = await listen(server, { host: '127.0.0.1', port: 0, gracePeriodMs: 500 });
  const url = running.url;
  return { faulty, client: (token) => new MatrixTestClient(url, token) };
}

/** Long-polls until `sender`'s presence arrives; returns its status message. */
async function waitForPresence(client: MatrixTestClient, since: string, sender: string) {
  let token = since;
  for (;;) {
    const reply = await client.sync({ since: token, timeout: '10000', set_presence: 'offline' });
    const event = reply.events.find((e) => e.sender === sender);
    if (event !== undefined) return event.content.status_msg;
    token = reply.nextBatch;
  }
}

describe.each<RoomFault>(['hang', 'fail', 'garbage'])('a room whose lookup %ss', (fault) => {
  it('holds up nothing else, is retried until it answers, and shows in /health and /metrics', async () => {
    const { faulty, client } = await start();
    const bobClient = client('bob-token-12');
    const carlClient = client('carl-token-1');
    const bobSince = (await bobClient.sync({ set_presence: 'offline' })).nextBatch;
    const carlSince = (await carlClient.sync({ set_presence: 'offline' })).nextBatch;
    faulty.break(`!bad:${HS}`, fault);

    // Erin (in the bad room) and alice (in the good one) update: both are accepted.
    const [erinPut, alicePut] = await Promise.all([
      client('erin-token-1').setPresence(erin, 'online', 'erin-1'),
      client('alice-token-1').setPresence(alice, 'online', 'alice-1'),
    ]);
    expect(erinPut.status).toBe(200);
    expect(alicePut.status).toBe(200);

    // Bob gets alice's update while the bad room is still broken.
    expect(await waitForPresence(bobClient, bobSince, alice)).toBe('alice-1');
    // A hanging room is still hanging (nothing waited for it); the others answered.
    expect(faulty.hangingLookups > 0).toBe(fault === 'hang');
    const health = await client('').request('GET', '/health');
    expect(health.body.status).toBe('degraded');
    expect(health.body.failing_lookups).toEqual([
      expect.objectContaining({ kind: 'room', id: `!bad:${HS}`, waitingUsers: 1 }),
    ]);
    const metrics = (await fetch(`${running?.url}/metrics`)).text();
    expect(await metrics).toMatch(/^presence_router_failing_lookups 1$/m);

    // The room heals: its retry delivers erin's state to carl, and the server is ok again.
    faulty.heal();
    expect(await waitForPresence(carlClient, carlSince, erin)).toBe('erin-1');
    for (;;) {
      const again = await client('').request('GET', '/health');
      if (again.body.status === 'ok') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await (await fetch(`${running?.url}/metrics`)).text()).toMatch(
      /^presence_router_routing_retries_total [1-9]\d*$/m,
    );
  });
});

describe('requests that need a failing room', () => {
  it('answer 503 M_UNKNOWN with Retry-After, never 500; syncs still answer', async () => {
    const { faulty, client } = await start();
    faulty.break(`!bad:${HS}`, 'fail');
    const erinClient = client('erin-token-1');
    const sync = await erinClient.sync();
    expect(sync.nextBatch).toMatch(/^p\d+_/);
    const presence = await erinClient.request(
      'GET',
      `/_matrix/client/v3/presence/${encodeURIComponent(carl)}/status`,
    );
    expect(presence.status).toBe(503);
    expect(presence.body.errcode).toBe('M_UNKNOWN');
    expect(Number(presence.headers.get('retry-after'))).toBeGreaterThan(0);
    const members = await erinClient.request(
      'GET',
      `/_matrix/client/v3/rooms/!bad:${HS}/joined_members`,
    );
    expect(members.status).toBe(503);
    expect(members.body.errcode).toBe('M_UNKNOWN');
  });
});
