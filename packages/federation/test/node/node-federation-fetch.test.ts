import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeFederationFetch } from '../../src/node/node-federation-fetch.ts';
import { type ResolvedServer, ServerResolver } from '../../src/server-discovery.ts';

let server: Server;
let port: number;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const body = await readBody(request);
    if (request.url === '/big') {
      response.end('x'.repeat(2_048));
      return;
    }
    response.writeHead(201, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] });
    response.end(
      JSON.stringify({
        method: request.method,
        url: request.url,
        host: request.headers.host,
        auth: request.headers.authorization,
        body,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('createNodeFederationFetch', () => {
  it('sends method, path, headers and body to an http:// override and returns a Response', async () => {
    const fetch = createNodeFederationFetch({
      resolver: new ServerResolver({ overrides: { 'local.example': `http://127.0.0.1:${port}` } }),
    });
    const response = await fetch('local.example', {
      method: 'PUT',
      path: '/_matrix/federation/v1/send/1?x=y',
      headers: { authorization: 'X-Matrix origin="a"' },
      body: new TextEncoder().encode('{"a":1}'),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-multi')).toBe('a, b');
    expect(await response.json()).toEqual({
      method: 'PUT',
      url: '/_matrix/federation/v1/send/1?x=y',
      host: `127.0.0.1:${port}`,
      auth: 'X-Matrix origin="a"',
      body: '{"a":1}',
    });
  });

  it('sends the Host header discovery chose, whatever address it connects to', async () => {
    const target: ResolvedServer = {
      serverName: 'hs.example',
      baseUrl: `http://127.0.0.1:${port}`,
      connectHost: '127.0.0.1',
      port,
      hostHeader: 'hs.example',
      tlsServerName: undefined,
      certificateName: undefined,
      secure: false,
      via: 'srv',
    };
    const fetch = createNodeFederationFetch({ resolver: { resolve: async () => target } });
    const response = await fetch('hs.example', { method: 'GET', path: '/_matrix/key/v2/server' });
    expect(((await response.json()) as { host: string }).host).toBe('hs.example');
  });

  it('refuses an answer larger than maxResponseBytes', async () => {
    const fetch = createNodeFederationFetch({
      resolver: new ServerResolver({ overrides: { 'local.example': `http://127.0.0.1:${port}` } }),
      maxResponseBytes: 1_024,
    });
    await expect(fetch('local.example', { method: 'GET', path: '/big' })).rejects.toThrow(
      'exceeds 1024 bytes',
    );
  });

  it('rejects when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const fetch = createNodeFederationFetch({
      resolver: new ServerResolver({
        overrides: { 'dead.example': `http://127.0.0.1:${deadPort}` },
      }),
    });
    await expect(fetch('dead.example', { method: 'GET', path: '/' })).rejects.toThrow();
  });
});
