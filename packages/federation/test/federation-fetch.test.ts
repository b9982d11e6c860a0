import { describe, expect, it } from 'vitest';
import { createFederationFetch } from '../src/federation-fetch.ts';
import { ServerResolver } from '../src/server-discovery.ts';

describe('createFederationFetch (WHATWG fetch)', () => {
  it('sends the request to the resolved base URL with its method, headers and body', async () => {
    const calls: { url: string; init: RequestInit | undefined }[] = [];
    const resolver = new ServerResolver({ overrides: { 'hs.example': 'http://127.0.0.1:8008' } });
    const federationFetch = createFederationFetch({
      resolver,
      fetch: async (url, init) => {
        calls.push({ url, init });
        return new Response('{}', { status: 200 });
      },
    });
    const body = new TextEncoder().encode('{"a":1}');
    const response = await federationFetch('hs.example', {
      method: 'PUT',
      path: '/_matrix/federation/v1/send/1',
      headers: { authorization: 'X-Matrix origin="a"' },
      body,
    });
    expect(response.status).toBe(200);
    expect(
      calls.map((c) => [c.url, c.init?.method, c.init?.headers, c.init?.body, c.init?.redirect]),
    ).toEqual([
      [
        'http://127.0.0.1:8008/_matrix/federation/v1/send/1',
        'PUT',
        { authorization: 'X-Matrix origin="a"' },
        body,
        'manual',
      ],
    ]);
    expect(calls[0]!.init?.signal).toBeInstanceOf(AbortSignal);
  });

  it('refuses an SRV target on another host (fetch cannot send that Host header and SNI)', async () => {
    const resolver = new ServerResolver({
      fetch: async () => new Response('', { status: 404 }),
      lookupSrv: async () => [{ name: 'target.example', port: 443, priority: 0, weight: 0 }],
    });
    let called = false;
    const federationFetch = createFederationFetch({
      resolver,
      fetch: async () => {
        called = true;
        return new Response('{}');
      },
    });
    await expect(
      federationFetch('hs.example', { method: 'GET', path: '/_matrix/key/v2/server' }),
    ).rejects.toThrow('createNodeFederationFetch');
    expect(called).toBe(false);
  });
});
