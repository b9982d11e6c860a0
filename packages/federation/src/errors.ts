/**
 * The one error class of `@presence-router/federation`: {@link FederationError}, a core
 * `PresenceRouterError` with a stable `code` and the data a caller needs to act on it
 * (the line of a key file, the server whose keys failed, the HTTP status of a refusal).
 *
 * @example
 * ```ts
 * try { parseSigningKeyFile(text); }
 * catch (e) {
 *   if (e instanceof FederationError && e.code === 'INVALID_KEY_FILE') {
 *     for (const issue of e.issues) console.log(`line ${issue.line}: ${issue.message}`);
 *   }
 * }
 * ```
 * @module
 */
import { PresenceRouterError } from '@presence-router/core';

/** Codes of every error raised by this package. */
export type FederationErrorCode =
  /** A value that canonical JSON cannot encode (a float, NaN, an unsafe integer, undefined...). */
  | 'INVALID_CANONICAL_JSON'
  /** A string that is not (unpadded or padded) standard base64. */
  | 'INVALID_BASE64'
  /** A signing key of the wrong algorithm, version or length. */
  | 'INVALID_SIGNING_KEY'
  /** A signing key file in the wrong format; `issues` lists every bad line. */
  | 'INVALID_KEY_FILE'
  /** A server name that does not follow the Matrix grammar. */
  | 'INVALID_SERVER_NAME'
  /** An `Authorization: X-Matrix ...` header that cannot be parsed. */
  | 'INVALID_AUTHORIZATION'
  /** A `/_matrix/key/v2/server` response that is malformed, misnamed or not self-signed. */
  | 'INVALID_SERVER_KEYS'
  /** Fetching a server's keys failed (network, HTTP status, or an invalid response). */
  | 'KEY_FETCH_FAILED'
  /** A request to another server failed: no answer, or an answer larger than allowed. */
  | 'REQUEST_FAILED'
  /** Server discovery failed (a DNS error, or a destination the HTTP client cannot reach). */
  | 'DISCOVERY_FAILED'
  /** An option given to a constructor or function is out of range or of the wrong type. */
  | 'INVALID_OPTIONS'
  /** The platform has no WebCrypto Ed25519 (`crypto.subtle`). */
  | 'CRYPTO_UNAVAILABLE'
  /** The sender was closed and accepts no more states. */
  | 'SENDER_CLOSED';

/** One problem found in an input that has several (the lines of a key file). */
export interface FederationIssue {
  /** 1-based line number, when the input has lines. */
  readonly line?: number;
  readonly message: string;
}

/** Data attached to a {@link FederationError}. */
export interface FederationErrorDetails {
  /** Every problem found, when the input may have several. */
  readonly issues?: readonly FederationIssue[];
  /** The server the failure concerns (whose keys, which destination). */
  readonly serverName?: string;
  /** Where in a JSON value the problem is (`$.content.push[0]`), for canonical JSON. */
  readonly path?: string;
  /** The HTTP status a remote server answered, when it answered. */
  readonly status?: number;
  readonly cause?: unknown;
}

/** An error of `@presence-router/federation`; see the module documentation. */
export class FederationError extends PresenceRouterError<FederationErrorCode> {
  override name = 'FederationError';
  /** Every problem found (at least one entry when the input has several problems). */
  readonly issues: readonly FederationIssue[];
  readonly serverName: string | undefined;
  readonly path: string | undefined;
  readonly status: number | undefined;

  constructor(code: FederationErrorCode, message: string, details: FederationErrorDetails = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.issues = details.issues ?? [];
    this.serverName = details.serverName;
    this.path = details.path;
    this.status = details.status;
  }
}
