/**
 * Errors raised by the demo server, each a core `PresenceRouterError` (the base class of every
 * package's errors) with a `name`, a stable string `code`, an optional `cause` and the data a
 * caller needs.
 *
 * - {@link MatrixError}: an error answered to a client as Matrix JSON
 *   (`{"errcode": "M_...", "error": "..."}`) with an HTTP status.
 * - {@link CliUsageError}: the command line was wrong (exit code 2).
 * - {@link ServerStartError}: the server could not be set up (membership source, modules, port).
 * - {@link StoreUnavailableError}: the presence store (Redis) cannot be reached now.
 *
 * Configuration problems are `ConfigError`s from `@presence-router/config` (with file, line,
 * column and path).
 *
 * @example
 * ```ts
 * throw new MatrixError(403, 'M_FORBIDDEN', 'You cannot set the presence of another user');
 * ```
 * @module
 */
import { PresenceRouterError } from '@presence-router/core';

/** Matrix error codes this server answers with. */
export type MatrixErrcode =
  | 'M_FORBIDDEN'
  | 'M_UNKNOWN_TOKEN'
  | 'M_MISSING_TOKEN'
  | 'M_NOT_JSON'
  | 'M_BAD_JSON'
  | 'M_INVALID_PARAM'
  | 'M_MISSING_PARAM'
  | 'M_NOT_FOUND'
  | 'M_UNRECOGNIZED'
  | 'M_TOO_LARGE'
  | 'M_LIMIT_EXCEEDED'
  | 'M_UNKNOWN';

/** An error answered to a client as `{"errcode", "error"}` JSON with an HTTP status. */
export class MatrixError extends PresenceRouterError<MatrixErrcode> {
  override name = 'MatrixError';
  /** The HTTP status to answer with. */
  readonly status: number;
  /** For `M_LIMIT_EXCEEDED`: how long the client should wait, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    status: number,
    code: MatrixErrcode,
    message: string,
    options: { retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.status = status;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The errcode (an alias of {@link MatrixError.code}, with the spec's name). */
  get errcode(): MatrixErrcode {
    return this.code;
  }

  /** The JSON body of the error response. */
  toJSON(): Record<string, unknown> {
    const body: Record<string, unknown> = { errcode: this.code, error: this.message };
    if (this.retryAfterMs !== undefined) body.retry_after_ms = this.retryAfterMs;
    return body;
  }
}

/** A wrong command line: unknown command or option, missing argument. Exit code 2. */
export class CliUsageError extends PresenceRouterError<'INVALID_USAGE'> {
  override name = 'CliUsageError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INVALID_USAGE', message, options);
  }
}

/** Codes of {@link ServerStartError}. */
export type ServerStartErrorCode =
  | 'MEMBERSHIP_SETUP_FAILED'
  | 'MODULE_SETUP_FAILED'
  | 'LISTEN_FAILED'
  | 'DEMO_DATABASE_FAILED'
  | 'FEDERATION_SETUP_FAILED'
  | 'STORE_SETUP_FAILED';

/** The server could not be set up or started. */
export class ServerStartError extends PresenceRouterError<ServerStartErrorCode> {
  override name = 'ServerStartError';

  constructor(code: ServerStartErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}

/** An error's message, for logs, whatever was thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Raised when a presence change is submitted after the pipeline closed (shutdown). */
export class PipelineClosedError extends PresenceRouterError<'SHUTTING_DOWN'> {
  override name = 'PipelineClosedError';

  constructor(message: string) {
    super('SHUTTING_DOWN', message);
  }
}

/**
 * The presence store cannot take or give what was asked now (Redis unreachable, a command
 * timed out). Writes answer 503 `M_UNKNOWN` with `Retry-After`; nothing was stored.
 */
export class StoreUnavailableError extends PresenceRouterError<'STORE_UNAVAILABLE'> {
  override name = 'StoreUnavailableError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super('STORE_UNAVAILABLE', message, options);
  }
}
