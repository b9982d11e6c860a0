/**
 * {@link FederationFetch}: how this package sends an HTTP request to another Matrix server
 * by its server name. The key store and the transaction transport take one, so tests pass a
 * fake and servers pass a real one: {@link createFederationFetch} here (any runtime with
 * WHATWG `fetch`), or `createNodeFederationFetch` from `@presence-router/federation/node`,
 * which also sets the `Host` header and TLS server name discovery asks for.
 *
 * WHATWG `fetch` cannot choose its `Host` header or SNI: they follow the URL. So
 * {@link createFederationFetch} sends `Host: <host>:<port>` (the port included when it is not
 * 443), and refuses (`DISCOVERY_FAILED`) the one case it cannot do right: an SRV record
 * pointing at another host, where the certificate and `Host` must name the server itself.
 *
 * @example
 * ```ts
 * const federationFetch = createFederationFetch({ resolver: new ServerResolver() });
 * const response = await federationFetch('remote.example', { method: 'GET', path: '/_matrix/key/v2/server' });
 * ```
 * @module
 */
import { FederationError } from './errors.ts';
import { requestSignal } from './internal/request-signal.ts';
import type { FetchLike, ResolvedServer, ServerResolver } from './server-discovery.ts';

/** One request to another server. */
export interface FederationRequest {
  readonly method: 'GET' | 'PUT' | 'POST';
  /** Path and query, starting with `/_matrix/`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array<ArrayBuffer>;
  /** Aborts the request. */
  readonly signal?: AbortSignal;
}

/** Sends `request` to the server called `serverName`; resolves to its response. */
export type FederationFetch = (serverName: string, request: FederationRequest) => Promise<Response>;

/** Options of {@link createFederationFetch}. */
export interface FederationFetchOptions {
  readonly resolver: Pick<ServerResolver, 'resolve'>;
  /** Defaults to the global `fetch`. */
  readonly fetch?: FetchLike;
  /** Abort a request after this long (default 60 s, Synapse's federation timeout). */
  readonly timeoutMs?: number;
}

/** Whether a WHATWG `fetch` of `baseUrl` sends the `Host` and SNI discovery asked for. */
function fetchCanReach(target: ResolvedServer): boolean {
  const hostOfHeader = target.hostHeader.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return hostOfHeader === target.connectHost;
}

/** A {@link FederationFetch} over WHATWG `fetch`; see the module documentation. */
export function createFederationFetch(options: FederationFetchOptions): FederationFetch {
  const globalFetch = (globalThis as { fetch?: FetchLike }).fetch;
  const doFetch: FetchLike = options.fetch ?? ((input, init) => globalFetch!(input, init));
  const timeoutMs = options.timeoutMs ?? 60_000;
  return async (serverName, request) => {
    const target = await options.resolver.resolve(serverName);
    if (!fetchCanReach(target)) {
      throw new FederationError(
        'DISCOVERY_FAILED',
        `${serverName} is served by ${target.connectHost}:${target.port} with Host ${target.hostHeader} (${target.via}); WHATWG fetch cannot send that Host header or TLS server name: use createNodeFederationFetch from @presence-router/federation/node`,
        { serverName },
      );
    }
    const signal = requestSignal(request.signal, timeoutMs);
    return doFetch(`${target.baseUrl}${request.path}`, {
      method: request.method,
      headers: { ...request.headers },
      redirect: 'manual',
      ...(request.body === undefined ? {} : { body: request.body }),
      ...(signal === undefined ? {} : { signal }),
    });
  };
}
