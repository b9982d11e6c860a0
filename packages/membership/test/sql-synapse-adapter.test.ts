/** SynapseSqlMembership and SynapseFixtureWriter on both dialects, beyond the contract. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MembershipError } from '../src/index.ts';
import type { SynapseSqlMembership } from '../src/synapse.ts';
import { SynapseFixtureWriter } from '../src/testing.ts';
import type { SynapseTestDatabase } from './support/synapse-backends.ts';
import { synapseBackends } from './support/synapse-backends.ts';

const backends = await synapseBackends('the Synapse SQL adapter tests on PostgreSQL');
const HS = 'hs.example';
const ROOM = '!room:hs.example';
const ALICE = '@alice:hs.example';
const BOB = '@bob:remote.example';

describe.each(backends)('Synapse SQL on $name', { timeout: 60_000 }, (backend) => {
  let database: SynapseTestDatabase;
  let writer: SynapseFixtureWriter;
  let membership: SynapseSqlMembership | undefined;

  beforeEach(async () => {
    database = await backend.create();
    writer = new SynapseFixtureWriter(database.db, { serverName: HS });
  }, 60_000);
  afterEach(async () => {
    await membership?.close();
    membership = undefined;
    await database.cleanup();
  }, 60_000);

  async function open(): Promise<SynapseSqlMembership> {
    membership = await database.open();
    return membership;
  }

  it('writes a membership change the way Synapse does', async () => {
    await writer.join(ROOM, ALICE, { displayName: 'Alice' });
    await writer.join(ROOM, BOB);
    await writer.changeProfile(ROOM, BOB, { displayName: 'Bob', avatarUrl: 'mxc://hs/bob' });
    await writer.leave(ROOM, ALICE);

    const events = await database.rows<{ event_id: string; state_key: string; content: string }>(
      "SELECT event_id, state_key, content FROM events WHERE type = 'm.room.member' ORDER BY stream_ordering",
    );
    expect(events.map((e) => [e.state_key, JSON.parse(e.content).membership])).toEqual([
      [ALICE, 'join'],
      [BOB, 'join'],
      [BOB, 'join'],
      [ALICE, 'leave'],
    ]);
    const memberships = await database.rows<{ user_id: string; display_name: string | null }>(
      'SELECT user_id, display_name FROM room_memberships ORDER BY event_stream_ordering',
    );
    expect(memberships.map((m) => m.display_name)).toEqual(['Alice', null, 'Bob', null]);
    // One current row per (room, type, state_key), pointing at the latest event.
    const current = await database.rows<{
      state_key: string;
      membership: string;
      event_id: string;
    }>('SELECT state_key, membership, event_id FROM current_state_events ORDER BY state_key');
    expect(current.map((c) => [c.state_key, c.membership])).toEqual([
      [ALICE, 'leave'],
      [BOB, 'join'],
    ]);
    expect(current.find((c) => c.state_key === BOB)?.event_id).toBe(events[2]?.event_id);
    // local_current_membership only for local users.
    const local = await database.rows<{ user_id: string; membership: string }>(
      'SELECT user_id, membership FROM local_current_membership',
    );
    expect(local).toEqual([{ user_id: ALICE, membership: 'leave' }]);
    // One delta row per change, each pointing at the event it replaced.
    const deltas = await database.rows<{
      stream_id: number | string;
      state_key: string;
      event_id: string | null;
      prev_event_id: string | null;
    }>(
      'SELECT stream_id, state_key, event_id, prev_event_id FROM current_state_delta_stream ORDER BY stream_id',
    );
    expect(deltas.map((d) => [d.state_key, d.event_id, d.prev_event_id])).toEqual([
      [ALICE, events[0]?.event_id, null],
      [BOB, events[1]?.event_id, null],
      [BOB, events[2]?.event_id, events[1]?.event_id],
      [ALICE, events[3]?.event_id, events[0]?.event_id],
    ]);
    const ids = deltas.map((d) => Number(d.stream_id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('deletes the current state but keeps the room when the server leaves', async () => {
    await writer.join(ROOM, ALICE);
    await writer.join(ROOM, BOB);
    await writer.serverLeave(ROOM);
    expect(
      await database.rows(`SELECT * FROM current_state_events WHERE room_id = '${ROOM}'`),
    ).toEqual([]);
    expect(await database.rows(`SELECT room_id FROM rooms WHERE room_id = '${ROOM}'`)).toEqual([
      { room_id: ROOM },
    ]);
    const removed = await database.rows<{ state_key: string }>(
      'SELECT state_key FROM current_state_delta_stream WHERE event_id IS NULL ORDER BY state_key',
    );
    expect(removed.map((r) => r.state_key)).toEqual([ALICE, BOB]);
    const source = await open();
    expect((await source.getRoomStatuses([ROOM])).get(ROOM)).toEqual({
      status: 'left',
      joinedCount: 0,
    });
  });

  it('never counts a rejected member event (membership NULL)', async () => {
    await writer.join(ROOM, ALICE);
    await writer.rejectedMember(ROOM, BOB);
    const source = await open();
    expect((await source.getJoinedMembers([ROOM])).get(ROOM)).toEqual([ALICE]);
    expect((await source.getRoomsForUsers([BOB])).get(BOB)).toEqual([]);
    expect((await source.getRoomStatuses([ROOM])).get(ROOM)?.joinedCount).toBe(1);
  });

  it('tells an unknown room from one whose rooms row was forgotten', async () => {
    await writer.createRoom('!empty:hs.example');
    await writer.join(ROOM, ALICE);
    await writer.forgetRoom(ROOM);
    const source = await open();
    const statuses = await source.getRoomStatuses(['!empty:hs.example', ROOM, '!never:hs.example']);
    expect(statuses.get('!empty:hs.example')?.status).toBe('left');
    expect(statuses.get(ROOM)?.status).toBe('unknown');
    expect(statuses.get('!never:hs.example')?.status).toBe('unknown');
  });

  it('returns new arrays on every call (identity is the cache wrapper’s job)', async () => {
    await writer.join(ROOM, ALICE);
    const source = await open();
    const first = (await source.getJoinedMembers([ROOM])).get(ROOM);
    const second = (await source.getJoinedMembers([ROOM])).get(ROOM);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
  });

  it('reports a missing table as SCHEMA_MISMATCH naming it', async () => {
    await writer.join(ROOM, ALICE);
    await database.rows('DROP TABLE partial_state_rooms');
    const error = await database.open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MembershipError);
    expect((error as MembershipError).code).toBe('SCHEMA_MISMATCH');
    expect((error as MembershipError).message).toContain('partial_state_rooms');
    expect((error as MembershipError).cause).toBeDefined();
  });

  it('reports a missing column as SCHEMA_MISMATCH naming it', async () => {
    await database.rows('ALTER TABLE local_current_membership DROP COLUMN membership');
    const error = await database.open().catch((e: unknown) => e);
    expect((error as MembershipError).code).toBe('SCHEMA_MISMATCH');
    expect((error as MembershipError).message).toContain('membership');
    expect((error as MembershipError).message).toContain('local_current_membership');
  });

  it('reports a failing query as DATABASE_ERROR with the cause', async () => {
    const source = await open();
    const error = await source.driver
      .select('SELECT no_such_function_xyz()')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MembershipError);
    expect((error as MembershipError).code).toBe('DATABASE_ERROR');
    expect((error as MembershipError).cause).toBeInstanceOf(Error);
  });

  it('rejects queries after close with CLOSED', async () => {
    const source = await open();
    await source.close();
    await expect(source.getJoinedMembers([ROOM])).rejects.toMatchObject({ code: 'CLOSED' });
    membership = undefined;
  });
});
