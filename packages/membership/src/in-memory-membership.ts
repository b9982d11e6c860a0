/**
 * `InMemoryMembership`: a `MembershipSource` held in memory, changed by method calls. For
 * tests, demos, benchmarks, and servers that learn membership from somewhere else.
 *
 * A room is answered (present in `getJoinedMembers` / `getRoomsForUsers`) only while at least
 * one user of `serverName` is joined to it, as on a homeserver. `getJoinedMembers` returns the
 * same array instance for a room whose joined members did not change and a new one after any
 * change (copy-on-write), which the routing engine's caches rely on.
 *
 * @example
 * ```ts
 * import { InMemoryMembership } from '@presence-router/membership';
 *
 * const membership = new InMemoryMembership({ serverName: 'hs.example' });
 * membership.join('!room:hs.example', '@alice:hs.example');
 * membership.join('!room:hs.example', '@bob:other.example');
 * const off = membership.onChange((change) => console.log(change.rooms, change.users));
 * (await membership.getJoinedMembers(['!room:hs.example'])).get('!room:hs.example');
 * // ['@alice:hs.example', '@bob:other.example']
 * off();
 * ```
 * @module
 */
import type { Logger, MembershipSource } from '@presence-router/core';
import { assertServerName, consoleLogger, serverNameOf } from '@presence-router/core';
import { MembershipError } from './errors.ts';
import { checkRoomId, checkUserId } from './internal/checked-ids.ts';
import { isMembership } from './internal/membership-values.ts';
import type { PresenceSharingHint, PresenceSharingHintSource } from './presence-sharing-hints.ts';
import type { Membership, RoomStatus, RoomStatusKind, RoomStatusSource } from './room-status.ts';

/** Options of {@link InMemoryMembership}. */
export interface InMemoryMembershipOptions {
  /** This homeserver's name; its users decide whether a room is participated in. */
  readonly serverName: string;
  /** Where errors thrown by change listeners are reported. Default: the console. */
  readonly logger?: Logger;
}

/** What one change did, as told to {@link InMemoryMembership.onChange} listeners. */
export interface MembershipChange {
  /** What happened. */
  readonly kind: 'membership' | 'partial-state' | 'room-removed';
  /** The room that changed. */
  readonly roomId: string;
  /** The users whose membership changed (empty for `partial-state` and `room-removed`). */
  readonly changedUsers: readonly string[];
  /**
   * Rooms whose `getJoinedMembers` answer may have changed: invalidate them. Always just
   * {@link roomId}, or empty when nothing observable changed (an invite to a room nobody
   * answers for changes no joined list).
   */
  readonly rooms: ReadonlySet<string>;
  /**
   * Users whose `getRoomsForUsers` answer may have changed: invalidate them. When the room
   * started or stopped being participated in, every joined member is listed.
   */
  readonly users: ReadonlySet<string>;
}

/** A change listener; see {@link InMemoryMembership.onChange}. */
export type MembershipChangeListener = (change: MembershipChange) => void;

interface RoomRecord {
  /** Current membership of every user the room has seen (absent: never a member). */
  readonly memberships: Map<string, Membership>;
  /** Joined users, in join order. */
  readonly joined: Set<string>;
  /** How many joined users belong to this server. */
  localJoined: number;
  partialState: boolean;
  /** The room's `m.room.presence_sharing` hint; absent: no hint event (`forbid`). */
  presenceSharing: PresenceSharingHint | undefined;
  /** The frozen array `getJoinedMembers` hands out, until the next change. */
  snapshot: readonly string[] | undefined;
}

/** An in-memory `MembershipSource` that also reports room statuses, hints and changes. */
export class InMemoryMembership
  implements MembershipSource, RoomStatusSource, PresenceSharingHintSource
{
  /** This homeserver's name. */
  readonly serverName: string;
  readonly #logger: Logger;
  readonly #rooms = new Map<string, RoomRecord>();
  /** Rooms each user is joined to (participated in or not). */
  readonly #roomsOfUser = new Map<string, Set<string>>();
  readonly #listeners = new Set<MembershipChangeListener>();

  constructor(options: InMemoryMembershipOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new MembershipError('INVALID_OPTIONS', 'InMemoryMembership needs { serverName }');
    }
    try {
      this.serverName = assertServerName(options.serverName);
    } catch (cause) {
      throw new MembershipError(
        'INVALID_OPTIONS',
        `InMemoryMembership: invalid serverName ${JSON.stringify(options.serverName)}`,
        { cause },
      );
    }
    this.#logger = options.logger ?? consoleLogger;
  }

  /** Joins `userId` to `roomId` (also a profile change when already joined: no-op on members). */
  join(roomId: string, userId: string): void {
    this.setMembership(roomId, userId, 'join');
  }

  /** `userId` leaves `roomId` (or is kicked). */
  leave(roomId: string, userId: string): void {
    this.setMembership(roomId, userId, 'leave');
  }

  /** `userId` is banned from `roomId`. */
  ban(roomId: string, userId: string): void {
    this.setMembership(roomId, userId, 'ban');
  }

  /** `userId` is invited to `roomId` (not a joined member). */
  invite(roomId: string, userId: string): void {
    this.setMembership(roomId, userId, 'invite');
  }

  /** `userId` knocks on `roomId` (not a joined member). */
  knock(roomId: string, userId: string): void {
    this.setMembership(roomId, userId, 'knock');
  }

  /** Sets the membership of `userId` in `roomId`; creates the room when it is new. */
  setMembership(roomId: string, userId: string, membership: Membership): void {
    this.#apply(roomId, [checkUserId(userId)], membership);
  }

  /**
   * Joins many users at once (one change event): the quick way to build big rooms.
   * Throws before changing anything when one of the IDs is invalid.
   */
  joinAll(roomId: string, userIds: Iterable<string>): void {
    const users = [...userIds];
    for (const userId of users) checkUserId(userId);
    this.#apply(roomId, users, 'join');
  }

  /** The current membership of `userId` in `roomId`, or `undefined` when there is none. */
  membershipOf(roomId: string, userId: string): Membership | undefined {
    checkUserId(userId);
    return this.#rooms.get(checkRoomId(roomId))?.memberships.get(userId);
  }

  /** Whether the room is known (any membership was ever set in it). */
  hasRoom(roomId: string): boolean {
    return this.#rooms.has(checkRoomId(roomId));
  }

  /**
   * The server leaves the room entirely: every membership is forgotten (as Synapse deletes the
   * room's current state), but the room stays known, with status `left`.
   */
  serverLeave(roomId: string): void {
    const room = this.#rooms.get(checkRoomId(roomId));
    if (room === undefined) return;
    const wasAnswered = room.localJoined > 0;
    const users = new Set(room.joined);
    for (const userId of room.joined) this.#unlinkUser(userId, roomId);
    room.memberships.clear();
    room.joined.clear();
    room.localJoined = 0;
    room.snapshot = undefined;
    room.presenceSharing = undefined;
    this.#emit({
      kind: 'membership',
      roomId,
      changedUsers: [...users],
      rooms: new Set(wasAnswered ? [roomId] : []),
      users: wasAnswered ? users : new Set(),
    });
  }

  /** Forgets the room completely: its status becomes `unknown`. */
  removeRoom(roomId: string): void {
    const room = this.#rooms.get(checkRoomId(roomId));
    if (room === undefined) return;
    const wasAnswered = room.localJoined > 0;
    for (const userId of room.joined) this.#unlinkUser(userId, roomId);
    this.#rooms.delete(roomId);
    this.#emit({
      kind: 'room-removed',
      roomId,
      changedUsers: [],
      rooms: new Set(wasAnswered ? [roomId] : []),
      users: wasAnswered ? new Set(room.joined) : new Set(),
    });
  }

  /** Alias of {@link removeRoom}. */
  forgetRoom(roomId: string): void {
    this.removeRoom(roomId);
  }

  /**
   * Flags the room's member list as incomplete (partial state, as after a "faster join") or
   * complete again. Creates the room when it is new. Members are still answered.
   */
  markPartialState(roomId: string, partial = true): void {
    const room = this.#room(checkRoomId(roomId));
    if (room.partialState === partial) return;
    room.partialState = partial;
    this.#emit({
      kind: 'partial-state',
      roomId,
      changedUsers: [],
      rooms: new Set(),
      users: new Set(),
    });
  }

  /**
   * Sets the room's MSC4495 presence sharing hint (its `m.room.presence_sharing` state);
   * `undefined` removes it (the room then counts as `forbid`). Creates the room when it is
   * new. Not a membership change: listeners are not called.
   */
  setPresenceSharingHint(roomId: string, hint: PresenceSharingHint | undefined): void {
    if (hint !== undefined && hint !== 'suggest' && hint !== 'forbid') {
      throw new MembershipError(
        'INVALID_OPTIONS',
        `Unknown presence sharing hint ${JSON.stringify(hint)}: expected suggest, forbid or undefined`,
        { roomId },
      );
    }
    this.#room(checkRoomId(roomId)).presenceSharing = hint;
  }

  /**
   * The presence sharing hint of every requested room: `suggest` when set so, `forbid`
   * otherwise (no hint, unknown room, or a room the server left).
   */
  async getPresenceSharingHints(
    roomIds: readonly string[],
  ): Promise<ReadonlyMap<string, PresenceSharingHint>> {
    for (const roomId of roomIds) checkRoomId(roomId);
    const result = new Map<string, PresenceSharingHint>();
    for (const roomId of roomIds) {
      const hint = this.#rooms.get(roomId)?.presenceSharing;
      result.set(roomId, hint === 'suggest' ? 'suggest' : 'forbid');
    }
    return result;
  }

  /**
   * Calls `listener` after every change, with the rooms and users whose answers may have
   * changed. Returns a function that removes the listener. A listener that throws is logged;
   * the change itself stands and the other listeners still run.
   */
  onChange(listener: MembershipChangeListener): () => void {
    if (typeof listener !== 'function') {
      throw new MembershipError('INVALID_OPTIONS', 'onChange needs a function');
    }
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Joined members of each participated room; the same array until the room changes. */
  async getJoinedMembers(
    roomIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    return this.getJoinedMembersSync(roomIds);
  }

  /** Synchronous {@link getJoinedMembers}. */
  getJoinedMembersSync(roomIds: readonly string[]): ReadonlyMap<string, readonly string[]> {
    for (const roomId of roomIds) checkRoomId(roomId);
    const result = new Map<string, readonly string[]>();
    for (const roomId of roomIds) {
      const room = this.#rooms.get(roomId);
      if (room === undefined || room.localJoined === 0) continue;
      room.snapshot ??= Object.freeze([...room.joined]);
      result.set(roomId, room.snapshot);
    }
    return result;
  }

  /** Participated rooms of each user; every requested user has an entry (maybe empty). */
  async getRoomsForUsers(
    userIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    return this.getRoomsForUsersSync(userIds);
  }

  /** Synchronous {@link getRoomsForUsers}. */
  getRoomsForUsersSync(userIds: readonly string[]): ReadonlyMap<string, readonly string[]> {
    for (const userId of userIds) checkUserId(userId);
    const result = new Map<string, readonly string[]>();
    for (const userId of userIds) {
      const rooms: string[] = [];
      for (const roomId of this.#roomsOfUser.get(userId) ?? []) {
        if ((this.#rooms.get(roomId)?.localJoined ?? 0) > 0) rooms.push(roomId);
      }
      result.set(userId, rooms);
    }
    return result;
  }

  /** Status of every requested room. */
  async getRoomStatuses(roomIds: readonly string[]): Promise<ReadonlyMap<string, RoomStatus>> {
    for (const roomId of roomIds) checkRoomId(roomId);
    const result = new Map<string, RoomStatus>();
    for (const roomId of roomIds) {
      const room = this.#rooms.get(roomId);
      let status: RoomStatusKind;
      if (room === undefined) status = 'unknown';
      else if (room.localJoined === 0) status = 'left';
      else status = room.partialState ? 'partial-state' : 'participating';
      const answered = status === 'participating' || status === 'partial-state';
      result.set(roomId, { status, joinedCount: answered ? (room?.joined.size ?? 0) : 0 });
    }
    return result;
  }

  /** IDs of every known room (any status but `unknown`). */
  roomIds(): string[] {
    return [...this.#rooms.keys()];
  }

  #room(roomId: string): RoomRecord {
    let room = this.#rooms.get(roomId);
    if (room === undefined) {
      room = {
        memberships: new Map(),
        joined: new Set(),
        localJoined: 0,
        partialState: false,
        presenceSharing: undefined,
        snapshot: undefined,
      };
      this.#rooms.set(roomId, room);
    }
    return room;
  }

  #isLocal(userId: string): boolean {
    return serverNameOf(userId) === this.serverName;
  }

  #unlinkUser(userId: string, roomId: string): void {
    const rooms = this.#roomsOfUser.get(userId);
    if (rooms === undefined) return;
    rooms.delete(roomId);
    if (rooms.size === 0) this.#roomsOfUser.delete(userId);
  }

  #apply(roomId: string, userIds: readonly string[], membership: Membership): void {
    checkRoomId(roomId);
    if (!isMembership(membership)) {
      throw new MembershipError(
        'INVALID_OPTIONS',
        `Unknown membership ${JSON.stringify(membership)}: expected join, leave, ban, invite or knock`,
        { roomId },
      );
    }
    const room = this.#room(roomId);
    const wasAnswered = room.localJoined > 0;
    const changedUsers: string[] = [];
    const joinedChanged: string[] = [];
    for (const userId of userIds) {
      const previous = room.memberships.get(userId);
      room.memberships.set(userId, membership);
      if (previous === membership) continue;
      changedUsers.push(userId);
      const wasJoined = previous === 'join';
      const isJoined = membership === 'join';
      if (wasJoined === isJoined) continue;
      joinedChanged.push(userId);
      const local = this.#isLocal(userId);
      if (isJoined) {
        room.joined.add(userId);
        if (local) room.localJoined++;
        let rooms = this.#roomsOfUser.get(userId);
        if (rooms === undefined) {
          rooms = new Set();
          this.#roomsOfUser.set(userId, rooms);
        }
        rooms.add(roomId);
      } else {
        room.joined.delete(userId);
        if (local) room.localJoined--;
        this.#unlinkUser(userId, roomId);
      }
    }
    if (joinedChanged.length > 0) room.snapshot = undefined;
    const isAnswered = room.localJoined > 0;
    let rooms: Set<string>;
    let users: Set<string>;
    if (wasAnswered !== isAnswered) {
      // Participation flipped: every member's room list gained or lost this room.
      rooms = new Set([roomId]);
      users = new Set([...room.joined, ...joinedChanged]);
    } else if (isAnswered && joinedChanged.length > 0) {
      rooms = new Set([roomId]);
      users = new Set(joinedChanged);
    } else {
      rooms = new Set();
      users = new Set();
    }
    if (changedUsers.length === 0) return;
    this.#emit({ kind: 'membership', roomId, changedUsers, rooms, users });
  }

  #emit(change: MembershipChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (error) {
        this.#logger.error('A membership change listener threw', {
          roomId: change.roomId,
          error,
        });
      }
    }
  }
}
