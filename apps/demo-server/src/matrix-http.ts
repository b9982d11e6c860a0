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
import { userIdProblem } from '@presence-router/core';
import { MatrixError } from './errors.ts';

/** Reads a request body that must be a JSON object. */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await request.text();
  } catch (cause) {
    if (cause instanceof MatrixError) throw cause;
    throw new MatrixError(400, 'M_NOT_JSON', 'Could not read the request body', { cause });
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
