/**
 * What the `auth` option of `MatrixHttpMembership` sends: the bearer token, and for an
 * application service the user it acts as (`?user_id=`). Anything else is `INVALID_OPTIONS`.
 *
 * @example
 * ```ts
 * credentialsOf({ type: 'appservice', asToken: 'as-token', userId: '@bridge:hs.example' });
 * // { accessToken: 'as-token', query: { user_id: '@bridge:hs.example' } }
 * ```
 * @module
 */
import { MembershipError } from '../../errors.ts';
import type { MatrixHttpAuth } from '../../http/matrix-http-options.ts';
import { checkUserId } from '../checked-ids.ts';

/** The token and query parameters of every request. */
export interface MatrixCredentials {
  readonly accessToken: string;
  readonly query: Readonly<Record<string, string>>;
}

/** Checks `auth` (unknown: it comes from the caller's options) and returns what to send. */
export function credentialsOf(auth: MatrixHttpAuth | undefined): MatrixCredentials {
  if (auth?.type === 'user' || auth?.type === 'admin') {
    return { accessToken: auth.accessToken, query: {} };
  }
  if (auth?.type === 'appservice') {
    try {
      return { accessToken: auth.asToken, query: { user_id: checkUserId(auth.userId) } };
    } catch (cause) {
      throw new MembershipError(
        'INVALID_OPTIONS',
        `auth.userId must be the user ID the application service acts as: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
  throw new MembershipError(
    'INVALID_OPTIONS',
    "auth must be { type: 'user', accessToken }, { type: 'appservice', asToken, userId } or { type: 'admin', accessToken }",
  );
}
