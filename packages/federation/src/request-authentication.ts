/**
 * Authenticating an incoming server-server request, as Synapse does: every `X-Matrix`
 * `Authorization` header is parsed; the signed JSON `{method, uri, origin, destination,
 * content?}` is rebuilt with *our* server name as destination and the headers' signatures;
 * the origin's keys (from the key store) must verify it at the time of receipt.
 *
 * Answers: 401 `M_UNAUTHORIZED` for no X-Matrix header, a `destination` that is not ours, a
 * missing `destination` (unless `requireDestination: false`: the specification asks
 * recipients to accept its absence from pre-v1.3 senders), headers naming different
 * origins, and a signature that is missing, invalid or made with a key not valid now;
 * 400 `M_UNAUTHORIZED` for a header that cannot be parsed (Synapse's answer).
 *
 * @example
 * ```ts
 * const auth = await authenticateRequest({
 *   method: 'PUT', uri: req.url, authorization: req.headers.authorization,
 *   content: body, serverName: 'hs.example', keyStore,
 * });
 * if (!auth.authenticated) return reply(auth.status, { errcode: auth.errcode, error: auth.error });
 * ```
 * @module
 */
import type { JsonObject, JsonValue } from './canonical-json.ts';
import { FederationError } from './errors.ts';
import type { ServerKeyStore } from './server-key-store.ts';
import {
  parseXMatrixAuthorization,
  requestSigningObject,
  type XMatrixAuthorization,
} from './x-matrix.ts';

/** What {@link authenticateRequest} needs. */
export interface AuthenticateRequestOptions {
  /** The HTTP method as received. */
  readonly method: string;
  /** The request target (path and query) exactly as received. */
  readonly uri: string;
  /** Every `Authorization` header value of the request (or the one, or none). */
  readonly authorization: string | readonly string[] | undefined;
  /** The parsed JSON body, for methods with a body (PUT, POST). */
  readonly content?: JsonValue;
  /** Our server name: the `destination` the request must be for. */
  readonly serverName: string;
  readonly keyStore: Pick<ServerKeyStore, 'verifySignedJson'>;
  /** The time of receipt (ms since the epoch); keys must be valid then. Default now. */
  readonly now?: number;
  /** Refuse headers without `destination` (default true). */
  readonly requireDestination?: boolean;
}

/** The outcome of {@link authenticateRequest}. */
export type RequestAuthentication =
  | {
      readonly authenticated: true;
      /** The authenticated server name of the sender. */
      readonly origin: string;
      /** The keys whose signatures verified. */
      readonly keyIds: readonly string[];
    }
  | {
      readonly authenticated: false;
      readonly status: 400 | 401;
      readonly errcode: 'M_UNAUTHORIZED';
      readonly error: string;
    };

function refused(status: 400 | 401, error: string): RequestAuthentication {
  return { authenticated: false, status, errcode: 'M_UNAUTHORIZED', error };
}

/** Authenticates a request; see the module documentation. */
export async function authenticateRequest(
  options: AuthenticateRequestOptions,
): Promise<RequestAuthentication> {
  const values =
    options.authorization === undefined
      ? []
      : typeof options.authorization === 'string'
        ? [options.authorization]
        : options.authorization;
  const headers = values.filter((value) => /^X-Matrix(?:\s|$)/i.test(value));
  if (headers.length === 0) return refused(401, 'Missing Authorization headers');
  const parsed: XMatrixAuthorization[] = [];
  for (const header of headers) {
    try {
      parsed.push(parseXMatrixAuthorization(header));
    } catch (error) {
      if (error instanceof FederationError) return refused(400, 'Malformed Authorization header');
      throw error;
    }
  }
  const requireDestination = options.requireDestination ?? true;
  for (const auth of parsed) {
    if (auth.destination === undefined && requireDestination) {
      return refused(401, 'Missing destination in auth header');
    }
    if (auth.destination !== undefined && auth.destination !== options.serverName) {
      return refused(401, 'Destination mismatch in auth header');
    }
  }
  const origin = parsed[0]!.origin;
  if (parsed.some((auth) => auth.origin !== origin)) {
    return refused(401, 'Authorization headers name different origins');
  }
  const signatures: Record<string, string> = {};
  for (const auth of parsed) signatures[auth.key] = auth.sig;
  const signed: JsonObject = {
    ...requestSigningObject({
      method: options.method,
      uri: options.uri,
      origin,
      destination: options.serverName,
      ...(options.content === undefined ? {} : { content: options.content }),
    }),
    signatures: { [origin]: signatures },
  };
  const check = await options.keyStore.verifySignedJson(origin, signed, options.now);
  if (!check.valid) return refused(401, check.reason);
  return { authenticated: true, origin, keyIds: check.keyIds };
}
