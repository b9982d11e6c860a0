/**
 * `MatrixHttpMembership`: a `MembershipSource` over a homeserver's HTTP APIs, for deployments
 * without access to the database.
 *
 * Two ways to read members (each in its own strategy under `internal/http/`):
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
import {
  assertServerName,
  consoleLogger,
  type Logger,
  type SettledLookup,
  type SettledMembershipSource,
} from '@presence-router/core';
import { MembershipError } from '../errors.ts';
import { checkRoomId, checkUserId } from '../internal/checked-ids.ts';
import { ClientServerApi } from '../internal/http/client-server-api.ts';
import { asLookupError, failsTheBatch } from '../internal/http/lookup-errors.ts';
import { credentialsOf } from '../internal/http/matrix-credentials.ts';
import { MatrixHttpClient } from '../internal/http/matrix-http-client.ts';
import type { MatrixMembershipApi } from '../internal/http/matrix-membership-api.ts';
import { SynapseAdminApi } from '../internal/http/synapse-admin-api.ts';
import { answerOf, partialFailurePolicy } from '../internal/settled-lookup.ts';
import type { PartialFailurePolicy } from '../partial-failure-policy.ts';
import type { RoomStatus, RoomStatusSource } from '../room-status.ts';
import type { MatrixHttpMembershipOptions } from './matrix-http-options.ts';

/** What one room lookup answers: the remembered member list, or why the room is absent. */
type RoomAnswer =
  | { readonly status: 'participating'; readonly members: readonly string[] }
  | { readonly status: 'left' | 'unknown' };

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
  readonly #api: MatrixMembershipApi;
  readonly #rememberMembers: boolean;
  readonly #policy: PartialFailurePolicy;
  readonly #onError: ((error: MembershipError, key: string) => void) | undefined;
  readonly #logger: Logger;
  /** Last member list seen per participated room (frozen; handed out again while unchanged). */
  readonly #known = new Map<string, readonly string[]>();

  constructor(options: MatrixHttpMembershipOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new MembershipError('INVALID_OPTIONS', 'MatrixHttpMembership needs options');
    }
    const { accessToken, query } = credentialsOf(options.auth);
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
    this.#api =
      options.auth.type === 'admin'
        ? new SynapseAdminApi(this.#client, this.serverName)
        : new ClientServerApi(this.#client, { scanJoinedRooms: options.scanJoinedRooms === true });
    this.mode = this.#api.mode;
    this.#rememberMembers = this.#api.needsMemberLists || options.rememberMembers !== false;
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
    this.#throwIfClosed();
    return this.#api.roomsForUsers(
      unique,
      async (roomIds) => (await this.#fetchRooms(roomIds)).errors,
    );
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
      result.set(roomId, {
        status: answer.status,
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

  #throwIfClosed(): void {
    if (this.#client.closed) {
      throw new MembershipError('CLOSED', 'The HTTP membership source is closed');
    }
  }

  async #fetchRooms(roomIds: readonly string[]): Promise<{
    answers: Map<string, RoomAnswer>;
    errors: Map<string, MembershipError>;
  }> {
    const unique = [...new Set(roomIds)];
    for (const roomId of unique) checkRoomId(roomId);
    this.#throwIfClosed();
    const results = await Promise.all(
      unique.map((roomId) =>
        this.#fetchRoom(roomId).then(
          (answer) => ({ roomId, answer, error: undefined }),
          (error: unknown) => ({
            roomId,
            answer: undefined,
            error: asLookupError(error, `GET the members of ${roomId}`, roomId),
          }),
        ),
      ),
    );
    const answers = new Map<string, RoomAnswer>();
    const errors = new Map<string, MembershipError>();
    for (const { roomId, answer, error } of results) {
      if (error !== undefined) {
        if (failsTheBatch(error)) throw error;
        errors.set(roomId, error);
      } else answers.set(roomId, answer as RoomAnswer);
    }
    return { answers, errors };
  }

  async #fetchRoom(roomId: string): Promise<RoomAnswer> {
    const fetched = await this.#api.fetchRoom(roomId);
    return fetched.status === 'participating'
      ? this.#remember(roomId, fetched.members)
      : this.#forget(roomId, fetched.status);
  }

  /** Records a participated room's members; returns the previous array when unchanged. */
  #remember(roomId: string, members: string[]): RoomAnswer {
    if (!this.#rememberMembers) return { status: 'participating', members: Object.freeze(members) };
    const previous = this.#known.get(roomId);
    if (previous !== undefined && sameMembers(previous, members)) {
      return { status: 'participating', members: previous };
    }
    const frozen = Object.freeze(members);
    this.#api.membersChanged(roomId, previous, frozen);
    this.#known.set(roomId, frozen);
    return { status: 'participating', members: frozen };
  }

  #forget(roomId: string, status: 'left' | 'unknown'): RoomAnswer {
    const previous = this.#known.get(roomId);
    if (previous !== undefined) {
      this.#api.membersChanged(roomId, previous, undefined);
      this.#known.delete(roomId);
    }
    return { status };
  }
}
