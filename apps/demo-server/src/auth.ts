/**
 * Who is asking: `Authorization: Bearer <token>` (or the older `?access_token=`) mapped to a
 * user through the configured access tokens; the application-service token acts as
 * `?user_id=` (any local user) or as its sender; the admin token guards the admin API.
 *
 * @example
 * ```ts
 * const auth = new Authenticator({ serverName: 'hs', accessTokens: new Map([['t0k3n-alice', '@alice:hs']]) });
 * auth.user(request); // '@alice:hs' or throws MatrixError M_MISSING_TOKEN / M_UNKNOWN_TOKEN
 * ```
 * @module
 */
import { userIdProblem } from '@presence-router/core';
import { MatrixError } from './errors.ts';

/** What authentication reads of a request: its headers and URL (a `Request` is one). */
export interface RequestLike {
  readonly url: string;
  readonly headers: { get(name: string): string | null };
}

/** Options of {@link Authenticator}. */
export interface AuthenticatorOptions {
  readonly serverName: string;
  /** Access token -> user ID. */
  readonly accessTokens: ReadonlyMap<string, string>;
  readonly appService?:
    | { readonly token: string; readonly senderLocalpart?: string | undefined }
    | undefined;
  readonly adminToken?: string | undefined;
}

/** Compares two strings in time independent of where they differ. */
function sameToken(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  }
  return diff === 0;
}

/** Authenticates requests; see the module documentation. */
export class Authenticator {
  readonly #options: AuthenticatorOptions;

  constructor(options: AuthenticatorOptions) {
    this.#options = options;
  }

  /** The token of a request: the Bearer header, else `?access_token=`. */
  static tokenOf(request: RequestLike): string | undefined {
    const header = request.headers.get('authorization');
    if (header !== null) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (match === null) {
        throw new MatrixError(
          401,
          'M_MISSING_TOKEN',
          'Invalid Authorization header: expected "Bearer <token>"',
        );
      }
      return match[1];
    }
    return new URL(request.url).searchParams.get('access_token') ?? undefined;
  }

  /** The user a request acts as. Throws {@link MatrixError} 401/403/400. */
  user(request: RequestLike): string {
    const token = Authenticator.tokenOf(request);
    if (token === undefined) throw new MatrixError(401, 'M_MISSING_TOKEN', 'Missing access token');
    const appService = this.#options.appService;
    if (appService !== undefined && sameToken(token, appService.token)) {
      return this.#appServiceUser(request, appService.senderLocalpart);
    }
    const userId = this.#options.accessTokens.get(token);
    if (userId === undefined) {
      throw new MatrixError(401, 'M_UNKNOWN_TOKEN', 'Unrecognised access token');
    }
    return userId;
  }

  /** Checks the admin token. Throws {@link MatrixError} 401 or 403. */
  admin(request: RequestLike): void {
    const token = Authenticator.tokenOf(request);
    if (token === undefined) throw new MatrixError(401, 'M_MISSING_TOKEN', 'Missing access token');
    const admin = this.#options.adminToken;
    if (admin === undefined) {
      throw new MatrixError(
        403,
        'M_FORBIDDEN',
        'The admin API is disabled: no admin_token is configured',
      );
    }
    if (!sameToken(token, admin)) {
      if (this.#options.accessTokens.has(token)) {
        throw new MatrixError(403, 'M_FORBIDDEN', 'You are not a server admin');
      }
      throw new MatrixError(401, 'M_UNKNOWN_TOKEN', 'Unrecognised access token');
    }
  }

  #appServiceUser(request: RequestLike, senderLocalpart: string | undefined): string {
    const asUser = new URL(request.url).searchParams.get('user_id');
    if (asUser === null) {
      if (senderLocalpart === undefined) {
        throw new MatrixError(
          400,
          'M_MISSING_PARAM',
          'The application service must give ?user_id=',
        );
      }
      return `@${senderLocalpart}:${this.#options.serverName}`;
    }
    const problem = userIdProblem(asUser);
    if (problem !== undefined) {
      throw new MatrixError(
        400,
        'M_INVALID_PARAM',
        `Invalid user_id ${JSON.stringify(asUser)}: ${problem}`,
      );
    }
    if (
      !asUser.endsWith(`:${this.#options.serverName}`) ||
      asUser.indexOf(':') !== asUser.length - this.#options.serverName.length - 1
    ) {
      throw new MatrixError(
        403,
        'M_FORBIDDEN',
        `Application service cannot masquerade as ${asUser}: not a local user`,
      );
    }
    return asUser;
  }
}
