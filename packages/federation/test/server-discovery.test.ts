import { describe, expect, it } from 'vitest';
import { FederationError } from '../src/errors.ts';
import { type ResolvedServer, ServerResolver, type SrvRecord } from '../src/server-discovery.ts';
import { ManualClock } from './fakes/manual-clock.ts';

const HOUR = 60 * 60 * 1000;

/** A fake network: `.well-known` answers by hostname, SRV records by name. */
function fakes() {
  const wellKnown = new Map<string, () => Response | Promise<Response>>();
  const srv = new Map<string, SrvRecord[]>();
  const fetched: string[] = [];
  const looked: string[] = [];
  const fetch = async (url: string, init?: RequestInit): Promise<Response> => {
    fetched.push(url);
    expect(init?.redirect).toBe('follow');
    const host = new URL(url).host;
    const answer = wellKnown.get(host);
    if (answer === undefined) throw new TypeError('fetch failed: ECONNREFUSED');
    return answer();
  };
  const lookupSrv = async (name: string): Promise<readonly SrvRecord[]> => {
    looked.push(name);
    return srv.get(name) ?? [];
  };
  return { wellKnown, srv, fetched, looked, fetch, lookupSrv };
}

const json = (body: unknown, headers: Record<string, string> = {}, status = 200) =>
  new Response(JSON.stringify(body), { status, headers });

function summary(target: ResolvedServer) {
  return {
    baseUrl: target.baseUrl,
    hostHeader: target.hostHeader,
    tlsServerName: target.tlsServerName,
    certificateName: target.certificateName,
    via: target.via,
  };
}

describe('server discovery: the specification order', () => {
  it('1. an IP literal: that address, the port or 8448, Host = the server name, no SNI', async () => {
    const f = fakes();
    const resolver = new ServerResolver({ fetch: f.fetch, lookupSrv: f.lookupSrv });
    expect(summary(await resolver.resolve('1.2.3.4'))).toEqual({
      baseUrl: 'https://1.2.3.4:8448',
      hostHeader: '1.2.3.4',
      tlsServerName: undefined,
      certificateName: '1.2.3.4',
      via: 'ip-literal',
    });
    expect(summary(await resolver.resolve('[2001:db8::1]:8000'))).toEqual({
      baseUrl: 'https://[2001:db8::1]:8000',
      hostHeader: '[2001:db8::1]:8000',
      tlsServerName: undefined,
      certificateName: '2001:db8::1',
      via: 'ip-literal',
    });
    expect([...f.fetched, ...f.looked]).toEqual([]);
  });

  it('2. an explicit port: that host and port, Host = the server name with its port', async () => {
    const f = fakes();
    const resolver = new ServerResolver({ fetch: f.fetch, lookupSrv: f.lookupSrv });
    expect(summary(await resolver.resolve('hs.example:8000'))).toEqual({
      baseUrl: 'https://hs.example:8000',
      hostHeader: 'hs.example:8000',
      tlsServerName: 'hs.example',
      certificateName: 'hs.example',
      via: 'explicit-port',
    });
    expect([...f.fetched, ...f.looked]).toEqual([]);
  });

  it('3. .well-known delegation: IP literal, explicit port, SRV of the delegated name, then its 8448', async () => {
    const f = fakes();
    const resolver = new ServerResolver({ fetch: f.fetch, lookupSrv: f.lookupSrv });
    f.wellKnown.set('ip.example', () => json({ 'm.server': '5.6.7.8:9000' }));
    f.wellKnown.set('port.example', () => json({ 'm.server': 'matrix.port.example:443' }));
    f.wellKnown.set('srv.example', () => json({ 'm.server': 'matrix.srv.example' }));
    f.wellKnown.set('legacy.example', () => json({ 'm.server': 'matrix.legacy.example' }));
    f.wellKnown.set('plain.example', () => json({ 'm.server': 'matrix.plain.example' }));
    f.srv.set('_matrix-fed._tcp.matrix.srv.example', [
      { name: 'fed.srv.example.', port: 8449, priority: 1, weight: 1 },
    ]);
    f.srv.set('_matrix._tcp.matrix.legacy.example', [
      { name: 'old.legacy.example', port: 8450, priority: 1, weight: 1 },
    ]);
    expect(summary(await resolver.resolve('ip.example'))).toEqual({
      baseUrl: 'https://5.6.7.8:9000',
      hostHeader: '5.6.7.8:9000',
      tlsServerName: undefined,
      certificateName: '5.6.7.8',
      via: 'well-known',
    });
    expect(summary(await resolver.resolve('port.example'))).toEqual({
      baseUrl: 'https://matrix.port.example:443',
      hostHeader: 'matrix.port.example:443',
      tlsServerName: 'matrix.port.example',
      certificateName: 'matrix.port.example',
      via: 'well-known',
    });
    expect(summary(await resolver.resolve('srv.example'))).toEqual({
      baseUrl: 'https://fed.srv.example:8449',
      hostHeader: 'matrix.srv.example',
      tlsServerName: 'matrix.srv.example',
      certificateName: 'matrix.srv.example',
      via: 'well-known-srv',
    });
    expect(summary(await resolver.resolve('legacy.example'))).toEqual({
      baseUrl: 'https://old.legacy.example:8450',
      hostHeader: 'matrix.legacy.example',
      tlsServerName: 'matrix.legacy.example',
      certificateName: 'matrix.legacy.example',
      via: 'well-known-legacy-srv',
    });
    const plain = await resolver.resolve('plain.example');
    expect(summary(plain)).toEqual({
      baseUrl: 'https://matrix.plain.example:8448',
      hostHeader: 'matrix.plain.example',
      tlsServerName: 'matrix.plain.example',
      certificateName: 'matrix.plain.example',
      via: 'well-known',
    });
    expect(plain.delegatedServerName).toBe('matrix.plain.example');
    expect(f.fetched).toContain('https://plain.example/.well-known/matrix/server');
    // SRV is looked up for the delegated name, _matrix-fed first, never for the original name.
    expect(f.looked.filter((n) => n.endsWith('plain.example'))).toEqual([
      '_matrix-fed._tcp.matrix.plain.example',
      '_matrix._tcp.matrix.plain.example',
    ]);
  });

  it('4-6. without .well-known: _matrix-fed._tcp SRV, then the deprecated _matrix._tcp, then 8448', async () => {
    const f = fakes();
    const resolver = new ServerResolver({ fetch: f.fetch, lookupSrv: f.lookupSrv });
    f.srv.set('_matrix-fed._tcp.a.example', [
      { name: 'fed.a.example', port: 1111, priority: 0, weight: 0 },
    ]);
    f.srv.set('_matrix._tcp.a.example', [
      { name: 'wrong.a.example', port: 2222, priority: 0, weight: 0 },
    ]);
    f.srv.set('_matrix._tcp.b.example', [
      { name: 'old.b.example', port: 3333, priority: 0, weight: 0 },
    ]);
    expect(summary(await resolver.resolve('a.example'))).toEqual({
      baseUrl: 'https://fed.a.example:1111',
      hostHeader: 'a.example',
      tlsServerName: 'a.example',
      certificateName: 'a.example',
      via: 'srv',
    });
    expect(summary(await resolver.resolve('b.example'))).toMatchObject({
      baseUrl: 'https://old.b.example:3333',
      hostHeader: 'b.example',
      via: 'legacy-srv',
    });
    expect(summary(await resolver.resolve('c.example'))).toEqual({
      baseUrl: 'https://c.example:8448',
      hostHeader: 'c.example',
      tlsServerName: 'c.example',
      certificateName: 'c.example',
      via: 'default-port',
    });
  });

  it('an invalid .well-known answer (bad JSON, no m.server, a bad name, non-200) falls through to SRV', async () => {
    const f = fakes();
    const resolver = new ServerResolver({ fetch: f.fetch, lookupSrv: f.lookupSrv });
    f.wellKnown.set('a.example', () => new Response('not json'));
    f.wellKnown.set('b.example', () => json({ other: 1 }));
    f.wellKnown.set('c.example', () => json({ 'm.server': 'bad name:99999' }));
    f.wellKnown.set('d.example', () => json({ 'm.server': 'x.d.example' }, {}, 404));
    f.wellKnown.set('e.example', () => new Response('x'.repeat(60 * 1024)));
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      expect((await resolver.resolve(`${name}.example`)).via).toBe('default-port');
    }
    expect(f.looked).toContain('_matrix-fed._tcp.e.example');
  });

  it('picks the lowest SRV priority, weighted within it, and ignores a "." target', async () => {
    const f = fakes();
    let random = 0.9;
    const resolver = new ServerResolver({
      fetch: f.fetch,
      lookupSrv: f.lookupSrv,
      random: () => random,
    });
    f.srv.set('_matrix-fed._tcp.w.example', [
      { name: 'backup.w.example', port: 1, priority: 20, weight: 100 },
      { name: 'light.w.example', port: 2, priority: 10, weight: 1 },
      { name: 'heavy.w.example', port: 3, priority: 10, weight: 3 },
    ]);
    f.srv.set('_matrix-fed._tcp.none.example', [{ name: '.', port: 0, priority: 0, weight: 0 }]);
    expect((await resolver.resolve('w.example')).connectHost).toBe('heavy.w.example');
    random = 0.1;
    expect((await resolver.resolve('w.example')).connectHost).toBe('light.w.example');
    expect((await resolver.resolve('none.example')).via).toBe('default-port');
  });

  it('reports a failing SRV lookup (not an empty one) as DISCOVERY_FAILED', async () => {
    const resolver = new ServerResolver({
      fetch: async () => {
        throw new TypeError('offline');
      },
      lookupSrv: async () => {
        throw Object.assign(new Error('queryA ESERVFAIL'), { code: 'ESERVFAIL' });
      },
    });
    const error = await resolver.resolve('x.example').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FederationError);
    expect((error as FederationError).code).toBe('DISCOVERY_FAILED');
  });

  it('refuses names outside the grammar', async () => {
    const resolver = new ServerResolver({ fetch: fakes().fetch });
    await expect(resolver.resolve('not a name')).rejects.toThrow('Invalid server name');
  });
});

describe('server discovery: overrides', () => {
  it('uses the override map first, and it is the only way to plain http', async () => {
    const f = fakes();
    const resolver = new ServerResolver({
      fetch: f.fetch,
      lookupSrv: f.lookupSrv,
      overrides: {
        'private.example': 'http://10.0.0.5:8008',
        'tls.example': 'https://[::1]:4443/',
      },
    });
    expect(summary(await resolver.resolve('private.example'))).toEqual({
      baseUrl: 'http://10.0.0.5:8008',
      hostHeader: '10.0.0.5:8008',
      tlsServerName: undefined,
      certificateName: undefined,
      via: 'override',
    });
    expect((await resolver.resolve('private.example')).secure).toBe(false);
    expect(summary(await resolver.resolve('tls.example'))).toMatchObject({
      baseUrl: 'https://[::1]:4443',
      tlsServerName: undefined,
      certificateName: '::1',
    });
    expect([...f.fetched, ...f.looked]).toEqual([]);
    expect((await resolver.resolve('other.example')).baseUrl.startsWith('https://')).toBe(true);
  });

  it('refuses overrides that are not http(s) origins', () => {
    expect(() => new ServerResolver({ overrides: { 'a.example': 'ftp://a' } })).toThrow(
      'http(s) origin',
    );
    expect(() => new ServerResolver({ overrides: { 'a.example': 'https://a/path' } })).toThrow(
      'http(s) origin',
    );
    expect(() => new ServerResolver({ overrides: { 'bad name': 'https://a' } })).toThrow(
      'not a server name',
    );
  });
});

describe('server discovery: .well-known caching', () => {
  function cached(random = 0.5) {
    const f = fakes();
    const clock = new ManualClock();
    const resolver = new ServerResolver({
      fetch: f.fetch,
      lookupSrv: f.lookupSrv,
      clock,
      random: () => random,
    });
    return { f, clock, resolver };
  }

  it('caches an answer without cache headers for 24 hours (±10 % jitter)', async () => {
    const { f, clock, resolver } = cached(1); // the upper end of the jitter: 26.4 h
    f.wellKnown.set('a.example', () => json({ 'm.server': 'm.a.example:443' }));
    await resolver.resolve('a.example');
    await clock.advance(0.8 * 26.4 * HOUR - 1);
    await resolver.resolve('a.example');
    expect(f.fetched).toHaveLength(1);
    await clock.advance(2);
    await resolver.resolve('a.example'); // in the last 20 % of its life: refreshed
    expect(f.fetched).toHaveLength(2);
  });

  it('follows Cache-Control max-age, clamped to [5 minutes, 48 hours]', async () => {
    const { f, clock, resolver } = cached();
    f.wellKnown.set('short.example', () =>
      json({ 'm.server': 's.example:443' }, { 'cache-control': 'max-age=10' }),
    );
    f.wellKnown.set('long.example', () =>
      json({ 'm.server': 'l.example:443' }, { 'cache-control': 'public, max-age=999999' }),
    );
    await resolver.resolve('short.example');
    await resolver.resolve('long.example');
    await clock.advance(0.8 * 5 * 60_000 - 1);
    await resolver.resolve('short.example');
    expect(f.fetched).toHaveLength(2);
    await clock.advance(2);
    await resolver.resolve('short.example');
    expect(f.fetched).toHaveLength(3);
    await clock.advance(0.8 * 48 * HOUR - 0.8 * 5 * 60_000 - 10);
    await resolver.resolve('long.example');
    expect(f.fetched.filter((u) => u.includes('long'))).toHaveLength(1);
    await clock.advance(20);
    await resolver.resolve('long.example');
    expect(f.fetched.filter((u) => u.includes('long'))).toHaveLength(2);
  });

  it('caches a failure for an hour, or 2 minutes after a recent valid answer', async () => {
    const { f, clock, resolver } = cached();
    await resolver.resolve('never.example');
    await clock.advance(0.8 * HOUR - 1);
    await resolver.resolve('never.example');
    expect(f.fetched).toHaveLength(1);
    await clock.advance(HOUR);
    await resolver.resolve('never.example');
    expect(f.fetched).toHaveLength(2);

    f.wellKnown.set('flaky.example', () =>
      json({ 'm.server': 'm.flaky.example:443' }, { 'cache-control': 'max-age=600' }),
    );
    expect((await resolver.resolve('flaky.example')).via).toBe('well-known');
    f.wellKnown.set('flaky.example', () => json({ nothing: true }));
    await clock.advance(600_000);
    expect((await resolver.resolve('flaky.example')).via).toBe('default-port');
    const before = f.fetched.length;
    await clock.advance(2 * 60_000);
    await resolver.resolve('flaky.example');
    expect(f.fetched.length).toBe(before + 1);
  });

  it('keeps a still-valid answer while its refresh fails temporarily (network or 5xx)', async () => {
    const { f, clock, resolver } = cached();
    f.wellKnown.set('a.example', () =>
      json({ 'm.server': 'm.a.example:443' }, { 'cache-control': 'max-age=1000' }),
    );
    await resolver.resolve('a.example');
    f.wellKnown.set('a.example', () => new Response('', { status: 503 }));
    await clock.advance(900_000);
    expect((await resolver.resolve('a.example')).hostHeader).toBe('m.a.example:443');
    f.wellKnown.delete('a.example');
    expect((await resolver.resolve('a.example')).hostHeader).toBe('m.a.example:443');
    await clock.advance(100_001);
    expect((await resolver.resolve('a.example')).via).toBe('default-port');
  });

  it('makes one request for concurrent resolutions of one name', async () => {
    const { f, resolver } = cached();
    f.wellKnown.set('a.example', () => json({ 'm.server': 'm.a.example:443' }));
    await Promise.all([resolver.resolve('a.example'), resolver.resolve('a.example')]);
    expect(f.fetched).toHaveLength(1);
  });
});
