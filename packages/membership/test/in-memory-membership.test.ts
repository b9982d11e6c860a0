import { RecordingLogger } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import {
  InMemoryMembership,
  isRoomStatusSource,
  type MembershipChange,
  MembershipError,
} from '../src/index.ts';

const HS = 'hs.example';
const ROOM = '!room:hs.example';
const ALICE = '@alice:hs.example';
const BOB = '@bob:other.example';
const CAROL = '@carol:hs.example';

function source(): InMemoryMembership {
  return new InMemoryMembership({ serverName: HS });
}

function recordChanges(membership: InMemoryMembership): MembershipChange[] {
  const changes: MembershipChange[] = [];
  membership.onChange((change) => changes.push(change));
  return changes;
}

describe('InMemoryMembership: construction', () => {
  it('rejects a missing or invalid server name with INVALID_OPTIONS', () => {
    expect(() => new InMemoryMembership({ serverName: '' })).toThrowError(MembershipError);
    try {
      new InMemoryMembership({ serverName: 'bad name!' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MembershipError);
      expect((error as MembershipError).code).toBe('INVALID_OPTIONS');
      expect((error as MembershipError).cause).toBeDefined();
    }
  });

  it('accepts a server name with a port', () => {
    const membership = new InMemoryMembership({ serverName: 'hs.example:8448' });
    membership.join('!r:hs.example:8448', '@u:hs.example:8448');
    expect(
      membership.getJoinedMembersSync(['!r:hs.example:8448']).get('!r:hs.example:8448'),
    ).toEqual(['@u:hs.example:8448']);
  });
});

describe('InMemoryMembership: joined members', () => {
  it('answers joined members in join order, local and remote', async () => {
    const membership = source();
    membership.join(ROOM, ALICE);
    membership.join(ROOM, BOB);
    const members = await membership.getJoinedMembers([ROOM]);
    expect(members.get(ROOM)).toEqual([ALICE, BOB]);
  });

  it('does not count invited, knocking, banned or departed users', async () => {
    const membership = source();
    membership.join(ROOM, ALICE);
    membership.invite(ROOM, BOB);
    membership.knock(ROOM, '@k:other.example');
    membership.join(ROOM, CAROL);
    membership.ban(ROOM, CAROL);
    membership.join(ROOM, '@d:hs.example');
    membership.leave(ROOM, '@d:hs.example');
    expect((await membership.getJoinedMembers([ROOM])).get(ROOM)).toEqual([ALICE]);
    expect(membership.membershipOf(ROOM, BOB)).toBe('invite');
    expect(membership.membershipOf(ROOM, '@k:other.example')).toBe('knock');
    expect(membership.membershipOf(ROOM, CAROL)).toBe('ban');
    expect(membership.membershipOf(ROOM, '@d:hs.example')).toBe('leave');
    expect(membership.membershipOf(ROOM, '@nobody:hs.example')).toBeUndefined();
  });

  it('leaves out rooms with no local user joined, and unknown rooms', async () => {
    const membership = source();
    membership.join('!remote:other.example', BOB);
    membership.join(ROOM, ALICE);
    const members = await membership.getJoinedMembers(['!remote:other.example', ROOM, '!x:hs']);
    expect([...members.keys()]).toEqual([ROOM]);
  });

  it('stops answering a room when its last local user leaves, and answers again on rejoin', async () => {
    const membership = source();
    membership.join(ROOM, ALICE);
    membership.join(ROOM, BOB);
    membership.leave(ROOM, ALICE);
    expect((await membership.getJoinedMembers([ROOM])).has(ROOM)).toBe(false);
    expect((await membership.getRoomsForUsers([BOB])).get(BOB)).toEqual([]);
    membership.join(ROOM, ALICE);
    expect((await membership.getJoinedMembers([ROOM])).get(ROOM)).toEqual([BOB, ALICE]);
  });

  it('returns the same array while a room is unchanged and a new one after a change', async () => {
    const membership = source();
    membership.join(ROOM, ALICE);
    membership.join('!other:hs.example', ALICE);
    const first = (await membership.getJoinedMembers([ROOM])).get(ROOM);
    const second = (await membership.getJoinedMembers([ROOM])).get(ROOM);
    expect(second).toBe(first);
    // Changes elsewhere, a profile change (join again) and an invite keep the identity.
    membership.join('!other:hs.example', BOB);
    membership.join(ROOM, ALICE);
    membership.invite(ROOM, CAROL);
    expect((await membership.getJoinedMembers([ROOM])).get(ROOM)).toBe(first);
    membership.join(ROOM, BOB);
    const third = (await membership.getJoinedMembers([ROOM])).get(ROOM);
    expect(third).not.toBe(first);
    expect(third).toEqual([ALICE, BOB]);
    expect(first).toEqual([ALICE]);
    membership.leave(ROOM, BOB);
    const fourth = (await membership.getJoinedMembers([ROOM])).get(ROOM);
    expect(fourth).not.toBe(third);
    expect(fourth).toEqual([ALICE]);
  });

  it('hands out frozen arrays that callers cannot corrupt', async () => {
    const membership = source();
    membership.join(ROOM, ALICE);
    const members = (await membership.getJoinedMembers([ROOM])).get(ROOM) as string[];
    expect(Object.isFrozen(members)).toBe(true);
    expect(() => members.push(BOB)).toThrow();
  });

  it('builds a big room in one call with joinAll', async () => {
    const membership = source();
    const users = Array.from({ length: 5000 }, (_, i) => `@u${i}:hs.example`);
    const changes = recordChanges(membership);
    membership.joinAll(ROOM, users);
    expect(changes).toHaveLength(1);
    const members = (await membership.getJoinedMembers([ROOM])).get(ROOM);
    expect(members).toHaveLength(5000);
    expect(new Set(members)).toEqual(new Set(users));
  });

  it('joinAll validates every ID before changing anything', () => {
    const membership = source();
    expect(() => membership.joinAll(ROOM, [ALICE, 'not-a-user'])).toThrowError(MembershipError);
    expect(membership.hasRoom(ROOM)).toBe(false);
  });
});

describe('InMemoryMembership: rooms of users', () => {
  it('answers participated rooms per user, with an entry for every requested user', async () => {
    const membership = source();
    membership.join('!a:hs.example', ALICE);
    membership.join('!a:hs.example', BOB);
    membership.join('!b:hs.example', ALICE);
    membership.join('!remote:other.example', BOB);
    membership.invite('!c:hs.example', BOB);
    const rooms = await membership.getRoomsForUsers([ALICE, BOB, CAROL]);
    expect(new Set(rooms.get(ALICE))).toEqual(new Set(['!a:hs.example', '!b:hs.example']));
    expect(rooms.get(BOB)).toEqual(['!a:hs.example']);
    expect(rooms.get(CAROL)).toEqual([]);
  });
});

describe('InMemoryMembership: room statuses', () => {
  it('implements RoomStatusSource', () => {
    expect(isRoomStatusSource(source())).toBe(true);
    expect(isRoomStatusSource({ getJoinedMembers() {} })).toBe(false);
  });

  it('tells participating, partial-state, left and unknown apart', async () => {
    const membership = source();
    membership.join('!p:hs.example', ALICE);
    membership.join('!p:hs.example', BOB);
    membership.join('!partial:hs.example', ALICE);
    membership.markPartialState('!partial:hs.example', true);
    membership.join('!left:hs.example', ALICE);
    membership.join('!left:hs.example', BOB);
    membership.leave('!left:hs.example', ALICE);
    membership.join('!gone:hs.example', ALICE);
    membership.serverLeave('!gone:hs.example');
    const statuses = await membership.getRoomStatuses([
      '!p:hs.example',
      '!partial:hs.example',
      '!left:hs.example',
      '!gone:hs.example',
      '!never:hs.example',
    ]);
    expect(Object.fromEntries(statuses)).toEqual({
      '!p:hs.example': { status: 'participating', joinedCount: 2 },
      '!partial:hs.example': { status: 'partial-state', joinedCount: 1 },
      '!left:hs.example': { status: 'left', joinedCount: 0 },
      '!gone:hs.example': { status: 'left', joinedCount: 0 },
      '!never:hs.example': { status: 'unknown', joinedCount: 0 },
    });
    // Partial-state rooms are still answered.
    expect(
      (await membership.getJoinedMembers(['!partial:hs.example'])).get('!partial:hs.example'),
    ).toEqual([ALICE]);
    membership.markPartialState('!partial:hs.example', false);
    expect(
      (await membership.getRoomStatuses(['!partial:hs.example'])).get('!partial:hs.example'),
    ).toEqual({
      status: 'participating',
      joinedCount: 1,
    });
  });

  it('serverLeave forgets every membership but keeps the room known', async () => {
    const membership = source();
    membership.join(ROOM, ALICE);
    membership.join(ROOM, BOB);
    membership.serverLeave(ROOM);
    expect(membership.hasRoom(ROOM)).toBe(true);
    expect(membership.membershipOf(ROOM, BOB)).toBeUndefined();
    expect((await membership.getRoomsForUsers([BOB])).get(BOB)).toEqual([]);
  });

  it('removeRoom and forgetRoom make a room unknown', async () => {
    const membership = source();
    membership.join(ROOM, ALICE);
    membership.join('!b:hs.example', ALICE);
    membership.removeRoom(ROOM);
    membership.forgetRoom('!b:hs.example');
    const statuses = await membership.getRoomStatuses([ROOM, '!b:hs.example']);
    expect(statuses.get(ROOM)?.status).toBe('unknown');
    expect(statuses.get('!b:hs.example')?.status).toBe('unknown');
    expect((await membership.getRoomsForUsers([ALICE])).get(ALICE)).toEqual([]);
    expect(membership.roomIds()).toEqual([]);
  });
});

describe('InMemoryMembership: identifiers', () => {
  it('accepts room version 12 room IDs (no server part)', async () => {
    const membership = source();
    membership.join('!abcDEF123', ALICE);
    expect((await membership.getJoinedMembers(['!abcDEF123'])).get('!abcDEF123')).toEqual([ALICE]);
  });

  it('rejects invalid user and room IDs with INVALID_USER_ID / INVALID_ROOM_ID, in changes and in lookups', async () => {
    const membership = source();
    const invalid: Array<[() => unknown, string]> = [
      [() => membership.join('room', ALICE), 'INVALID_ROOM_ID'],
      [() => membership.join(ROOM, 'alice'), 'INVALID_USER_ID'],
      [() => membership.join(ROOM, '@alice'), 'INVALID_USER_ID'],
      [() => membership.membershipOf(ROOM, ''), 'INVALID_USER_ID'],
      [() => membership.getJoinedMembersSync(['nope']), 'INVALID_ROOM_ID'],
      [() => membership.getRoomsForUsersSync(['@x:bad host']), 'INVALID_USER_ID'],
    ];
    for (const [call, code] of invalid) {
      try {
        call();
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(MembershipError);
        expect((error as MembershipError).code).toBe(code);
      }
    }
    await expect(membership.getJoinedMembers(['nope'])).rejects.toMatchObject({
      code: 'INVALID_ROOM_ID',
    });
    expect(membership.roomIds()).toEqual([]);
  });

  it('rejects an unknown membership value with INVALID_OPTIONS', () => {
    const membership = source();
    expect(() => membership.setMembership(ROOM, ALICE, 'joined' as never)).toThrowError(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
    expect(membership.hasRoom(ROOM)).toBe(false);
  });
});

describe('InMemoryMembership: change listeners', () => {
  it('reports the room and the user on a join or leave in a participated room', () => {
    const membership = source();
    membership.join(ROOM, ALICE);
    const changes = recordChanges(membership);
    membership.join(ROOM, BOB);
    membership.leave(ROOM, BOB);
    expect(changes.map((c) => [c.kind, [...c.rooms], [...c.users], c.changedUsers])).toEqual([
      ['membership', [ROOM], [BOB], [BOB]],
      ['membership', [ROOM], [BOB], [BOB]],
    ]);
  });

  it('lists every member when the room starts or stops being participated in', () => {
    const membership = source();
    membership.join(ROOM, BOB);
    membership.join(ROOM, '@dave:other.example');
    const changes = recordChanges(membership);
    membership.join(ROOM, ALICE);
    expect(changes[0]?.users).toEqual(new Set([BOB, '@dave:other.example', ALICE]));
    membership.leave(ROOM, ALICE);
    expect(changes[1]?.users).toEqual(new Set([BOB, '@dave:other.example', ALICE]));
    expect(changes[1]?.rooms).toEqual(new Set([ROOM]));
  });

  it('reports nothing to invalidate for changes no answer can see', () => {
    const membership = source();
    membership.join(ROOM, ALICE);
    const changes = recordChanges(membership);
    membership.invite(ROOM, BOB);
    membership.join('!remote:other.example', BOB);
    expect(changes).toHaveLength(2);
    for (const change of changes) {
      expect(change.rooms.size).toBe(0);
      expect(change.users.size).toBe(0);
    }
  });

  it('stays silent on a no-op (profile change) and after unsubscribing', () => {
    const membership = source();
    membership.join(ROOM, ALICE);
    const changes: MembershipChange[] = [];
    const off = membership.onChange((change) => changes.push(change));
    membership.join(ROOM, ALICE);
    expect(changes).toHaveLength(0);
    off();
    membership.join(ROOM, BOB);
    expect(changes).toHaveLength(0);
  });

  it('reports partial-state changes and room removal', () => {
    const membership = source();
    membership.join(ROOM, ALICE);
    const changes = recordChanges(membership);
    membership.markPartialState(ROOM);
    membership.markPartialState(ROOM);
    membership.removeRoom(ROOM);
    expect(changes.map((c) => c.kind)).toEqual(['partial-state', 'room-removed']);
    expect(changes[1]?.users).toEqual(new Set([ALICE]));
  });

  it('logs a throwing listener and still runs the others', () => {
    const logger = new RecordingLogger();
    const membership = new InMemoryMembership({ serverName: HS, logger });
    let called = 0;
    membership.onChange(() => {
      throw new Error('boom');
    });
    membership.onChange(() => {
      called++;
    });
    membership.join(ROOM, ALICE);
    expect(called).toBe(1);
    expect(logger.messages('error')).toHaveLength(1);
    expect(membership.membershipOf(ROOM, ALICE)).toBe('join');
  });
});
