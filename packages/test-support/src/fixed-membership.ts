/**
 * A membership source over a fixed room -> members table (core's `MembershipSource`,
 * structurally), recording the calls it gets. Rooms not in the table are answered as not
 * participated in (absent), as a real source does.
 *
 * @example
 * ```ts
 * const membership = new FixedMembership({ '!r:hs': ['@a:hs', '@b:hs'] });
 * await membership.getJoinedMembers(['!r:hs']); // Map { '!r:hs' => ['@a:hs', '@b:hs'] }
 * membership.calls.members; // [['!r:hs']]
 * ```
 * @module
 */

/** The source; see the module documentation. */
export class FixedMembership {
  readonly rooms: Map<string, readonly string[]>;
  /** Every call's argument, in order. */
  readonly calls: { readonly members: string[][]; readonly rooms: string[][] } = {
    members: [],
    rooms: [],
  };

  constructor(rooms: Readonly<Record<string, readonly string[]>>) {
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
    const out = new Map<string, string[]>(userIds.map((userId) => [userId, []]));
    for (const [roomId, members] of this.rooms) {
      for (const member of members) out.get(member)?.push(roomId);
    }
    return out;
  }
}
