/**
 * The cache kept in step with a Synapse database by the delta-stream poller: membership
 * changes written the way Synapse writes them become visible through the cached SQL adapter
 * after one poll (`pollOnce()`, so no test waits for a timer).
 */
import type { MembershipSource } from '@presence-router/core';
import { afterEach, describe, expect, it } from 'vitest';
import { CachedMembership, InMemoryMembership } from '../src/index.ts';
import { DeltaStreamPoller, invalidateOnDelta, type SynapseSqlMembership } from '../src/synapse.ts';
import { SynapseFixtureWriter } from '../src/testing.ts';
import { type SynapseTestDatabase, synapseBackends } from './support/synapse-backends.ts';

const HS = 'hs.example';
const ALICE = `@alice:${HS}`;
const DAVE = `@dave:${HS}`;
const BOB = '@bob:remote.example';
const CAROL = '@carol:remote.example';
const A = `!a:${HS}`;
const B = `!b:${HS}`;
const REMOTE_ONLY = '!r:remote.example';

const backends = await synapseBackends('the cache + delta-stream poller tests');

for (const backend of backends) {
  describe(`CachedMembership + DeltaStreamPoller on ${backend.name}`, () => {
    let database: SynapseTestDatabase | undefined;
    let sql: SynapseSqlMembership | undefined;

    afterEach(async () => {
      await sql?.close();
      await database?.cleanup();
      sql = undefined;
      database = undefined;
    });

    async function setup() {
      database = await backend.create();
      const writer = new SynapseFixtureWriter(database.db, { serverName: HS });
      await writer.joinAll(A, [ALICE, BOB]);
      await writer.joinAll(B, [ALICE, CAROL]);
      await writer.joinAll(REMOTE_ONLY, [BOB, CAROL]);
      sql = await database.open();
      const cache = new CachedMembership(sql, { ttlMs: Number.POSITIVE_INFINITY });
      const poller = new DeltaStreamPoller({
        driver: sql.driver,
        serverName: HS,
        intervalMs: 60_000,
        onDelta: invalidateOnDelta(cache),
      });
      await poller.pollOnce(); // records the stream position
      return { writer, cache, poller };
    }

    async function membersOf(cache: CachedMembership, roomId: string) {
      return (await cache.getJoinedMembers([roomId])).get(roomId);
    }

    async function roomsOf(cache: CachedMembership, userId: string) {
      return [...((await cache.getRoomsForUsers([userId])).get(userId) ?? [])].sort();
    }

    it('shows a join and a leave after one poll, and nothing else is reloaded', async () => {
      const { writer, cache, poller } = await setup();
      const before = await cache.getJoinedMembers([A, B]);
      expect(await roomsOf(cache, CAROL)).toEqual([B]);
      await writer.join(A, CAROL, { displayName: 'Carol' });
      await writer.leave(B, CAROL);
      // Cached until the poll reports the change.
      expect(await membersOf(cache, A)).toBe(before.get(A));
      const delta = await poller.pollOnce();
      expect([...(delta?.rooms ?? [])].sort()).toEqual([A, B]);
      const after = await cache.getJoinedMembers([A, B]);
      expect([...(after.get(A) ?? [])].sort()).toEqual([ALICE, BOB, CAROL].sort());
      expect([...(after.get(B) ?? [])]).toEqual([ALICE]);
      expect(await roomsOf(cache, CAROL)).toEqual([A]);
      expect(await roomsOf(cache, ALICE)).toEqual([A, B]);
    });

    it('keeps untouched rooms cached (same array, no load)', async () => {
      const { writer, cache, poller } = await setup();
      const before = await cache.getJoinedMembers([A, B]);
      const loads = cache.stats.loads;
      await writer.join(A, CAROL);
      await poller.pollOnce();
      const after = await cache.getJoinedMembers([B]);
      expect(after.get(B)).toBe(before.get(B));
      expect(cache.stats.loads).toBe(loads);
    });

    it('stops answering a room when its last local user leaves, and updates remote members', async () => {
      const { writer, cache, poller } = await setup();
      expect(await roomsOf(cache, BOB)).toEqual([A]);
      expect(await membersOf(cache, A)).toBeDefined();
      await writer.leave(A, ALICE);
      await poller.pollOnce();
      expect(await membersOf(cache, A)).toBeUndefined();
      // Bob's own membership did not change, but his room list did.
      expect(await roomsOf(cache, BOB)).toEqual([]);
    });

    it('starts answering a room when a local user joins it, and updates remote members', async () => {
      const { writer, cache, poller } = await setup();
      expect(await membersOf(cache, REMOTE_ONLY)).toBeUndefined();
      expect(await roomsOf(cache, CAROL)).toEqual([B]);
      await writer.join(REMOTE_ONLY, DAVE);
      await poller.pollOnce();
      expect([...((await membersOf(cache, REMOTE_ONLY)) ?? [])].sort()).toEqual(
        [BOB, CAROL, DAVE].sort(),
      );
      expect(await roomsOf(cache, CAROL)).toEqual([REMOTE_ONLY, B].sort());
      expect(await roomsOf(cache, BOB)).toEqual([A, REMOTE_ONLY].sort());
    });

    it('drops a room the server left entirely', async () => {
      const { writer, cache, poller } = await setup();
      await cache.getJoinedMembers([A, B]);
      expect(await roomsOf(cache, BOB)).toEqual([A]);
      await writer.serverLeave(A);
      await poller.pollOnce();
      expect((await cache.getJoinedMembers([A, B])).has(A)).toBe(false);
      expect(await roomsOf(cache, BOB)).toEqual([]);
      expect(await roomsOf(cache, ALICE)).toEqual([B]);
    });
  });
}

describe('invalidateOnDelta when a reload fails', () => {
  it('invalidates every user list when the new members of a room cannot be known', async () => {
    const memory = new InMemoryMembership({ serverName: HS });
    memory.joinAll(REMOTE_ONLY, [BOB]);
    memory.joinAll(B, [ALICE, CAROL]);
    let failing = false;
    const source: MembershipSource = {
      getJoinedMembers: async (roomIds) => {
        if (failing) throw new Error('database down');
        return memory.getJoinedMembers(roomIds);
      },
      getRoomsForUsers: (userIds) => memory.getRoomsForUsers(userIds),
    };
    const cache = new CachedMembership(source, { ttlMs: Number.POSITIVE_INFINITY });
    expect((await cache.getJoinedMembers([REMOTE_ONLY])).size).toBe(0);
    expect((await cache.getRoomsForUsers([BOB])).get(BOB)).toEqual([]);
    memory.join(REMOTE_ONLY, DAVE);
    failing = true;
    await invalidateOnDelta(cache)({
      rooms: [REMOTE_ONLY],
      users: [DAVE],
      localChangeRooms: [REMOTE_ONLY],
    });
    // Bob's list was invalidated although the delta did not name him.
    expect((await cache.getRoomsForUsers([BOB])).get(BOB)).toEqual([REMOTE_ONLY]);
  });
});
