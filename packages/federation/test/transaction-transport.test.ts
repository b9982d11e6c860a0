import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/canonical-json.ts';
import type { FederationRequest } from '../src/federation-fetch.ts';
import { type SigningKey, signingKeyFromSeed } from '../src/signing-key.ts';
import { createTransactionTransport } from '../src/transaction-transport.ts';
import { parseXMatrixAuthorization } from '../src/x-matrix.ts';
import { jsonResponse } from './fakes/fake-network.ts';

let key: SigningKey;
beforeAll(async () => {
  key = await signingKeyFromSeed('1', new Uint8Array(32).fill(1));
});

const body = { origin: 'hs.example', origin_server_ts: 5, pdus: [], edus: [] };

describe('createTransactionTransport', () => {
  it('PUTs the canonical JSON body to /send/{txnId} with a signed X-Matrix header', async () => {
    const seen: { serverName: string; request: FederationRequest }[] = [];
    const transport = createTransactionTransport({
      origin: 'hs.example',
      signingKey: key,
      fetch: async (serverName, request) => {
        seen.push({ serverName, request });
        return jsonResponse({ pdus: {} });
      },
    });
    expect(await transport({ destination: 'remote.example', txnId: 'a/b', body })).toEqual({
      status: 200,
      body: { pdus: {} },
    });
    const [{ serverName, request }] = seen as [(typeof seen)[0]];
    expect([serverName, request.method, request.path]).toEqual([
      'remote.example',
      'PUT',
      '/_matrix/federation/v1/send/a%2Fb',
    ]);
    expect(new TextDecoder().decode(request.body)).toBe(canonicalJson(body));
    expect(parseXMatrixAuthorization(request.headers!.authorization!)).toMatchObject({
      origin: 'hs.example',
      destination: 'remote.example',
      key: 'ed25519:1',
    });
  });

  it('reports the wait a 429 asks for (retry_after_ms, or Retry-After seconds)', async () => {
    const answers = [
      jsonResponse({ errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 1_500 }, 429),
      new Response('', { status: 429, headers: { 'retry-after': '30' } }),
    ];
    const transport = createTransactionTransport({
      origin: 'hs.example',
      signingKey: key,
      fetch: async () => answers.shift()!,
    });
    expect(await transport({ destination: 'r.example', txnId: '1', body })).toMatchObject({
      status: 429,
      retryAfterMs: 1_500,
    });
    expect(await transport({ destination: 'r.example', txnId: '2', body })).toEqual({
      status: 429,
      body: undefined,
      retryAfterMs: 30_000,
    });
  });
});
