/**
 * A lean `MembershipSource` over a workload's typed arrays, behaving like a real cached
 * source: each room's member list (and each user's room list) is built as strings once, on
 * first request, and the SAME array instance is returned on every later call — the engine
 * caches its integer copy by array identity. Rooms the server does not participate in are
 * absent, as the interface requires.
 *
 * @example
 * ```ts
 * const membership = new WorkloadMembership(workload);
 * const members = await membership.getJoinedMembers(['!r0:bench.test']);
 * members.get('!r0:bench.test'); // ['@u12:bench.test', ...]
 * ```
 * @module
 */
import type { MembershipSource } from '@presence-router/core';
import { roomIndexOf, userIndexOf, type Workload } from './workload.ts';

/** Serves a workload's membership through the `MembershipSource` interface. */
export class WorkloadMembership implements MembershipSource {
  readonly workload: Workload;
  readonly #memberLists: (readonly string[] | undefined)[];
  readonly #roomLists: (readonly string[] | undefined)[];
  readonly #roomIds: (string | undefined)[];

  constructor(workload: Workload) {
    this.workload = workload;
    this.#memberLists = new Array(workload.roomCount);
    this.#roomLists = new Array(workload.userCount);
    this.#roomIds = new Array(workload.roomCount);
  }

  /** Members of room index `room` as user IDs (same instance on every call). */
  membersOfRoom(room: number): readonly string[] {
    let list = this.#memberLists[room];
    if (list === undefined) {
      const members = this.workload.membersOf(room);
      const ids = new Array<string>(members.length);
      for (let i = 0; i < members.length; i++) {
        ids[i] = this.workload.userIds[members[i] as number] as string;
      }
      list = ids;
      this.#memberLists[room] = list;
    }
    return list;
  }

  /** The room ID of room index `room` (built once). */
  roomId(room: number): string {
    let id = this.#roomIds[room];
    if (id === undefined) {
      id = this.workload.roomIdOf(room);
      this.#roomIds[room] = id;
    }
    return id;
  }

  /** Participating rooms of user index `user` as room IDs (same instance on every call). */
  roomsOfUser(user: number): readonly string[] {
    let list = this.#roomLists[user];
    if (list === undefined) {
      const ids: string[] = [];
      for (const room of this.workload.roomsOf(user)) {
        if (this.workload.participating[room] === 1) ids.push(this.roomId(room));
      }
      list = ids;
      this.#roomLists[user] = list;
    }
    return list;
  }

  async getJoinedMembers(
    roomIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    const result = new Map<string, readonly string[]>();
    for (const roomId of roomIds) {
      const room = this.#roomIndex(roomId);
      if (room >= 0 && this.workload.participating[room] === 1) {
        result.set(roomId, this.membersOfRoom(room));
      }
    }
    return result;
  }

  async getRoomsForUsers(
    userIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    const result = new Map<string, readonly string[]>();
    for (const userId of userIds) {
      const user = userIndexOf(userId);
      if (user >= 0 && user < this.workload.userCount && this.workload.userIds[user] === userId) {
        result.set(userId, this.roomsOfUser(user));
      }
    }
    return result;
  }

  #roomIndex(roomId: string): number {
    const room = roomIndexOf(roomId);
    return room >= 0 && room < this.workload.roomCount && this.roomId(room) === roomId ? room : -1;
  }
}
