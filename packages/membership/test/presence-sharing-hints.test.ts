/** MSC4495 room hints: in memory, and from a Synapse database on both dialects. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InMemoryMembership,
  isPresenceSharingHintSource,
  MembershipError,
  PRESENCE_SHARING_EVENT_TYPES,
} from '../src/index.ts';
import type { SynapseSqlMembership } from '../src/synapse.ts';
import { SynapseFixtureWriter } from '../src/testing.ts';
import type { SynapseTestDatabase } from './support/synapse-backends.ts';
import { synapseBackends } from './support/synapse-backends.ts';

const HS = 'hs.example';
const ALICE = '@alice:hs.example';
const SUGGEST = '!suggest:hs.example';
const FORBID = '!forbid:hs.example';
const NONE = '!none:hs.example';
const [STABLE, UNSTABLE] = PRESENCE_SHARING_EVENT_TYPES as [string, string];

describe('isPresenceSharingHintSource', () => {
  it('tells sources with hints from plain ones', () => {
    expect(isPresenceSharingHintSource(new InMemoryMembership({ serverName: HS }))).toBe(true);
    expect(isPresenceSharingHintSource({ getJoinedMembers: async () => new Map() })).toBe(false);
    expect(isPresenceSharingHintSource(null)).toBe(false);
  });
});

describe('InMemoryMembership presence sharing hints', () => {
  it('answers every room: suggest as set, forbid for forbid, no hint and unknown rooms', async () => {
    const memory = new InMemoryMembership({ serverName: HS });
    memory.join(SUGGEST, ALICE);
    memory.join(FORBID, ALICE);
    memory.join(NONE, ALICE);
    memory.setPresenceSharingHint(SUGGEST, 'suggest');
    memory.setPresenceSharingHint(FORBID, 'forbid');
    const hints = await memory.getPresenceSharingHints([SUGGEST, FORBID, NONE, '!unknown:hs']);
    expect(Object.fromEntries(hints)).toEqual({
      [SUGGEST]: 'suggest',
      [FORBID]: 'forbid',
      [NONE]: 'forbid',
      '!unknown:hs': 'forbid',
    });
  });

  it('a hint can be removed; the server leaving forgets it', async () => {
    const memory = new InMemoryMembership({ serverName: HS });
    memory.join(SUGGEST, ALICE);
    memory.setPresenceSharingHint(SUGGEST, 'suggest');
    memory.setPresenceSharingHint(SUGGEST, undefined);
    expect((await memory.getPresenceSharingHints([SUGGEST])).get(SUGGEST)).toBe('forbid');
    memory.setPresenceSharingHint(SUGGEST, 'suggest');
    memory.serverLeave(SUGGEST);
    expect((await memory.getPresenceSharingHints([SUGGEST])).get(SUGGEST)).toBe('forbid');
  });

  it('refuses other hints and bad room IDs', async () => {
    const memory = new InMemoryMembership({ serverName: HS });
    expect(() => memory.setPresenceSharingHint(SUGGEST, 'yes' as 'suggest')).toThrow(
      MembershipError,
    );
    await expect(memory.getPresenceSharingHints(['not-a-room'])).rejects.toMatchObject({
      code: 'INVALID_ROOM_ID',
    });
  });
});

const backends = await synapseBackends('the presence sharing hint tests on PostgreSQL');

describe.each(backends)(
  'SynapseSqlMembership presence sharing hints on $name',
  {
    timeout: 60_000,
  },
  (backend) => {
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

    async function hints(roomIds: readonly string[]) {
      membership ??= await database.open();
      return Object.fromEntries(await membership.getPresenceSharingHints(roomIds));
    }

    it('reads the current hint event content from event_json', async () => {
      for (const room of [SUGGEST, FORBID, NONE]) await writer.join(room, ALICE);
      await writer.writeStateEvent(SUGGEST, STABLE, { presence_sharing: 'suggest' });
      await writer.writeStateEvent(FORBID, STABLE, { presence_sharing: 'forbid' });
      expect(await hints([SUGGEST, FORBID, NONE, '!unknown:hs.example'])).toEqual({
        [SUGGEST]: 'suggest',
        [FORBID]: 'forbid',
        [NONE]: 'forbid',
        '!unknown:hs.example': 'forbid',
      });
    });

    it('follows the latest event: suggest, then forbid, then suggest again', async () => {
      await writer.join(SUGGEST, ALICE);
      await writer.writeStateEvent(SUGGEST, STABLE, { presence_sharing: 'suggest' });
      expect(await hints([SUGGEST])).toEqual({ [SUGGEST]: 'suggest' });
      await writer.writeStateEvent(SUGGEST, STABLE, { presence_sharing: 'forbid' });
      expect(await hints([SUGGEST])).toEqual({ [SUGGEST]: 'forbid' });
      await writer.writeStateEvent(SUGGEST, STABLE, { presence_sharing: 'suggest' });
      expect(await hints([SUGGEST])).toEqual({ [SUGGEST]: 'suggest' });
    });

    it('reads the unstable event type too; when both are there, forbid wins', async () => {
      await writer.join(SUGGEST, ALICE);
      await writer.join(FORBID, ALICE);
      await writer.writeStateEvent(SUGGEST, UNSTABLE, { presence_sharing: 'suggest' });
      await writer.writeStateEvent(FORBID, UNSTABLE, { presence_sharing: 'suggest' });
      await writer.writeStateEvent(FORBID, STABLE, { presence_sharing: 'forbid' });
      expect(await hints([SUGGEST, FORBID])).toEqual({ [SUGGEST]: 'suggest', [FORBID]: 'forbid' });
    });

    it('forbid for other content, another state key, and a redacted event', async () => {
      const rooms = ['!a:hs.example', '!b:hs.example', '!c:hs.example', '!d:hs.example'];
      for (const room of rooms) await writer.join(room, ALICE);
      await writer.writeStateEvent(rooms[0]!, STABLE, { presence_sharing: 'Suggest' });
      await writer.writeStateEvent(rooms[1]!, STABLE, {});
      await writer.writeStateEvent(
        rooms[2]!,
        STABLE,
        { presence_sharing: 'suggest' },
        {
          stateKey: 'x',
        },
      );
      const redacted = await writer.writeStateEvent(rooms[3]!, STABLE, {
        presence_sharing: 'suggest',
      });
      expect((await hints([rooms[3]!]))[rooms[3]!]).toBe('suggest');
      await writer.redact(rooms[3]!, redacted);
      expect(await hints(rooms)).toEqual(Object.fromEntries(rooms.map((r) => [r, 'forbid'])));
    });

    it('answers many rooms in one call (chunked on SQLite)', async () => {
      const rooms = Array.from({ length: 1_200 }, (_, i) => `!r${i}:hs.example`);
      for (const room of rooms.slice(0, 3)) await writer.join(room, ALICE);
      await writer.writeStateEvent(rooms[1]!, STABLE, { presence_sharing: 'suggest' });
      await writer.writeStateEvent(rooms[1_100]!, STABLE, { presence_sharing: 'suggest' });
      const answer = await hints(rooms);
      expect(Object.keys(answer)).toHaveLength(1_200);
      expect(Object.entries(answer).filter(([, hint]) => hint === 'suggest')).toEqual([
        [rooms[1]!, 'suggest'],
        [rooms[1_100]!, 'suggest'],
      ]);
    });

    it('leaves membership untouched: hint events are not members, and not in the member deltas', async () => {
      await writer.join(SUGGEST, ALICE);
      await writer.writeStateEvent(SUGGEST, STABLE, { presence_sharing: 'suggest' });
      membership = await database.open();
      expect((await membership.getJoinedMembers([SUGGEST])).get(SUGGEST)).toEqual([ALICE]);
      const rows = await database.rows<{ type: string }>(
        `SELECT type FROM current_state_delta_stream WHERE room_id = '${SUGGEST}' ORDER BY stream_id`,
      );
      expect(rows.map((row) => row.type)).toEqual(['m.room.member', STABLE]);
    });

    it('SCHEMA_MISMATCH without event_json; membership still works', async () => {
      await writer.join(SUGGEST, ALICE);
      await database.rows('DROP TABLE event_json');
      membership = await database.open();
      expect((await membership.getJoinedMembers([SUGGEST])).get(SUGGEST)).toEqual([ALICE]);
      await expect(membership.getPresenceSharingHints([SUGGEST])).rejects.toMatchObject({
        code: 'SCHEMA_MISMATCH',
      });
    });
  },
);
