/**
 * Errors raised by `@presence-router/membership`: one class, {@link MembershipError}, a
 * `PresenceRouterError` of `@presence-router/core` (so `instanceof PresenceRouterError`
 * catches it with every other package's errors). Each has a stable `code`, a `name`, a
 * `cause` when another error led to it, and the data a caller needs (room ID, HTTP status,
 * Matrix errcode). Bad input is `INVALID_<WHAT>` (`INVALID_USER_ID` and `INVALID_ROOM_ID`
 * as in core, `INVALID_OPTIONS`).
 *
 * @example
 * ```ts
 * try { await source.getJoinedMembers(['!r:hs']); }
 * catch (e) { if (e instanceof MembershipError && e.code === 'UNAUTHORIZED') reconfigure(); }
 * ```
 * @module
 */
import { PresenceRouterError } from '@presence-router/core';

/** Codes of membership errors. */
export type MembershipErrorCode =
  /** The adapter was configured wrongly (bad path, bad URL, bad option). */
  | 'INVALID_OPTIONS'
  /** A user ID given to a source is not a valid Matrix user ID. */
  | 'INVALID_USER_ID'
  /** A room ID given to a source is not a valid Matrix room ID. */
  | 'INVALID_ROOM_ID'
  /**
   * An optional peer dependency the backend needs is not installed, or cannot be loaded
   * (`better-sqlite3` for a SQLite path, `pg` for a PostgreSQL URL); the message names the
   * package and the command that installs it.
   */
  | 'DEPENDENCY_MISSING'
  /** The database could not be opened or queried. */
  | 'DATABASE_ERROR'
  /**
   * The SQLite database file is missing, truncated or unreadable (deleted or replaced under
   * the running adapter); lookups fail with this until the file is readable again.
   */
  | 'DATABASE_UNAVAILABLE'
  /** The database does not have Synapse's schema (a table or column is missing). */
  | 'SCHEMA_MISMATCH'
  /** The homeserver rejected the credentials (HTTP 401). */
  | 'UNAUTHORIZED'
  /** Rate limited and the retry budget ran out (HTTP 429). */
  | 'RATE_LIMITED'
  /** The homeserver failed (HTTP 5xx) after the retries. */
  | 'SERVER_ERROR'
  /** A network error or timeout after the retries. */
  | 'NETWORK_ERROR'
  /**
   * A request, query or lookup took longer than its timeout: an HTTP attempt (`timeoutMs`),
   * one room's or user's lookup with its retries (`lookupTimeoutMs`), a database query
   * (`queryTimeoutMs`), or a call wrapped by `withLookupDeadline`.
   */
  | 'TIMEOUT'
  /** A response body was not what the API documents, or too large. */
  | 'MALFORMED_RESPONSE'
  /** An unexpected HTTP status. */
  | 'UNEXPECTED_STATUS'
  /** The adapter was closed. */
  | 'CLOSED';

/** The error of every membership source; see the module documentation. */
export class MembershipError extends PresenceRouterError<MembershipErrorCode> {
  override name = 'MembershipError';
  /** The room the failure concerns, when there is one. */
  readonly roomId: string | undefined;
  /** The HTTP status, for HTTP adapters. */
  readonly status: number | undefined;
  /** The Matrix `errcode` of the response, when there was one. */
  readonly errcode: string | undefined;

  constructor(
    code: MembershipErrorCode,
    message: string,
    details: { roomId?: string; status?: number; errcode?: string; cause?: unknown } = {},
  ) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.roomId = details.roomId;
    this.status = details.status;
    this.errcode = details.errcode;
  }
}
