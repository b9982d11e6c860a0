/** DeltaStreamPoller: membership changes written the way Synapse writes them are reported. */
import { RecordingLogger } from '@presence-router/test-support';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MembershipError } from '../src/index.ts';
import {
  DeltaStreamPoller,
  type MembershipDelta,
  type SqlDriver,
  type SynapseSqlMembership,
} from '../src/synapse.ts';
import { SynapseFixtureWriter } from '../src/testing.ts';
import type { SynapseTestDatabase } from './support/synapse-backends.ts';
import { synapseBackends } from './support/synapse-backends.ts';

const backends = await synapseBackends('the delta-stream poller tests on PostgreSQL');
const HS = 'hs.example';
const ROOM = '!room:hs.example';
const ALICE = '@alice:hs.example';
const BOB = '@bob:remote.example';

function summary(delta: MembershipDelta | undefined) {
  return (
    delta && {
      rooms: [...delta.rooms].sort(),
      users: [...delta.users].sort(),
      localChangeRooms: [...delta.localChangeRooms].sort(),
    }
  );
}

describe.each(backends)('DeltaStreamPoller on $name', { timeout: 60_000 }, (backend) => {
  let database: SynapseTestDatabase;
  let writer: SynapseFixtureWriter;
  let membership: SynapseSqlMembership;
  let poller: DeltaStreamPoller | undefined;

  beforeEach(async () => {
    database = await backend.create();
    writer = new SynapseFixtureWriter(database.db, { serverName: HS });
    membership = await database.open();
  }, 60_000);
  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
    await membership.close();
    await database.cleanup();
  }, 60_000);

  it('reports the next change, starting from the current end of the stream', async () => {
    await writer.join(ROOM, ALICE); // before start: not replayed
    const deltas: MembershipDelta[] = [];
    poller = new DeltaStreamPoller({
      driver: membership.driver,
      serverName: HS,
      intervalMs: 60_000,
      onDelta: (delta) => {
        deltas.push(delta);
      },
    });
    await poller.start();
    const start = poller.lastSeen as number;
    expect(start).toBeGreaterThan(0);
    expect(await poller.pollOnce()).toBeUndefined();

    await writer.join(ROOM, BOB);
    const delta = await poller.pollOnce();
    expect(summary(delta)).toEqual({ rooms: [ROOM], users: [BOB], localChangeRooms: [] });
    expect(delta?.upTo).toBeGreaterThan(start);
    expect(deltas).toEqual([delta]);
    expect(await poller.pollOnce()).toBeUndefined();
    expect(deltas).toHaveLength(1);
  });

  it('gathers several changes, local ones flagged, and ignores other state', async () => {
    poller = new DeltaStreamPoller({
      driver: membership.driver,
      serverName: HS,
      onDelta: () => {},
    });
    await poller.start();
    await writer.join('!a:hs.example', ALICE);
    await writer.invite('!b:hs.example', BOB);
    await writer.changeProfile('!a:hs.example', ALICE, { displayName: 'A' });
    await database.rows(
      `INSERT INTO current_state_delta_stream (stream_id, room_id, type, state_key, event_id)
       VALUES (999999, '!c:hs.example', 'm.room.name', '', '$name')`,
    );
    const delta = await poller.pollOnce();
    expect(summary(delta)).toEqual({
      rooms: ['!a:hs.example', '!b:hs.example'],
      users: [ALICE, BOB],
      localChangeRooms: ['!a:hs.example'],
    });
    // The non-member row is still passed over: the stream position moved beyond it.
    await writer.leave('!a:hs.example', ALICE);
    expect(summary(await poller.pollOnce())?.users).toEqual([ALICE]);
  });

  it('reports every member when the server leaves a room', async () => {
    await writer.joinAll(ROOM, [ALICE, BOB, '@carol:remote.example']);
    poller = new DeltaStreamPoller({
      driver: membership.driver,
      serverName: HS,
      onDelta: () => {},
    });
    await poller.start();
    await writer.serverLeave(ROOM);
    const delta = await poller.pollOnce();
    expect(summary(delta)).toEqual({
      rooms: [ROOM],
      users: [ALICE, BOB, '@carol:remote.example'],
      localChangeRooms: [ROOM],
    });
  });

  it('reports a reset when the stream went back (a database restored in place)', async () => {
    await writer.joinAll(ROOM, [ALICE, BOB]);
    const logger = new RecordingLogger();
    poller = new DeltaStreamPoller({
      driver: membership.driver,
      serverName: HS,
      onDelta: () => {},
      logger,
    });
    await poller.start();
    const before = poller.lastSeen as number;
    await database.rows(`DELETE FROM current_state_delta_stream WHERE stream_id >= ${before}`);
    const reset = await poller.pollOnce();
    expect(reset?.reset).toBe(true);
    expect(reset?.upTo).toBeLessThan(before);
    expect(poller.lastSeen).toBe(reset?.upTo);
    expect(logger.messages()).toEqual([
      expect.stringMatching(/went back from stream ID \d+ to \d+/),
    ]);
    // From there on, changes are read again.
    await writer.join(ROOM, '@carol:hs.example');
    expect(summary(await poller.pollOnce())?.users).toEqual(['@carol:hs.example']);
  });

  it('polls on its own timer until stopped', async () => {
    const seen: MembershipDelta[] = [];
    let resolveSeen: (delta: MembershipDelta) => void = () => {};
    const next = new Promise<MembershipDelta>((resolve) => {
      resolveSeen = resolve;
    });
    poller = new DeltaStreamPoller({
      driver: membership.driver,
      intervalMs: 10,
      onDelta: (delta) => {
        seen.push(delta);
        resolveSeen(delta);
      },
    });
    await poller.start();
    expect(poller.running).toBe(true);
    await writer.join(ROOM, ALICE);
    const delta = await next;
    expect([...delta.rooms]).toEqual([ROOM]);
    // Without a serverName, every changed room counts as a possible participation change.
    expect([...delta.localChangeRooms]).toEqual([ROOM]);
    await poller.stop();
    expect(poller.running).toBe(false);
    const count = seen.length;
    await writer.join(ROOM, BOB);
    // After stop, only an explicit poll reads the stream.
    await poller.pollOnce();
    expect(seen.length).toBe(count + 1);
  });
});

describe('DeltaStreamPoller error handling', () => {
  function flakyDriver(failures: number): SqlDriver & { calls: number } {
    const driver = {
      dialect: 'sqlite' as const,
      calls: 0,
      async select<Row>(sql: string): Promise<Row[]> {
        driver.calls++;
        if (sql.includes('MAX(stream_id)')) {
          return [{ max_id: 5 }] as Row[];
        }
        if (failures-- > 0) throw new Error('disk I/O error');
        return [{ stream_id: 7, room_id: ROOM, state_key: ALICE }] as Row[];
      },
      async selectByList<Row>(): Promise<Row[]> {
        return [];
      },
      async close() {},
    };
    return driver;
  }

  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports query failures to onError and keeps polling', async () => {
    vi.useFakeTimers();
    const errors: Error[] = [];
    const deltas: MembershipDelta[] = [];
    const poller = new DeltaStreamPoller({
      driver: flakyDriver(2),
      intervalMs: 100,
      onDelta: (delta) => {
        deltas.push(delta);
      },
      onError: (error) => errors.push(error),
    });
    await poller.start();
    await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(100);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(MembershipError);
    expect((errors[0] as MembershipError).code).toBe('DATABASE_ERROR');
    expect((errors[0] as MembershipError).cause).toBeInstanceOf(Error);
    expect(deltas).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(deltas).toHaveLength(1);
    expect(deltas[0]?.upTo).toBe(7);
    await poller.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves no timer behind after stop; start twice schedules one timer', async () => {
    vi.useFakeTimers();
    const poller = new DeltaStreamPoller({
      driver: flakyDriver(0),
      intervalMs: 50,
      onDelta: () => {},
    });
    await poller.start();
    expect(vi.getTimerCount()).toBe(1);
    await poller.stop();
    expect(vi.getTimerCount()).toBe(0);
    await poller.start();
    await poller.start();
    expect(vi.getTimerCount()).toBe(1);
    await poller.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('passes an error thrown by onDelta to onError and does not replay', async () => {
    const errors: Error[] = [];
    let calls = 0;
    const poller = new DeltaStreamPoller({
      driver: flakyDriver(0),
      startAfter: 5,
      onDelta: () => {
        calls++;
        throw new Error('consumer failed');
      },
      onError: (error) => errors.push(error),
    });
    const delta = await poller.pollOnce();
    expect(delta?.upTo).toBe(7);
    expect(calls).toBe(1);
    expect(errors.map((e) => e.message)).toEqual(['consumer failed']);
    expect(poller.lastSeen).toBe(7);
  });

  it('rejects the first read when the database fails, scheduling nothing', async () => {
    const driver: SqlDriver = {
      dialect: 'postgres',
      select: async () => {
        throw Object.assign(new Error('relation "current_state_delta_stream" does not exist'), {
          code: '42P01',
        });
      },
      selectByList: async () => [],
      close: async () => {},
    };
    const errors: Error[] = [];
    const poller = new DeltaStreamPoller({
      driver,
      onDelta: () => {},
      onError: (e) => errors.push(e),
    });
    await expect(poller.start()).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH' });
    expect(poller.running).toBe(false);
    expect(errors).toHaveLength(1);
    expect((errors[0] as MembershipError).message).toContain('current_state_delta_stream');
  });

  it('validates its options', () => {
    const driver = flakyDriver(0);
    const bad: Array<() => unknown> = [
      () => new DeltaStreamPoller({} as never),
      () => new DeltaStreamPoller({ driver } as never),
      () => new DeltaStreamPoller({ driver, onDelta: () => {}, intervalMs: 0 }),
      () => new DeltaStreamPoller({ driver, onDelta: () => {}, startAfter: 1.5 }),
    ];
    for (const make of bad)
      expect(make).toThrowError(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});
