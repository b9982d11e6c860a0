/**
 * The options of `MatrixHttpMembership`: the credentials (which also pick the API it reads),
 * the connection limits, timeouts and retries, and what the plain methods do with failures.
 *
 * @example
 * ```ts
 * const options: MatrixHttpMembershipOptions = {
 *   baseUrl: 'https://matrix.example.org',
 *   auth: { type: 'admin', accessToken: process.env.SYNAPSE_ADMIN_TOKEN! },
 *   serverName: 'example.org',
 *   retry: { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 5_000 },
 * };
 * ```
 * @module
 */
import type { Logger } from '@presence-router/core';
import type { MembershipError } from '../errors.ts';
import type { PartialFailurePolicy } from '../partial-failure-policy.ts';

/** How the adapter authenticates, which also picks the API it reads. */
export type MatrixHttpAuth =
  /** A user's access token: client-server API, rooms that user is joined to. */
  | { readonly type: 'user'; readonly accessToken: string }
  /** An application service's `as_token`, asserting `userId` (`?user_id=`): client-server API. */
  | { readonly type: 'appservice'; readonly asToken: string; readonly userId: string }
  /** A server admin's access token: Synapse admin API, every room and user. */
  | { readonly type: 'admin'; readonly accessToken: string };

/**
 * How HTTP requests are retried: capped exponential backoff with jitter for server and
 * network errors; the server's own hint, capped, for HTTP 429. Every field has a default.
 */
export interface RetryOptions {
  /** Attempts in total, the first included (>= 1). Default 4. */
  readonly maxAttempts?: number;
  /** Backoff before the second attempt, doubled each time after. Default 250 ms. */
  readonly baseDelayMs?: number;
  /** The longest backoff between two attempts. Default 10 s. */
  readonly maxDelayMs?: number;
  /** The longest wait a 429 answer may impose (`Retry-After` / `retry_after_ms`). Default 30 s. */
  readonly maxRetryAfterMs?: number;
  /** A number in [0, 1) for the jitter. Default `Math.random`. */
  readonly random?: () => number;
}

/** Options of `MatrixHttpMembership`. */
export interface MatrixHttpMembershipOptions {
  /** The homeserver's client-server base URL, e.g. `https://matrix.example.org`. */
  readonly baseUrl: string | URL;
  /** Credentials; see {@link MatrixHttpAuth}. */
  readonly auth: MatrixHttpAuth;
  /**
   * This homeserver's name. With the admin API, a room none of whose members is a user of
   * this server is treated as left (not participating).
   */
  readonly serverName?: string;
  /** Requests in flight at most. Default 8. */
  readonly concurrency?: number;
  /**
   * Timeout of one attempt, from sending to the last body byte. Default 30 s; never longer
   * than what is left of {@link lookupTimeoutMs}.
   */
  readonly timeoutMs?: number;
  /**
   * Total time of one request (one room's or one user's lookup) with all its attempts,
   * backoff waits, 429 waits and waits for a free slot between attempts; past it the request
   * fails with `TIMEOUT`. The clock starts with the first attempt: the wait for a first slot
   * (see {@link concurrency}) does not count, so that a big batch does not fail its own tail.
   * A positive integer, or `Infinity` for no deadline. Default 5000 ms.
   */
  readonly lookupTimeoutMs?: number;
  /** Bodies longer than this are not read further: `MALFORMED_RESPONSE`. Default 64 MiB. */
  readonly maxResponseBytes?: number;
  /** Retry settings; see {@link RetryOptions}. */
  readonly retry?: RetryOptions;
  /** The `fetch` to use. Default: the global one. */
  readonly fetch?: typeof fetch;
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
