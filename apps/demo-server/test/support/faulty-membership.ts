/**
 * A membership source whose rooms can be told to misbehave, for fault tests: `hang` (the
 * lookup never answers until {@link FaultyMembership.heal}), `fail` (it rejects) or `garbage`
 * (it answers a list that is not user IDs). A plain `MembershipSource`, not a settled one:
 * a fault fails every room of the call it is in, as a simple adapter would.
 */
import type { MembershipSource } from '@presence-router/core';

/** How a room misbehaves. */
export type RoomFault = 'hang' | 'fail' | 'garbage';

export class FaultyMembership implements MembershipSource {
  readonly #rooms: Map<string, readonly string[]>;
  readonly #faults = new Map<string, RoomFault>();
  #hanging: (() => void)[] = [];
  /** Member lookups made, per room. */
  readonly lookups = new Map<string, number>();

  constructor(rooms: Record<string, readonly string[]>) {
    this.#rooms = new Map(Object.entries(rooms));
  }

  /** Makes `roomId` misbehave from now on. */
  break(roomId: string, fault: RoomFault): void {
    this.#faults.set(roomId, fault);
  }

  /** Makes every room healthy again and answers the lookups left hanging. */
  heal(): void {
    this.#faults.clear();
    const hanging = this.#hanging;
    this.#hanging = [];
    for (const answer of hanging) answer();
  }

  /** Lookups waiting on a hanging room right now. */
  get hangingLookups(): number {
    return this.#hanging.length;
  }

  async getJoinedMembers(
    roomIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    for (const roomId of roomIds) this.lookups.set(roomId, (this.lookups.get(roomId) ?? 0) + 1);
    const faults = roomIds.map((roomId) => this.#faults.get(roomId));
    if (faults.includes('hang')) {
      await new Promise<void>((resolve) => this.#hanging.push(resolve));
    } else if (faults.includes('fail')) {
      throw new Error('the membership database is down');
    }
    const answer = new Map<string, readonly string[]>();
    for (const roomId of roomIds) {
      const members = this.#rooms.get(roomId);
      if (members === undefined) continue;
      answer.set(
        roomId,
        this.#faults.get(roomId) === 'garbage' ? ([42, null] as unknown as string[]) : members,
      );
    }
    return answer;
  }

  async getRoomsForUsers(
    userIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    const answer = new Map<string, string[]>(userIds.map((userId) => [userId, []]));
    for (const [roomId, members] of this.#rooms) {
      for (const member of members) answer.get(member)?.push(roomId);
    }
    return answer;
  }
}
