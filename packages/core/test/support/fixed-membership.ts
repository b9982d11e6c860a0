import type { MembershipSource } from '../../src/index.ts';

/**
 * A membership source over a fixed room -> members table, for core's tests. Rooms listed in
 * `notParticipating` exist but are absent from answers, as a real source would do.
 */
export class FixedMembership implements MembershipSource {
  readonly rooms: Map<string, string[]>;
  readonly calls: { members: string[][]; rooms: string[][] } = { members: [], rooms: [] };

  constructor(rooms: Record<string, string[]>) {
    this.rooms = new Map(Object.entries(rooms));
  }

  async getJoinedMembers(
    roomIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    this.calls.members.push([...roomIds]);
    const out = new Map<string, readonly string[]>();
    for (const roomId of roomIds) {
      const members = this.rooms.get(roomId);
      if (members !== undefined) out.set(roomId, members);
    }
    return out;
  }

  async getRoomsForUsers(
    userIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    this.calls.rooms.push([...userIds]);
    const out = new Map<string, string[]>();
    for (const userId of userIds) out.set(userId, []);
    for (const [roomId, members] of this.rooms) {
      for (const member of members) out.get(member)?.push(roomId);
    }
    return out;
  }
}
