/**
 * The client-server API side of `MatrixHttpMembership`: members from
 * `GET /_matrix/client/v3/rooms/{roomId}/joined_members` with a user's (or an appservice
 * user's) token. Synapse answers only for rooms that user is joined to, and 403 both for
 * rooms the user is not in and for unknown rooms: such rooms are `left`; 404 is `unknown`.
 *
 * The API has no endpoint for the rooms of other users, so rooms of users come from the
 * member lists fetched so far, indexed here (user -> rooms). With `scanJoinedRooms`, each
 * lookup first lists the token user's `/joined_rooms` and refreshes all of them.
 *
 * @example
 * ```ts
 * const api = new ClientServerApi(client, { scanJoinedRooms: true });
 * await api.fetchRoom('!room:hs.example'); // { status: 'participating', members: [...] } or left/unknown
 * ```
 * @module
 */
import type { SettledLookup } from '@presence-router/core';
import { MembershipError } from '../../errors.ts';
import { unexpectedStatus } from './lookup-errors.ts';
import type { MatrixHttpClient } from './matrix-http-client.ts';
import type { FetchedRoom, MatrixMembershipApi, RefreshRooms } from './matrix-membership-api.ts';
import { parseJoinedMembers } from './matrix-responses.ts';

/** The client-server API; see the module documentation. */
export class ClientServerApi implements MatrixMembershipApi {
  readonly mode = 'client' as const;
  /** The member lists are the only source of the rooms of users. */
  readonly needsMemberLists = true;
  readonly #client: MatrixHttpClient;
  readonly #scanJoinedRooms: boolean;
  /** User -> rooms, from the member lists the adapter remembers. */
  readonly #roomsOfUser = new Map<string, Set<string>>();

  constructor(client: MatrixHttpClient, options: { readonly scanJoinedRooms: boolean }) {
    this.#client = client;
    this.#scanJoinedRooms = options.scanJoinedRooms;
  }

  async fetchRoom(roomId: string): Promise<FetchedRoom> {
    const what = `the joined members of ${roomId}`;
    const response = await this.#client.get(
      `_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/joined_members`,
      { description: what, roomId },
    );
    if (response.status === 200) {
      return { status: 'participating', members: parseJoinedMembers(response.body, roomId) };
    }
    if (response.status === 403) return { status: 'left' };
    if (response.status === 404) return { status: 'unknown' };
    throw unexpectedStatus(response, what, roomId);
  }

  async roomsForUsers(
    userIds: readonly string[],
    refresh: RefreshRooms,
  ): Promise<SettledLookup<MembershipError>> {
    const errors = new Map<string, MembershipError>();
    if (this.#scanJoinedRooms && userIds.length > 0) {
      const failed = await refresh(await this.#tokenUserRooms());
      // A room that failed to refresh makes every user's answer uncertain.
      const first = failed.values().next().value;
      if (first !== undefined) {
        const shown = [...failed.keys()].slice(0, 3).join(', ');
        for (const userId of userIds) {
          const message = `Rooms of ${userId}: ${failed.size} joined room(s) could not be refreshed (${shown}): ${first.message}`;
          errors.set(userId, new MembershipError(first.code, message, { cause: first }));
        }
        return { found: new Map(), errors };
      }
    }
    const found = new Map<string, readonly string[]>();
    for (const userId of userIds) found.set(userId, [...(this.#roomsOfUser.get(userId) ?? [])]);
    return { found, errors };
  }

  membersChanged(
    roomId: string,
    previous: readonly string[] | undefined,
    next: readonly string[] | undefined,
  ): void {
    for (const userId of previous ?? []) {
      const rooms = this.#roomsOfUser.get(userId);
      if (rooms === undefined) continue;
      rooms.delete(roomId);
      if (rooms.size === 0) this.#roomsOfUser.delete(userId);
    }
    for (const userId of next ?? []) {
      let rooms = this.#roomsOfUser.get(userId);
      if (rooms === undefined) {
        rooms = new Set();
        this.#roomsOfUser.set(userId, rooms);
      }
      rooms.add(roomId);
    }
  }

  /** The token user's joined rooms (`GET /joined_rooms`). */
  async #tokenUserRooms(): Promise<string[]> {
    const what = "the token user's joined rooms";
    const response = await this.#client.get('_matrix/client/v3/joined_rooms', {
      description: what,
    });
    if (response.status !== 200) throw unexpectedStatus(response, what, undefined);
    const rooms = (response.body as { joined_rooms?: unknown } | null)?.joined_rooms;
    if (!Array.isArray(rooms) || rooms.some((r) => typeof r !== 'string')) {
      throw new MembershipError(
        'MALFORMED_RESPONSE',
        'GET /joined_rooms: expected {"joined_rooms": [roomId, ...]}',
        { status: 200 },
      );
    }
    return rooms as string[];
  }
}
