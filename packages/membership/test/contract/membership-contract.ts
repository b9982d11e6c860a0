/**
 * The contract every `MembershipSource` of this package honours, as one reusable suite.
 * A backend joins by writing a small driver: the source under test plus the operations that
 * change membership the way that backend changes (method calls in memory, rows written as
 * Synapse writes them, a fake homeserver's state over HTTP), and by declaring what it can
 * tell ({@link MembershipCapabilities}). A case that needs a capability the backend lacks is
 * registered as a skipped test whose title says why, so every run lists what it did not check.
 *
 * @example
 * ```ts
 * describeMembershipContract(
 *   'InMemoryMembership',
 *   async ({ serverName }) => {
 *     const source = new InMemoryMembership({ serverName });
 *     return {
 *       source,
 *       setMembership: async (room, user, membership) => source.setMembership(room, user, membership),
 *       joinAll: async (room, users) => source.joinAll(room, users),
 *       changeProfile: async (room, user) => source.join(room, user),
 *       serverLeave: async (room) => source.serverLeave(room),
 *       markPartialState: async (room, partial) => source.markPartialState(room, partial),
 *       close: async () => {},
 *     };
 *   },
 *   { capabilities: { roomStatus: true, partialState: true, leftVsUnknown: true } },
 * );
 * ```
 */
import type { MembershipSource } from '@presence-router/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  isRoomStatusSource,
  type Membership,
  MembershipError,
  type RoomStatus,
} from '../../src/index.ts';

/** What the suite needs from a backend. Every operation resolves once the change is visible. */
export interface MembershipContractDriver {
  /** The source under test; with `roomStatus`, it implements `getRoomStatuses` too. */
  readonly source: MembershipSource;
  /** Sets `userId`'s membership in `roomId` (creating the room when new). */
  setMembership(roomId: string, userId: string, membership: Membership): Promise<void>;
  /** Joins many users at once (the suite builds a 120,000-member room with it). */
  joinAll(roomId: string, userIds: readonly string[]): Promise<void>;
  /** A profile change of a joined user (a new join event with another display name). */
  changeProfile(roomId: string, userId: string, displayName: string): Promise<void>;
  /** The server leaves the room entirely (its current state is dropped; the room stays known). */
  serverLeave(roomId: string): Promise<void>;
  /** Flags the room's member list incomplete: present exactly with `partialState`. */
  markPartialState?(roomId: string, partial: boolean): Promise<void>;
  /** Releases everything the driver opened. */
  close(): Promise<void>;
}

/** What a backend can tell, beyond the joined members and rooms every source answers. */
export interface MembershipCapabilities {
  /** The source implements `getRoomStatuses`. */
  readonly roomStatus: boolean;
  /** The backend has partial-state rooms: the driver can flag a member list as incomplete. */
  readonly partialState: boolean;
  /** Statuses tell a room the server left (`left`) from a room it never knew (`unknown`). */
  readonly leftVsUnknown: boolean;
}

/** One capability, as a skipped case's title names it. */
type Capability = keyof MembershipCapabilities;

const MISSING: Readonly<Record<Capability, string>> = {
  roomStatus: 'it has no room statuses (getRoomStatuses)',
  partialState: 'it has no partial-state rooms',
  leftVsUnknown: 'its statuses cannot tell left from unknown',
};

/** Options of {@link describeMembershipContract}. */
export interface MembershipContractOptions {
  /** What the backend can tell; cases needing more are skipped, by name. */
  readonly capabilities: MembershipCapabilities;
  /** Members of the big-room case; default 120,000 (Matrix HQ's size). */
  readonly bigRoomSize?: number;
  /** Timeout of the big-room case in ms; default 300,000 (a loaded CI machine writing 120,000 rows). */
  readonly bigRoomTimeoutMs?: number;
}

/** Builds a fresh, empty backend whose local users belong to `serverName`. */
export type MakeMembershipDriver = (context: {
  serverName: string;
}) => Promise<MembershipContractDriver>;

const HS = 'hs.example';
const local = (name: string, server = HS) => `@${name}:${server}`;
const remote = (name: string) => `@${name}:remote.example`;

function sorted(values: readonly string[] | undefined): string[] {
  return [...(values ?? [])].sort();
}

/** Registers the membership contract suite for one backend. */
export function describeMembershipContract(
  name: string,
  makeDriver: MakeMembershipDriver,
  options: MembershipContractOptions,
): void {
  const { capabilities } = options;
  const bigRoomSize = options.bigRoomSize ?? 120_000;

  /** `it` when the backend has every capability in `needs`; a named skip otherwise. */
  function itNeeds(
    needs: readonly Capability[],
    title: string,
    test: () => Promise<void>,
    timeoutMs?: number,
  ): void {
    const missing = needs.filter((capability) => !capabilities[capability]);
    if (missing.length === 0) it(title, test, timeoutMs);
    else
      it.skip(`${title} (skipped for ${name}: ${missing.map((c) => MISSING[c]).join('; ')})`, test);
  }

  // Generous timeouts: database backends create a schema per case on possibly busy machines.
  describe(`MembershipSource contract: ${name}`, { timeout: 60_000 }, () => {
    const open: MembershipContractDriver[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((driver) => driver.close()));
    }, 120_000);
    async function driver(serverName = HS): Promise<MembershipContractDriver> {
      const made = await makeDriver({ serverName });
      open.push(made);
      return made;
    }
    async function members(d: MembershipContractDriver, roomId: string) {
      return (await d.source.getJoinedMembers([roomId])).get(roomId);
    }
    async function roomsOf(d: MembershipContractDriver, userId: string) {
      return sorted((await d.source.getRoomsForUsers([userId])).get(userId));
    }
    async function status(d: MembershipContractDriver, roomId: string): Promise<RoomStatus> {
      if (!isRoomStatusSource(d.source)) throw new Error(`${name} has no getRoomStatuses`);
      const answer = (await d.source.getRoomStatuses([roomId])).get(roomId);
      if (answer === undefined) throw new Error(`getRoomStatuses left out ${roomId}`);
      return answer;
    }
    async function markPartialState(d: MembershipContractDriver, roomId: string, partial: boolean) {
      if (d.markPartialState === undefined) throw new Error(`${name} has no markPartialState`);
      await d.markPartialState(roomId, partial);
    }

    it('declares the capabilities its source and driver have', async () => {
      const d = await driver();
      expect({
        roomStatus: isRoomStatusSource(d.source),
        partialState: d.markPartialState !== undefined,
      }).toEqual({ roomStatus: capabilities.roomStatus, partialState: capabilities.partialState });
    });

    it('answers joined members, local and remote, and the rooms of each', async () => {
      const d = await driver();
      await d.setMembership('!r:hs.example', local('alice'), 'join');
      await d.setMembership('!r:hs.example', remote('bob'), 'join');
      expect(sorted(await members(d, '!r:hs.example'))).toEqual([local('alice'), remote('bob')]);
      expect(await roomsOf(d, local('alice'))).toEqual(['!r:hs.example']);
      expect(await roomsOf(d, remote('bob'))).toEqual(['!r:hs.example']);
    });

    itNeeds(
      ['roomStatus'],
      'reports a room with a local member as participating, with its joined count',
      async () => {
        const d = await driver();
        await d.setMembership('!r:hs.example', local('alice'), 'join');
        await d.setMembership('!r:hs.example', remote('bob'), 'join');
        expect(await status(d, '!r:hs.example')).toEqual({
          status: 'participating',
          joinedCount: 2,
        });
      },
    );

    it('drops a member who leaves', async () => {
      const d = await driver();
      await d.setMembership('!r:hs.example', local('alice'), 'join');
      await d.setMembership('!r:hs.example', remote('bob'), 'join');
      await d.setMembership('!r:hs.example', remote('bob'), 'leave');
      expect(await members(d, '!r:hs.example')).toEqual([local('alice')]);
      expect(await roomsOf(d, remote('bob'))).toEqual([]);
    });

    it('drops a banned member', async () => {
      const d = await driver();
      await d.setMembership('!r:hs.example', local('alice'), 'join');
      await d.setMembership('!r:hs.example', remote('bob'), 'join');
      await d.setMembership('!r:hs.example', remote('bob'), 'ban');
      expect(await members(d, '!r:hs.example')).toEqual([local('alice')]);
      expect(await roomsOf(d, remote('bob'))).toEqual([]);
    });

    it('does not count invited or knocking users as joined', async () => {
      const d = await driver();
      await d.setMembership('!r:hs.example', local('alice'), 'join');
      await d.setMembership('!r:hs.example', remote('invited'), 'invite');
      await d.setMembership('!r:hs.example', local('knocker'), 'knock');
      expect(await members(d, '!r:hs.example')).toEqual([local('alice')]);
      expect(await roomsOf(d, remote('invited'))).toEqual([]);
      expect(await roomsOf(d, local('knocker'))).toEqual([]);
    });

    it('answers a rejoined user once', async () => {
      const d = await driver();
      await d.setMembership('!r:hs.example', local('alice'), 'join');
      await d.setMembership('!r:hs.example', remote('bob'), 'join');
      await d.setMembership('!r:hs.example', remote('bob'), 'leave');
      await d.setMembership('!r:hs.example', remote('bob'), 'join');
      expect(sorted(await members(d, '!r:hs.example'))).toEqual([local('alice'), remote('bob')]);
    });

    it('keeps one member through a profile change', async () => {
      const d = await driver();
      await d.setMembership('!r:hs.example', local('alice'), 'join');
      await d.setMembership('!r:hs.example', remote('bob'), 'join');
      await d.changeProfile('!r:hs.example', remote('bob'), 'Bob, renamed');
      await d.changeProfile('!r:hs.example', local('alice'), 'Alice, renamed');
      expect(sorted(await members(d, '!r:hs.example'))).toEqual([local('alice'), remote('bob')]);
    });

    itNeeds(['roomStatus'], 'counts a member once through a profile change', async () => {
      const d = await driver();
      await d.setMembership('!r:hs.example', local('alice'), 'join');
      await d.setMembership('!r:hs.example', remote('bob'), 'join');
      await d.changeProfile('!r:hs.example', remote('bob'), 'Bob, renamed');
      expect((await status(d, '!r:hs.example')).joinedCount).toBe(2);
    });

    it('answers only rooms with a local user joined', async () => {
      const d = await driver();
      await d.setMembership('!remote-only:remote.example', remote('bob'), 'join');
      await d.setMembership('!remote-only:remote.example', local('alice'), 'invite');
      await d.setMembership('!shared:hs.example', local('alice'), 'join');
      await d.setMembership('!shared:hs.example', remote('bob'), 'join');
      const answer = await d.source.getJoinedMembers([
        '!remote-only:remote.example',
        '!shared:hs.example',
      ]);
      expect([...answer.keys()]).toEqual(['!shared:hs.example']);
      expect(await roomsOf(d, remote('bob'))).toEqual(['!shared:hs.example']);
    });

    it('handles user IDs and server names with ports', async () => {
      const d = await driver('hs.example:8448');
      const room = '!p:hs.example:8448';
      await d.setMembership(room, '@u:hs.example:8448', 'join');
      await d.setMembership(room, '@v:remote.example:8448', 'join');
      // Same host, other port: another server, not local.
      await d.setMembership('!other:hs.example:8449', '@w:hs.example:8449', 'join');
      expect(sorted(await members(d, room))).toEqual([
        '@u:hs.example:8448',
        '@v:remote.example:8448',
      ]);
      expect((await d.source.getJoinedMembers(['!other:hs.example:8449'])).size).toBe(0);
      expect(await roomsOf(d, '@v:remote.example:8448')).toEqual([room]);
    });

    it('leaves unknown rooms out', async () => {
      const d = await driver();
      await d.setMembership('!known:hs.example', local('alice'), 'join');
      const answer = await d.source.getJoinedMembers(['!unknown:hs.example', '!known:hs.example']);
      expect(answer.has('!unknown:hs.example')).toBe(false);
      expect(answer.has('!known:hs.example')).toBe(true);
    });

    it('leaves out a room the server left', async () => {
      const d = await driver();
      await d.setMembership('!r:hs.example', local('alice'), 'join');
      await d.setMembership('!r:hs.example', remote('bob'), 'join');
      await d.setMembership('!stay:hs.example', remote('bob'), 'join');
      await d.setMembership('!stay:hs.example', local('carol'), 'join');
      await d.serverLeave('!r:hs.example');
      expect((await d.source.getJoinedMembers(['!r:hs.example'])).has('!r:hs.example')).toBe(false);
      expect(await roomsOf(d, remote('bob'))).toEqual(['!stay:hs.example']);
      expect(await roomsOf(d, local('alice'))).toEqual([]);
    });

    it('stops answering a room when its last local member leaves', async () => {
      const d = await driver();
      await d.setMembership('!r:hs.example', local('alice'), 'join');
      await d.setMembership('!r:hs.example', remote('bob'), 'join');
      await d.setMembership('!r:hs.example', local('alice'), 'leave');
      expect((await d.source.getJoinedMembers(['!r:hs.example'])).size).toBe(0);
      expect(await roomsOf(d, remote('bob'))).toEqual([]);
    });

    itNeeds(
      ['roomStatus'],
      'reports the rooms it does not answer as left or unknown, with no members',
      async () => {
        const d = await driver();
        await d.setMembership('!left:hs.example', local('alice'), 'join');
        await d.serverLeave('!left:hs.example');
        for (const roomId of ['!left:hs.example', '!unknown:hs.example']) {
          const { status: kind, joinedCount } = await status(d, roomId);
          expect(['left', 'unknown']).toContain(kind);
          expect(joinedCount).toBe(0);
        }
      },
    );

    itNeeds(
      ['roomStatus', 'leftVsUnknown'],
      'reports a room it never knew as unknown',
      async () => {
        const d = await driver();
        await d.setMembership('!known:hs.example', local('alice'), 'join');
        expect(await status(d, '!unknown:hs.example')).toEqual({
          status: 'unknown',
          joinedCount: 0,
        });
      },
    );

    itNeeds(
      ['roomStatus', 'leftVsUnknown'],
      'reports a room as left when the server leaves it or its last local member leaves',
      async () => {
        const d = await driver();
        await d.setMembership('!r:hs.example', local('alice'), 'join');
        await d.setMembership('!r:hs.example', remote('bob'), 'join');
        await d.serverLeave('!r:hs.example');
        await d.setMembership('!s:hs.example', local('carol'), 'join');
        await d.setMembership('!s:hs.example', remote('bob'), 'join');
        await d.setMembership('!s:hs.example', local('carol'), 'leave');
        expect(await status(d, '!r:hs.example')).toEqual({ status: 'left', joinedCount: 0 });
        expect(await status(d, '!s:hs.example')).toEqual({ status: 'left', joinedCount: 0 });
      },
    );

    itNeeds(['partialState'], 'answers the members of a partial-state room', async () => {
      const d = await driver();
      await d.setMembership('!partial:hs.example', local('alice'), 'join');
      await d.setMembership('!partial:hs.example', remote('bob'), 'join');
      await markPartialState(d, '!partial:hs.example', true);
      expect(sorted(await members(d, '!partial:hs.example'))).toEqual([
        local('alice'),
        remote('bob'),
      ]);
    });

    itNeeds(
      ['partialState', 'roomStatus'],
      'reports a partial-state room as partial-state, then participating once complete',
      async () => {
        const d = await driver();
        await d.setMembership('!partial:hs.example', local('alice'), 'join');
        await d.setMembership('!partial:hs.example', remote('bob'), 'join');
        await markPartialState(d, '!partial:hs.example', true);
        expect(await status(d, '!partial:hs.example')).toEqual({
          status: 'partial-state',
          joinedCount: 2,
        });
        await markPartialState(d, '!partial:hs.example', false);
        expect((await status(d, '!partial:hs.example')).status).toBe('participating');
      },
    );

    it('accepts room version 12 room IDs (no server part)', async () => {
      const d = await driver();
      await d.setMembership('!abcDEF123', local('alice'), 'join');
      await d.setMembership('!abcDEF123', remote('bob'), 'join');
      expect(sorted(await members(d, '!abcDEF123'))).toEqual([local('alice'), remote('bob')]);
      expect(await roomsOf(d, remote('bob'))).toEqual(['!abcDEF123']);
    });

    it('answers many rooms and many users in one call', async () => {
      const d = await driver();
      const rooms = Array.from({ length: 60 }, (_, i) => `!batch${i}:hs.example`);
      const expected = new Map<string, string[]>();
      for (const [i, room] of rooms.entries()) {
        const users = [
          local(`owner${i}`),
          ...Array.from({ length: i % 7 }, (_, j) => remote(`m${i}_${j}`)),
        ];
        if (i % 3 === 0) users.push(remote('everywhere'));
        await d.joinAll(room, users);
        expected.set(room, users.sort());
      }
      const asked = [...rooms, '!missing:hs.example', rooms[0] as string];
      const answer = await d.source.getJoinedMembers(asked);
      expect(answer.size).toBe(rooms.length);
      for (const room of rooms) expect(sorted(answer.get(room))).toEqual(expected.get(room));
      const users = [remote('everywhere'), local('owner5'), remote('m6_5'), remote('nobody')];
      const byUser = await d.source.getRoomsForUsers(users);
      expect(sorted(byUser.get(remote('everywhere')))).toEqual(
        rooms.filter((_, i) => i % 3 === 0).sort(),
      );
      expect(byUser.get(local('owner5'))).toEqual(['!batch5:hs.example']);
      expect(byUser.get(remote('m6_5'))).toEqual(['!batch6:hs.example']);
      expect(byUser.get(remote('nobody')) ?? []).toEqual([]);
    });

    it('answers empty lookups with empty maps', async () => {
      const d = await driver();
      expect((await d.source.getJoinedMembers([])).size).toBe(0);
      expect((await d.source.getRoomsForUsers([])).size).toBe(0);
    });

    it('rejects invalid room and user IDs with INVALID_ROOM_ID and INVALID_USER_ID', async () => {
      const d = await driver();
      const rejected = await d.source
        .getJoinedMembers(['not-a-room'])
        .catch((error: unknown) => error);
      expect(rejected).toBeInstanceOf(MembershipError);
      expect((rejected as MembershipError).code).toBe('INVALID_ROOM_ID');
      const bad = await d.source.getRoomsForUsers(['alice']).catch((error: unknown) => error);
      expect(bad).toBeInstanceOf(MembershipError);
      expect((bad as MembershipError).code).toBe('INVALID_USER_ID');
    });

    describe(`a ${bigRoomSize.toLocaleString('en')}-member room`, () => {
      const bigRoomTimeoutMs = options.bigRoomTimeoutMs ?? 300_000;
      const users = Array.from({ length: bigRoomSize }, (_, i) =>
        i % 2 === 0 ? local(`hq${i}`) : remote(`hq${i}`),
      );
      let d: MembershipContractDriver;
      beforeAll(async () => {
        d = await makeDriver({ serverName: HS });
        await d.joinAll('!hq:hs.example', users);
        await d.setMembership('!hq:hs.example', remote('hq1'), 'leave');
      }, bigRoomTimeoutMs);
      afterAll(() => d?.close(), 120_000);

      it('is answered completely', async () => {
        const answer = (await d.source.getJoinedMembers(['!hq:hs.example'])).get('!hq:hs.example');
        expect(answer).toHaveLength(bigRoomSize - 1);
        const present = new Set(answer);
        expect(present.size).toBe(bigRoomSize - 1);
        expect(present.has(remote('hq1'))).toBe(false);
        let missing = 0;
        for (const user of users) if (user !== remote('hq1') && !present.has(user)) missing++;
        expect(missing).toBe(0);
      });

      itNeeds(['roomStatus'], 'has its joined count in its status', async () => {
        expect(await status(d, '!hq:hs.example')).toEqual({
          status: 'participating',
          joinedCount: bigRoomSize - 1,
        });
      });
    });
  });
}
