/**
 * `MatrixHttpMembership`: a `MembershipSource` over a homeserver's HTTP APIs, for deployments
 * without access to the database.
 *
 * Two ways to read members:
 * - the client-server API, `GET /_matrix/client/v3/rooms/{roomId}/joined_members`, with a
 *   user's access token (`auth: { type: 'user' }`) or an application service token asserting
 *   one of its users (`auth: { type: 'appservice' }`, sent as `?user_id=`). The API answers
 *   only for rooms that user is joined to: use a user (or appservice bot) joined to every
 *   room you route to. Synapse answers 403 both for rooms the user is not in and for unknown
 *   rooms: such rooms are absent from the answer, with status `left`; 404 gives `unknown`.
 * - the Synapse admin API (`auth: { type: 'admin' }`, a server admin's token),
 *   `GET /_synapse/admin/v1/rooms/{roomId}/members`: every room the server knows; 404 means
 *   unknown, an empty member list (or, with `serverName`, one without local users) means the
 *   server left. A 403 there means the token is not an admin's: `UNAUTHORIZED`.
 *
 * Rooms of users (`getRoomsForUsers`): with the admin API, from
 * `GET /_synapse/admin/v1/users/{userId}/joined_rooms`. The client-server API has no such
 * endpoint for other users (`/joined_rooms` answers for the token's own user only), so in
 * client mode the answer comes from the member lists fetched so far: **a user's rooms are
 * only known once those rooms were fetched with `getJoinedMembers`**. With
 * `scanJoinedRooms: true`, each `getRoomsForUsers` call first lists the token user's
 * `/joined_rooms` and refreshes the members of all of them (complete from that user's view,
 * one request per room: pair it with `CachedMembership`).
 *
 * Failures are per room: one room failing does not fail the others. A room (or user) that
 * does not answer within `lookupTimeoutMs` (default 5 s, retries and waits included) fails
 * with `TIMEOUT`; the other rooms of the batch are answered as soon as they are. The `*Settled` methods
 * return the failures beside the answers; the plain methods follow `onPartialFailure`
 * (`'reject'` by default: the batch rejects with one `MembershipError` listing the failed
 * rooms; `'omit'`: failed rooms are left out after `onError` was told). Rejected credentials
 * (`UNAUTHORIZED`) and a closed adapter (`CLOSED`) fail the whole batch in every method.
 *
 * Member arrays are frozen, and the same instance is returned for a room until its member
 * list changes (the routing engine caches per array identity).
 *
 * @example
 * ```ts
 * import { MatrixHttpMembership } from '@presence-router/membership';
 *
 * const membership = new MatrixHttpMembership({
 *   baseUrl: 'https://matrix.example.org',
 *   auth: { type: 'admin', accessToken: process.env.SYNAPSE_ADMIN_TOKEN! },
 *   serverName: 'example.org',
 *   concurrency: 8,
 *   timeoutMs: 2_000, // per attempt
 *   lookupTimeoutMs: 5_000, // per room or user, retries and waits included (the default)
 *   retry: { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 5_000 },
 * });
 * const members = await membership.getJoinedMembers(['!room:example.org']);
 * membership.close();
 * ```
 * @module
 */
import type { Logger } from '@presence-router/core';
import { assertServerName, consoleLogger, serverNameOf } from '@presence-router/core';
import {
  answerOf,
  type PartialFailurePolicy,
  partialFailurePolicy,
  type SettledLookup,
  type SettledMembershipSource,
} from '../cache/settled-lookup.ts';
import { MembershipError } from '../errors.ts';
import type { RoomStatus, RoomStatusKind, RoomStatusSource } from '../room-status.ts';
import { checkRoomId, checkUserId } from '../room-status.ts';
import { MatrixHttpClient, type MatrixHttpClientOptions } from './matrix-http-client.ts';
import {
  parseAdminJoinedRooms,
  parseAdminRoomMembers,
  parseJoinedMembers,
} from './matrix-responses.ts';

/** How the adapter authenticates, which also picks the API it reads. */
export type MatrixHttpAuth =
  /** A user's access token: client-server API, rooms that user is joined to. */
  | { readonly type: 'user'; readonly accessToken: string }
  /** An application service's `as_token`, asserting `userId` (`?user_id=`): client-server API. */
  | { readonly type: 'appservice'; readonly asToken: string; readonly userId: string }
  /** A server admin's access token: Synapse admin API, every room and user. */
  | { readonly type: 'admin'; readonly accessToken: string };

/** Options of {@link MatrixHttpMembership}. */
export interface MatrixHttpMembershipOptions
  extends Omit<MatrixHttpClientOptions, 'accessToken' | 'query'> {
  /** Credentials; see {@link MatrixHttpAuth}. */
  readonly auth: MatrixHttpAuth;
  /**
   * This homeserver's name. With the admin API, a room none of whose members is a user of
   * this server is treated as left (not participating).
   */
  readonly serverName?: string;
  /**
   * Keep the last member list of each room, to hand out the same array while it does not
   * change. Default true; client mode always keeps them (they answer `getRoomsForUsers`). In
   * admin mode behind a `CachedMembership` (which keeps array identity itself), `false`
   * avoids holding every member list twice.
   */
  readonly rememberMembers?: boolean;
  /** Client mode: list `/joined_rooms` before answering `getRoomsForUsers`. Default false. */
  readonly scanJoinedRooms?: boolean;
  /** What the plain methods do when some rooms or users fail. Default `'reject'`. */
  readonly onPartialFailure?: PartialFailurePolicy;
  /** Told about every room or user whose lookup failed, whatever the policy. */
  readonly onError?: (error: MembershipError, key: string) => void;
  /** Where failures are logged under `'omit'` when there is no `onError`. Default: console. */
  readonly logger?: Logger;
}

/** What one room request found. */
type RoomAnswer =
  | { readonly status: 'participating'; readonly members: readonly string[] }
  | { readonly status: 'left' | 'unknown' };

function isFatal(error: MembershipError): boolean {
  return error.code === 'UNAUTHORIZED' || error.code === 'CLOSED';
}

function toMembershipError(error: unknown, what: string, roomId?: string): MembershipError {
  if (error instanceof MembershipError) return error;
  return new MembershipError(
    'NETWORK_ERROR',
    `${what}: ${error instanceof Error ? error.message : String(error)}`,
    { ...(roomId !== undefined ? { roomId } : {}), cause: error },
  );
}

/** Whether two member lists hold the same users (any order). */
function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  if (i === a.length) return true;
  const rest = new Set(a.slice(i));
  for (let j = i; j < b.length; j++) if (!rest.has(b[j] as string)) return false;
  return rest.size === a.length - i;
}

/** A `MembershipSource` over Matrix HTTP APIs; see the module documentation. */
export class MatrixHttpMembership implements SettledMembershipSource, RoomStatusSource {
  /** `'client'` (client-server API) or `'admin'` (Synapse admin API). */
  readonly mode: 'client' | 'admin';
  /** This server's name, when configured. */
  readonly serverName: string | undefined;
  readonly #client: MatrixHttpClient;
  readonly #scanJoinedRooms: boolean;
  readonly #rememberMembers: boolean;
  readonly #policy: PartialFailurePolicy;
  readonly #onError: ((error: MembershipError, key: string) => void) | undefined;
  readonly #logger: Logger;
  /** Last member list seen per participated room (frozen; handed out again while unchanged). */
  readonly #known = new Map<string, readonly string[]>();
  /** Client mode: user -> rooms, from the member lists in {@link #known}. */
  readonly #roomsOfUser = new Map<string, Set<string>>();

  constructor(options: MatrixHttpMembershipOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new MembershipError('INVALID_OPTIONS', 'MatrixHttpMembership needs options');
    }
    const { auth } = options;
    let accessToken: string;
    let query: Record<string, string> = {};
    if (auth?.type === 'user' || auth?.type === 'admin') accessToken = auth.accessToken;
    else if (auth?.type === 'appservice') {
      accessToken = auth.asToken;
      try {
        query = { user_id: checkUserId(auth.userId) };
      } catch (cause) {
        throw new MembershipError(
          'INVALID_OPTIONS',
          `auth.userId must be the user ID the application service acts as: ${(cause as Error).message}`,
          { cause },
        );
      }
    } else {
      throw new MembershipError(
        'INVALID_OPTIONS',
        "auth must be { type: 'user', accessToken }, { type: 'appservice', asToken, userId } or { type: 'admin', accessToken }",
      );
    }
    this.mode = auth.type === 'admin' ? 'admin' : 'client';
    if (options.serverName !== undefined) {
      try {
        this.serverName = assertServerName(options.serverName);
      } catch (cause) {
        throw new MembershipError(
          'INVALID_OPTIONS',
          `invalid serverName ${JSON.stringify(options.serverName)}`,
          { cause },
        );
      }
    } else this.serverName = undefined;
    if (options.onError !== undefined && typeof options.onError !== 'function') {
      throw new MembershipError('INVALID_OPTIONS', 'onError must be a function');
    }
    this.#client = new MatrixHttpClient({ ...options, accessToken, query });
    this.#scanJoinedRooms = options.scanJoinedRooms === true;
    this.#rememberMembers = this.mode === 'client' || options.rememberMembers !== false;
    this.#policy = partialFailurePolicy(options.onPartialFailure);
    this.#onError = options.onError;
    this.#logger = options.logger ?? consoleLogger;
  }

  /** The HTTP client (its `limit` tells requests in flight and waiting). */
  get client(): MatrixHttpClient {
    return this.#client;
  }

  /** Aborts requests in flight; later calls reject with `CLOSED`. */
  close(): void {
    this.#client.close();
  }

  /** Joined members of each participated room; see the module docs for failures. */
  async getJoinedMembers(
    roomIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    const settled = await this.getJoinedMembersSettled(roomIds);
    return this.#answer(settled, 'room', roomIds.length);
  }

  /** Rooms of each user (every requested user has an entry); see the module docs. */
  async getRoomsForUsers(
    userIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    const settled = await this.getRoomsForUsersSettled(userIds);
    return this.#answer(settled, 'user', userIds.length);
  }

  /** {@link getJoinedMembers} with per-room failures in `errors`. */
  async getJoinedMembersSettled(
    roomIds: readonly string[],
  ): Promise<SettledLookup<MembershipError>> {
    const { answers, errors } = await this.#fetchRooms(roomIds);
    const found = new Map<string, readonly string[]>();
    for (const [roomId, answer] of answers) {
      if (answer.status === 'participating') found.set(roomId, answer.members);
    }
    return { found, errors };
  }

  /** {@link getRoomsForUsers} with per-user failures in `errors`. */
  async getRoomsForUsersSettled(
    userIds: readonly string[],
  ): Promise<SettledLookup<MembershipError>> {
    const unique = [...new Set(userIds)];
    for (const userId of unique) checkUserId(userId);
    if (this.#client.closed) {
      throw new MembershipError('CLOSED', 'The HTTP membership source is closed');
    }
    if (this.mode === 'client') {
      const errors = new Map<string, MembershipError>();
      if (this.#scanJoinedRooms && unique.length > 0) {
        const scanned = await this.#scanTokenUserRooms();
        // A room that failed to refresh makes every user's answer uncertain.
        if (scanned.size > 0) {
          const first = [...scanned.values()][0] as MembershipError;
          for (const userId of unique) {
            const error = new MembershipError(
              first.code,
              `Rooms of ${userId}: ${scanned.size} joined room(s) could not be refreshed (${[...scanned.keys()].slice(0, 3).join(', ')}): ${first.message}`,
              { cause: first },
            );
            errors.set(userId, error);
          }
          return { found: new Map(), errors };
        }
      }
      const found = new Map<string, readonly string[]>();
      for (const userId of unique) found.set(userId, [...(this.#roomsOfUser.get(userId) ?? [])]);
      return { found, errors };
    }
    const found = new Map<string, readonly string[]>();
    const errors = new Map<string, MembershipError>();
    const results = await Promise.all(
      unique.map((userId) =>
        this.#fetchUserRooms(userId).then(
          (rooms) => ({ userId, rooms, error: undefined }),
          (error: unknown) => ({
            userId,
            rooms: undefined,
            error: toMembershipError(error, `GET the joined rooms of ${userId}`),
          }),
        ),
      ),
    );
    for (const { userId, rooms, error } of results) {
      if (error !== undefined) {
        if (isFatal(error)) throw error;
        errors.set(userId, error);
      } else found.set(userId, rooms as readonly string[]);
    }
    return { found, errors };
  }

  /**
   * Status of each room, from one request per room: `participating` (with its member
   * count), `left` (client API 403: not joined or unknown; admin API: no local member),
   * `unknown` (404). Rejects when a room cannot be looked up.
   */
  async getRoomStatuses(roomIds: readonly string[]): Promise<ReadonlyMap<string, RoomStatus>> {
    const { answers, errors } = await this.#fetchRooms(roomIds);
    if (errors.size > 0) answerOf({ found: new Map(), errors }, 'reject', 'room', roomIds.length);
    const result = new Map<string, RoomStatus>();
    for (const roomId of roomIds) {
      const answer = answers.get(roomId) as RoomAnswer;
      const status: RoomStatusKind = answer.status;
      result.set(roomId, {
        status,
        joinedCount: answer.status === 'participating' ? answer.members.length : 0,
      });
    }
    return result;
  }

  #answer(
    settled: SettledLookup<MembershipError>,
    kind: 'room' | 'user',
    batchSize: number,
  ): ReadonlyMap<string, readonly string[]> {
    for (const [key, error] of settled.errors) {
      if (this.#onError !== undefined) {
        try {
          this.#onError(error, key);
        } catch (listenerError) {
          this.#logger.error('onError threw', { key, error: String(listenerError) });
        }
      } else if (this.#policy === 'omit') {
        this.#logger.warn(`Membership lookup of ${key} failed; left out of the answer`, {
          key,
          code: error.code,
          error: error.message,
        });
      }
    }
    return answerOf(settled, this.#policy, kind, batchSize);
  }

  async #fetchRooms(roomIds: readonly string[]): Promise<{
    answers: Map<string, RoomAnswer>;
    errors: Map<string, MembershipError>;
  }> {
    const unique = [...new Set(roomIds)];
    for (const roomId of unique) checkRoomId(roomId);
    if (this.#client.closed) {
      throw new MembershipError('CLOSED', 'The HTTP membership source is closed');
    }
    const results = await Promise.all(
      unique.map((roomId) =>
        this.#fetchRoom(roomId).then(
          (answer) => ({ roomId, answer, error: undefined }),
          (error: unknown) => ({
            roomId,
            answer: undefined,
            error: toMembershipError(error, `GET the members of ${roomId}`, roomId),
          }),
        ),
      ),
    );
    const answers = new Map<string, RoomAnswer>();
    const errors = new Map<string, MembershipError>();
    for (const { roomId, answer, error } of results) {
      if (error !== undefined) {
        if (isFatal(error)) throw error;
        errors.set(roomId, error);
      } else answers.set(roomId, answer as RoomAnswer);
    }
    return { answers, errors };
  }

  async #fetchRoom(roomId: string): Promise<RoomAnswer> {
    const encoded = encodeURIComponent(roomId);
    if (this.mode === 'client') {
      const response = await this.#client.get(`_matrix/client/v3/rooms/${encoded}/joined_members`, {
        description: `the joined members of ${roomId}`,
        roomId,
      });
      if (response.status === 200) {
        return this.#remember(roomId, parseJoinedMembers(response.body, roomId));
      }
      if (response.status === 403) return this.#forget(roomId, 'left');
      if (response.status === 404) return this.#forget(roomId, 'unknown');
      throw this.#unexpected(response, `the joined members of ${roomId}`, roomId);
    }
    const response = await this.#client.get(`_synapse/admin/v1/rooms/${encoded}/members`, {
      description: `the members of ${roomId} (admin API)`,
      roomId,
    });
    if (response.status === 200) {
      const members = parseAdminRoomMembers(response.body, roomId);
      const serverName = this.serverName;
      const participating =
        members.length > 0 &&
        (serverName === undefined || members.some((u) => serverNameOf(u) === serverName));
      return participating ? this.#remember(roomId, members) : this.#forget(roomId, 'left');
    }
    if (response.status === 404) return this.#forget(roomId, 'unknown');
    if (response.status === 403) throw this.#notAdmin(response, roomId);
    throw this.#unexpected(response, `the members of ${roomId} (admin API)`, roomId);
  }

  async #fetchUserRooms(userId: string): Promise<readonly string[]> {
    const response = await this.#client.get(
      `_synapse/admin/v1/users/${encodeURIComponent(userId)}/joined_rooms`,
      { description: `the joined rooms of ${userId} (admin API)` },
    );
    if (response.status === 200) return parseAdminJoinedRooms(response.body, userId);
    if (response.status === 404) return [];
    if (response.status === 403) throw this.#notAdmin(response, undefined);
    throw this.#unexpected(response, `the joined rooms of ${userId} (admin API)`, undefined);
  }

  /** Client mode: refreshes the members of every room of the token's user; returns failures. */
  async #scanTokenUserRooms(): Promise<Map<string, MembershipError>> {
    const response = await this.#client.get('_matrix/client/v3/joined_rooms', {
      description: "the token user's joined rooms",
    });
    if (response.status !== 200) {
      throw this.#unexpected(response, "the token user's joined rooms", undefined);
    }
    const body = response.body as { joined_rooms?: unknown } | null;
    const rooms = body?.joined_rooms;
    if (!Array.isArray(rooms) || rooms.some((r) => typeof r !== 'string')) {
      throw new MembershipError(
        'MALFORMED_RESPONSE',
        'GET /joined_rooms: expected {"joined_rooms": [roomId, ...]}',
        { status: 200 },
      );
    }
    const { errors } = await this.#fetchRooms(rooms as string[]);
    return errors;
  }

  /** Records a participated room's members; returns the previous array when unchanged. */
  #remember(roomId: string, members: string[]): RoomAnswer {
    if (!this.#rememberMembers) return { status: 'participating', members: Object.freeze(members) };
    const previous = this.#known.get(roomId);
    if (previous !== undefined && sameMembers(previous, members)) {
      return { status: 'participating', members: previous };
    }
    const frozen = Object.freeze(members);
    if (this.mode === 'client') {
      if (previous !== undefined) this.#unindex(roomId, previous);
      for (const userId of frozen) {
        let rooms = this.#roomsOfUser.get(userId);
        if (rooms === undefined) {
          rooms = new Set();
          this.#roomsOfUser.set(userId, rooms);
        }
        rooms.add(roomId);
      }
    }
    this.#known.set(roomId, frozen);
    return { status: 'participating', members: frozen };
  }

  #forget(roomId: string, status: 'left' | 'unknown'): RoomAnswer {
    const previous = this.#known.get(roomId);
    if (previous !== undefined) {
      if (this.mode === 'client') this.#unindex(roomId, previous);
      this.#known.delete(roomId);
    }
    return { status };
  }

  #unindex(roomId: string, members: readonly string[]): void {
    for (const userId of members) {
      const rooms = this.#roomsOfUser.get(userId);
      if (rooms === undefined) continue;
      rooms.delete(roomId);
      if (rooms.size === 0) this.#roomsOfUser.delete(userId);
    }
  }

  #notAdmin(
    response: { status: number; errcode: string | undefined; error: string | undefined },
    roomId: string | undefined,
  ): MembershipError {
    return new MembershipError(
      'UNAUTHORIZED',
      `The Synapse admin API refused the access token (HTTP 403${response.errcode ? ` ${response.errcode}` : ''}${response.error ? `: ${response.error}` : ''}): auth.type 'admin' needs a server admin's token`,
      {
        ...(roomId !== undefined ? { roomId } : {}),
        status: 403,
        ...(response.errcode !== undefined ? { errcode: response.errcode } : {}),
      },
    );
  }

  #unexpected(
    response: { status: number; errcode: string | undefined; error: string | undefined },
    what: string,
    roomId: string | undefined,
  ): MembershipError {
    return new MembershipError(
      'UNEXPECTED_STATUS',
      `GET ${what}: unexpected HTTP ${response.status}${response.errcode ? ` ${response.errcode}` : ''}${response.error ? `: ${response.error}` : ''}`,
      {
        ...(roomId !== undefined ? { roomId } : {}),
        status: response.status,
        ...(response.errcode !== undefined ? { errcode: response.errcode } : {}),
      },
    );
  }
}
