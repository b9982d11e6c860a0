/**
 * Matrix HTTP conventions on web-standard `Request`/`Response`: JSON bodies that must be
 * objects (`M_NOT_JSON`, `M_BAD_JSON`), integer query parameters (`M_INVALID_PARAM`), and
 * Matrix error responses with `Retry-After` for rate limits.
 *
 * @example
 * ```ts
 * const body = await readJsonObject(request); // throws MatrixError 400 M_NOT_JSON / M_BAD_JSON
 * return matrixErrorResponse(new MatrixError(403, 'M_FORBIDDEN', 'no'));
 * ```
 * @module
 */
import {
  InvalidIdentifierError,
  type Logger,
  MembershipLookupError,
  userIdProblem,
} from '@presence-router/core';
import { MatrixError, messageOf } from './errors.ts';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-depth.ts';

/** CORS headers, as Synapse sends them (web clients call from other origins). */
export const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
  'access-control-allow-headers': 'X-Requested-With, Content-Type, Authorization, Date',
};

/** Reads a request body that must be a JSON object (see {@link parseJsonObject}). */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await request.text();
  } catch (cause) {
    if (cause instanceof MatrixError) throw cause;
    throw new MatrixError(400, 'M_NOT_JSON', 'Could not read the request body', { cause });
  }
  return parseJsonObject(text);
}

/**
 * Parses a body that must be a JSON object nesting at most {@link MAX_JSON_DEPTH} levels:
 * 400 `M_NOT_JSON` for text that is not JSON, `M_BAD_JSON` for other values or deeper
 * nesting.
 */
export function parseJsonObject(text: string): Record<string, unknown> {
  if (exceedsJsonDepth(text)) {
    throw new MatrixError(
      400,
      'M_BAD_JSON',
      `The request body nests deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new MatrixError(400, 'M_NOT_JSON', 'Content not JSON.', { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MatrixError(400, 'M_BAD_JSON', 'The request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** A non-negative integer query parameter, or `fallback` when absent. */
export function integerParam(
  url: URL,
  name: string,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (!/^\d{1,15}$/.test(raw)) {
    throw new MatrixError(
      400,
      'M_INVALID_PARAM',
      `Query parameter ${name} must be a non-negative integer, found ${JSON.stringify(raw)}`,
    );
  }
  return Math.min(Number(raw), max);
}

/** A boolean query parameter (`true`/`false`), or `fallback` when absent. */
export function booleanParam(url: URL, name: string, fallback: boolean): boolean {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new MatrixError(
    400,
    'M_INVALID_PARAM',
    `Query parameter ${name} must be true or false, found ${JSON.stringify(raw)}`,
  );
}

/** A user ID from the path or a body, or a 400 `M_INVALID_PARAM`. */
export function checkedUserId(value: unknown, what = 'user ID'): string {
  const problem = typeof value === 'string' ? userIdProblem(value) : 'not a string';
  if (problem !== undefined) {
    throw new MatrixError(
      400,
      'M_INVALID_PARAM',
      `Invalid ${what} ${JSON.stringify(value)}: ${problem}`,
    );
  }
  return value as string;
}

/** A JSON response. */
export function jsonResponse(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** The response of a {@link MatrixError}, with `Retry-After` (seconds) when rate limited. */
export function matrixErrorResponse(error: MatrixError): Response {
  const headers: Record<string, string> = {};
  if (error.retryAfterMs !== undefined) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  }
  return jsonResponse(error.toJSON(), error.status, headers);
}

/**
 * The Matrix error to answer for anything a request handler threw: `MatrixError`s as they
 * are, invalid identifiers 400, unavailable membership 503 with `Retry-After`, anything
 * else 500 `M_UNKNOWN` (logged, never shown to the client).
 */
export function matrixErrorOf(error: unknown, logger: Logger): MatrixError {
  if (error instanceof MatrixError) return error;
  if (error instanceof InvalidIdentifierError) {
    return new MatrixError(400, 'M_INVALID_PARAM', error.message);
  }
  if (error instanceof MembershipLookupError) {
    logger.warn('request needs membership that is unavailable', { error: error.message });
    return new MatrixError(503, 'M_UNKNOWN', 'Room membership is unavailable right now; retry', {
      retryAfterMs: 2000,
    });
  }
  if (isClientAbort(error)) {
    // The client went away mid-request (an aborted upload): nobody reads the answer.
    logger.debug('client went away mid-request', { error: messageOf(error) });
    return new MatrixError(400, 'M_UNKNOWN', 'The request was aborted');
  }
  logger.error('request failed', { error: messageOf(error), name: (error as Error)?.name });
  return new MatrixError(500, 'M_UNKNOWN', 'Internal server error');
}

/** Whether `error` is a request body that ended because the client closed the connection. */
function isClientAbort(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    error.name === 'AbortError' ||
    code === 'ECONNRESET' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    error.message === 'aborted'
  );
}
