import type { MembershipSource } from '@presence-router/core';

/** A membership source over a fixed room -> members table. */
export class FixedMembership implements MembershipSource {
  readonly rooms: Map<string, string[]>;

  constructor(rooms: Record<string, string[]>) {
    this.rooms = new Map(Object.entries(rooms));
  }

  async getJoinedMembers(
    roomIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
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
    const out = new Map<string, string[]>();
    for (const userId of userIds) out.set(userId, []);
    for (const [roomId, members] of this.rooms) {
      for (const member of members) out.get(member)?.push(roomId);
    }
    return out;
  }
}
