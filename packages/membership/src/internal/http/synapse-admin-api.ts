/**
 * The Synapse admin API side of `MatrixHttpMembership`, with a server admin's token: members
 * from `GET /_synapse/admin/v1/rooms/{roomId}/members` (every room the server knows; 404 is
 * `unknown`; an empty member list, or with `serverName` one without a local user, means the
 * server left), rooms of users from `GET /_synapse/admin/v1/users/{userId}/joined_rooms`.
 * A 403 means the token is not an admin's: `UNAUTHORIZED`, which fails the whole batch.
 *
 * @example
 * ```ts
 * const api = new SynapseAdminApi(client, 'hs.example');
 * await api.roomsForUsers(['@alice:hs.example'], refresh); // { found: Map { '@alice:hs.example' => [...] }, errors }
 * ```
 * @module
 */
import { type SettledLookup, serverNameOf } from '@presence-router/core';
import { MembershipError } from '../../errors.ts';
import { asLookupError, describeStatus, failsTheBatch, unexpectedStatus } from './lookup-errors.ts';
import type { MatrixHttpClient, MatrixResponse } from './matrix-http-client.ts';
import type { FetchedRoom, MatrixMembershipApi } from './matrix-membership-api.ts';
import { parseAdminJoinedRooms, parseAdminRoomMembers } from './matrix-responses.ts';

/** `UNAUTHORIZED` for a 403 of the admin API: the token is not a server admin's. */
function notAdmin(response: MatrixResponse, roomId: string | undefined): MembershipError {
  return new MembershipError(
    'UNAUTHORIZED',
    `The Synapse admin API refused the access token (${describeStatus(response)}): auth.type 'admin' needs a server admin's token`,
    {
      ...(roomId !== undefined ? { roomId } : {}),
      status: 403,
      ...(response.errcode !== undefined ? { errcode: response.errcode } : {}),
    },
  );
}

/** The Synapse admin API; see the module documentation. */
export class SynapseAdminApi implements MatrixMembershipApi {
  readonly mode = 'admin' as const;
  /** Rooms of users have their own endpoint: member lists are kept only on request. */
  readonly needsMemberLists = false;
  readonly #client: MatrixHttpClient;
  readonly #serverName: string | undefined;

  constructor(client: MatrixHttpClient, serverName: string | undefined) {
    this.#client = client;
    this.#serverName = serverName;
  }

  async fetchRoom(roomId: string): Promise<FetchedRoom> {
    const what = `the members of ${roomId} (admin API)`;
    const response = await this.#client.get(
      `_synapse/admin/v1/rooms/${encodeURIComponent(roomId)}/members`,
      { description: what, roomId },
    );
    if (response.status === 200) {
      const members = parseAdminRoomMembers(response.body, roomId);
      const serverName = this.#serverName;
      const participating =
        members.length > 0 &&
        (serverName === undefined || members.some((u) => serverNameOf(u) === serverName));
      return participating ? { status: 'participating', members } : { status: 'left' };
    }
    if (response.status === 404) return { status: 'unknown' };
    if (response.status === 403) throw notAdmin(response, roomId);
    throw unexpectedStatus(response, what, roomId);
  }

  async roomsForUsers(userIds: readonly string[]): Promise<SettledLookup<MembershipError>> {
    const results = await Promise.all(
      userIds.map((userId) =>
        this.#userRooms(userId).then(
          (rooms) => ({ userId, rooms, error: undefined }),
          (error: unknown) => ({
            userId,
            rooms: undefined,
            error: asLookupError(error, `GET the joined rooms of ${userId}`),
          }),
        ),
      ),
    );
    const found = new Map<string, readonly string[]>();
    const errors = new Map<string, MembershipError>();
    for (const { userId, rooms, error } of results) {
      if (error !== undefined) {
        if (failsTheBatch(error)) throw error;
        errors.set(userId, error);
      } else found.set(userId, rooms as readonly string[]);
    }
    return { found, errors };
  }

  membersChanged(): void {
    // Rooms of users are asked for, not derived from member lists.
  }

  async #userRooms(userId: string): Promise<readonly string[]> {
    const what = `the joined rooms of ${userId} (admin API)`;
    const response = await this.#client.get(
      `_synapse/admin/v1/users/${encodeURIComponent(userId)}/joined_rooms`,
      { description: what },
    );
    if (response.status === 200) return parseAdminJoinedRooms(response.body, userId);
    if (response.status === 404) return [];
    if (response.status === 403) throw notAdmin(response, undefined);
    throw unexpectedStatus(response, what, undefined);
  }
}
