/**
 * Errors raised by `@presence-router/membership`. Each has a stable `code`, a `name`, a
 * `cause` when another error led to it, and the data a caller needs (room ID, HTTP status,
 * Matrix errcode).
 *
 * @example
 * ```ts
 * try { await source.getJoinedMembers(['!r:hs']); }
 * catch (e) { if (e instanceof MembershipError && e.code === 'UNAUTHORIZED') reconfigure(); }
 * ```
 * @module
 */

/** Codes of membership errors. */
export type MembershipErrorCode =
  /** The adapter was configured wrongly (bad path, bad URL, bad option). */
  | 'INVALID_OPTIONS'
  /** An identifier given to the adapter is not a valid user or room ID. */
  | 'INVALID_ID'
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

/** Base class of membership errors. */
export class MembershipError extends Error {
  override name = 'MembershipError';
  readonly code: MembershipErrorCode;
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
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.roomId = details.roomId;
    this.status = details.status;
    this.errcode = details.errcode;
  }
}
