/**
 * What differs between the two APIs `MatrixHttpMembership` can read, as one interface with
 * two implementations: the client-server API (`client-server-api.ts`: a user's or
 * appservice's token, the rooms that user is joined to) and the Synapse admin API
 * (`synapse-admin-api.ts`: every room and user). The adapter keeps the rest: ID checks,
 * concurrency of a batch, per-key failures, and the same array per unchanged member list.
 *
 * @example
 * ```ts
 * const api: MatrixMembershipApi = new SynapseAdminApi(client, 'hs.example');
 * const fetched = await api.fetchRoom('!room:hs.example'); // { status: 'participating', members }
 * ```
 * @module
 */
import type { SettledLookup } from '@presence-router/core';
import type { MembershipError } from '../../errors.ts';

/** What one room request found: its members, or why the room is not answered. */
export type FetchedRoom =
  | { readonly status: 'participating'; readonly members: string[] }
  | { readonly status: 'left' | 'unknown' };

/** Fetches the members of `roomIds` through the adapter (remembering them); returns failures. */
export type RefreshRooms = (
  roomIds: readonly string[],
) => Promise<ReadonlyMap<string, MembershipError>>;

/** One API's way of reading members and rooms; see the module documentation. */
export interface MatrixMembershipApi {
  /** `'client'` (client-server API) or `'admin'` (Synapse admin API). */
  readonly mode: 'client' | 'admin';
  /** Whether every member list must be kept, whatever `rememberMembers` says. */
  readonly needsMemberLists: boolean;
  /** One room's members, or its status; throws a `MembershipError` when it cannot tell. */
  fetchRoom(roomId: string): Promise<FetchedRoom>;
  /**
   * Rooms of each of `userIds` (checked and deduplicated); per-user failures in `errors`,
   * batch failures thrown. `refresh` fetches rooms through the adapter.
   */
  roomsForUsers(
    userIds: readonly string[],
    refresh: RefreshRooms,
  ): Promise<SettledLookup<MembershipError>>;
  /**
   * The remembered member list of a room changed: `previous` is the list before (none:
   * `undefined`), `next` the list now (`undefined`: the room is no longer answered).
   */
  membersChanged(
    roomId: string,
    previous: readonly string[] | undefined,
    next: readonly string[] | undefined,
  ): void;
}
