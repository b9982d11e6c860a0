/**
 * A fake federation: servers are functions from a request to a `Response`, reached through a
 * {@link FederationFetch} that records every request and refuses unknown names.
 */

import { decodeBase64 } from '../../src/base64.ts';
import type { FederationFetch, FederationRequest } from '../../src/federation-fetch.ts';
import { buildServerKeyResponse, type OldVerifyKey } from '../../src/server-keys.ts';
import { type SigningKey, signingKeyFromSeed } from '../../src/signing-key.ts';
import { SPEC_SEED } from './spec-vectors.ts';

export type FakeHandler = (request: FederationRequest) => Response | Promise<Response>;

export function jsonResponse(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export class FakeNetwork {
  readonly #servers = new Map<string, FakeHandler>();
  readonly requests: { serverName: string; request: FederationRequest }[] = [];

  serve(serverName: string, handler: FakeHandler): void {
    this.#servers.set(serverName, handler);
  }

  readonly fetch: FederationFetch = async (serverName, request) => {
    this.requests.push({ serverName, request });
    const handler = this.#servers.get(serverName);
    if (handler === undefined) throw new Error(`connect ECONNREFUSED (${serverName})`);
    return handler(request);
  };

  /** How many key requests went to `serverName`. */
  keyFetches(serverName: string): number {
    return this.requests.filter(
      (r) => r.serverName === serverName && r.request.path === '/_matrix/key/v2/server',
    ).length;
  }
}

/** A remote server with a signing key that serves its self-signed key response. */
export class FakeServer {
  readonly serverName: string;
  signingKeys: SigningKey[];
  oldVerifyKeys: Record<string, OldVerifyKey> = {};
  validUntilTs: number;

  constructor(serverName: string, signingKeys: SigningKey[], validUntilTs: number) {
    this.serverName = serverName;
    this.signingKeys = signingKeys;
    this.validUntilTs = validUntilTs;
  }

  get key(): SigningKey {
    return this.signingKeys[0]!;
  }

  keyResponse(): Promise<unknown> {
    return buildServerKeyResponse({
      serverName: this.serverName,
      signingKeys: this.signingKeys,
      oldVerifyKeys: this.oldVerifyKeys,
      validUntilTs: this.validUntilTs,
    });
  }

  /** Serves GET /_matrix/key/v2/server on `network`, and `other` for everything else. */
  attach(network: FakeNetwork, other?: FakeHandler): void {
    network.serve(this.serverName, async (request) => {
      if (request.method === 'GET' && request.path === '/_matrix/key/v2/server') {
        return jsonResponse(await this.keyResponse());
      }
      if (other !== undefined) return other(request);
      return jsonResponse({ errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' }, 404);
    });
  }
}

/** A server keyed by the spec's seed (or a seed derived from `seedByte`) with version `version`. */
export async function fakeServer(
  serverName: string,
  options: { version?: string; seedByte?: number; validUntilTs: number },
): Promise<FakeServer> {
  const seed =
    options.seedByte === undefined
      ? decodeBase64(SPEC_SEED)
      : new Uint8Array(32).fill(options.seedByte);
  const key = await signingKeyFromSeed(options.version ?? '1', seed);
  return new FakeServer(serverName, [key], options.validUntilTs);
}
