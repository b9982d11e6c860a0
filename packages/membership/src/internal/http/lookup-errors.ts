/**
 * The errors of the HTTP adapter's lookups: which of them fail a whole batch, how anything
 * thrown becomes a `MembershipError`, and the error of an HTTP status an endpoint does not
 * document.
 *
 * @example
 * ```ts
 * const error = asLookupError(thrown, `GET the members of ${roomId}`, roomId);
 * if (failsTheBatch(error)) throw error; // else: this room's error only
 * ```
 * @module
 */
import { MembershipError } from '../../errors.ts';
import type { MatrixResponse } from './matrix-http-client.ts';

/** Rejected credentials and a closed adapter fail every key of a batch, not one. */
export function failsTheBatch(error: MembershipError): boolean {
  return error.code === 'UNAUTHORIZED' || error.code === 'CLOSED';
}

/** `error` when it is a `MembershipError`, otherwise a `NETWORK_ERROR` caused by it. */
export function asLookupError(error: unknown, what: string, roomId?: string): MembershipError {
  if (error instanceof MembershipError) return error;
  return new MembershipError(
    'NETWORK_ERROR',
    `${what}: ${error instanceof Error ? error.message : String(error)}`,
    { ...(roomId !== undefined ? { roomId } : {}), cause: error },
  );
}

/** The text of an error answer: `HTTP 403 M_FORBIDDEN: You are not a server admin`. */
export function describeStatus(response: Pick<MatrixResponse, 'status' | 'errcode' | 'error'>) {
  return `HTTP ${response.status}${response.errcode ? ` ${response.errcode}` : ''}${response.error ? `: ${response.error}` : ''}`;
}

/** `UNEXPECTED_STATUS` for an answer `what` does not document. */
export function unexpectedStatus(
  response: Pick<MatrixResponse, 'status' | 'errcode' | 'error'>,
  what: string,
  roomId: string | undefined,
): MembershipError {
  return new MembershipError(
    'UNEXPECTED_STATUS',
    `GET ${what}: unexpected ${describeStatus(response)}`,
    {
      ...(roomId !== undefined ? { roomId } : {}),
      status: response.status,
      ...(response.errcode !== undefined ? { errcode: response.errcode } : {}),
    },
  );
}
