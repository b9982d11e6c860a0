/**
 * A {@link FederationFetch} over `node:https` (and `node:http` for `http://` overrides) that
 * does what server discovery asks and WHATWG `fetch` cannot: it connects to the resolved
 * host and port, sends the resolved `Host` header, and sends as TLS server name (and checks
 * the certificate against) the name discovery gives, with no SNI for IP addresses.
 * Certificates are checked by Node's defaults. Responses are read up to `maxResponseBytes`
 * (default 4 MiB); redirects are not followed.
 *
 * @example
 * ```ts
 * const resolver = new ServerResolver({ lookupSrv: nodeSrvLookup() });
 * const fetch = createNodeFederationFetch({ resolver });
 * const keys = new ServerKeyStore({ fetch });
 * ```
 * @module
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { FederationError } from '../errors.ts';
import type { FederationFetch } from '../federation-fetch.ts';
import type { ServerResolver } from '../server-discovery.ts';

/** Options of {@link createNodeFederationFetch}. */
export interface NodeFederationFetchOptions {
  readonly resolver: Pick<ServerResolver, 'resolve'>;
  /** Abort a request without an answer after this long (default 60 s). */
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
}

function toHeaders(message: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return headers;
}

/** A {@link FederationFetch} over node:https; see the module documentation. */
export function createNodeFederationFetch(options: NodeFederationFetchOptions): FederationFetch {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxBytes = options.maxResponseBytes ?? 4 * 1024 * 1024;
  return async (serverName, request) => {
    const target = await options.resolver.resolve(serverName);
    const headers: Record<string, string> = { ...request.headers, host: target.hostHeader };
    if (request.body !== undefined) headers['content-length'] = String(request.body.length);
    const requestOptions: RequestOptions & { servername?: string } = {
      host: target.connectHost,
      port: target.port,
      method: request.method,
      path: request.path,
      headers,
      ...(request.signal === undefined ? {} : { signal: request.signal }),
      ...(target.tlsServerName === undefined ? {} : { servername: target.tlsServerName }),
    };
    return new Promise<Response>((resolve, reject) => {
      const send = target.secure ? httpsRequest : httpRequest;
      const outgoing = send(requestOptions, (incoming) => {
        const chunks: Buffer[] = [];
        let total = 0;
        incoming.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > maxBytes) {
            incoming.destroy();
            reject(
              new FederationError(
                'REQUEST_FAILED',
                `The answer of ${serverName} exceeds ${maxBytes} bytes`,
                {
                  serverName,
                  status: incoming.statusCode,
                },
              ),
            );
            return;
          }
          chunks.push(chunk);
        });
        incoming.on('error', reject);
        incoming.on('end', () => {
          const status = incoming.statusCode ?? 502;
          const body =
            status === 204 || status === 304 ? null : new Uint8Array(Buffer.concat(chunks));
          try {
            resolve(new Response(body, { status, headers: toHeaders(incoming) }));
          } catch (error) {
            reject(error);
          }
        });
      });
      outgoing.setTimeout(timeoutMs, () => {
        outgoing.destroy(new Error(`No answer from ${serverName} within ${timeoutMs} ms`));
      });
      outgoing.on('error', reject);
      outgoing.end(request.body === undefined ? undefined : Buffer.from(request.body));
    });
  };
}
