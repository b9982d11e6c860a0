import type { MembershipSource } from '@presence-router/core';

/**
 * Wraps a membership source and records every call, so tests can check batching (one
 * `getJoinedMembers` call per routed batch). Can also be told to fail.
 */
export class RecordingMembership implements MembershipSource {
  readonly inner: MembershipSource;
  readonly joinedMembersCalls: string[][] = [];
  readonly roomsForUsersCalls: string[][] = [];
  failWith: Error | undefined;

  constructor(inner: MembershipSource) {
    this.inner = inner;
  }

  async getJoinedMembers(
    roomIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    this.joinedMembersCalls.push([...roomIds]);
    if (this.failWith !== undefined) throw this.failWith;
    return this.inner.getJoinedMembers(roomIds);
  }

  async getRoomsForUsers(
    userIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    this.roomsForUsersCalls.push([...userIds]);
    if (this.failWith !== undefined) throw this.failWith;
    return this.inner.getRoomsForUsers(userIds);
  }
}
