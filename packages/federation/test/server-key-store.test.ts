import { RecordingLogger } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import { ServerKeyStore } from '../src/server-key-store.ts';
import { signJson } from '../src/signed-json.ts';
import { signingKeyFromSeed } from '../src/signing-key.ts';
import { FakeNetwork, fakeServer, jsonResponse } from './fakes/fake-network.ts';
import { ManualClock } from './fakes/manual-clock.ts';

const DAY = 24 * 60 * 60 * 1000;

async function setup(validForMs = DAY) {
  const clock = new ManualClock();
  const network = new FakeNetwork();
  const remote = await fakeServer('remote.example', { validUntilTs: clock.now() + validForMs });
  remote.attach(network);
  const logger = new RecordingLogger();
  const store = new ServerKeyStore({ fetch: network.fetch, clock, logger });
  return { clock, network, remote, store, logger };
}

describe('ServerKeyStore', () => {
  it('fetches a server key once and caches it until valid_until_ts', async () => {
    const { clock, network, remote, store } = await setup(DAY);
    const first = await store.getVerifyKey('remote.example', 'ed25519:1');
    expect(first?.publicKey).toEqual(remote.key.publicKey());
    await store.getVerifyKey('remote.example', 'ed25519:1');
    await clock.advance(DAY - 1);
    await store.getVerifyKey('remote.example', 'ed25519:1');
    expect(network.keyFetches('remote.example')).toBe(1);
    remote.validUntilTs = clock.now() + 2 * DAY;
    await clock.advance(2);
    expect((await store.getVerifyKey('remote.example', 'ed25519:1'))?.validUntilTs).toBe(
      remote.validUntilTs,
    );
    expect(network.keyFetches('remote.example')).toBe(2);
  });

  it('trusts a key at most 7 days after fetching it, whatever valid_until_ts says', async () => {
    const { clock, network, store } = await setup(365 * DAY);
    const key = await store.getVerifyKey('remote.example', 'ed25519:1');
    expect(key?.validUntilTs).toBe(clock.now() + 7 * DAY);
    await clock.advance(7 * DAY + 1);
    await store.getVerifyKey('remote.example', 'ed25519:1');
    expect(network.keyFetches('remote.example')).toBe(2);
  });

  it('refetches for an unknown key ID, at most once per minRefetchIntervalMs', async () => {
    const { clock, network, remote, store } = await setup();
    await store.getVerifyKey('remote.example', 'ed25519:1');
    expect(await store.getVerifyKey('remote.example', 'ed25519:new')).toBeUndefined();
    expect(network.keyFetches('remote.example')).toBe(1);
    // The server rotates its key; within the minute we do not ask again.
    remote.signingKeys = [await signingKeyFromSeed('new', new Uint8Array(32).fill(9)), remote.key];
    await clock.advance(59_999);
    expect(await store.getVerifyKey('remote.example', 'ed25519:new')).toBeUndefined();
    expect(network.keyFetches('remote.example')).toBe(1);
    expect(store.metrics().fetchesRateLimited).toBe(2);
    await clock.advance(1);
    expect((await store.getVerifyKey('remote.example', 'ed25519:new'))?.publicKey).toEqual(
      remote.signingKeys[0]!.publicKey(),
    );
    expect(network.keyFetches('remote.example')).toBe(2);
  });

  it('makes one fetch for concurrent lookups of one server', async () => {
    const { network, store } = await setup();
    const results = await Promise.all([
      store.getVerifyKey('remote.example', 'ed25519:1'),
      store.getVerifyKey('remote.example', 'ed25519:1'),
      store.getVerifyKey('remote.example', 'ed25519:other'),
    ]);
    expect(results.map((r) => r?.keyId)).toEqual(['ed25519:1', 'ed25519:1', undefined]);
    expect(network.keyFetches('remote.example')).toBe(1);
  });

  it('accepts an old_verify_keys key only for objects signed at or before its expired_ts', async () => {
    const { clock, remote, store } = await setup();
    const oldKey = await signingKeyFromSeed('old', new Uint8Array(32).fill(5));
    const expiredTs = clock.now() - 1_000;
    remote.oldVerifyKeys = { 'ed25519:old': { key: oldKey.publicKeyBase64, expiredTs } };
    expect((await store.getVerifyKey('remote.example', 'ed25519:old', expiredTs))?.old).toBe(true);
    expect(
      await store.getVerifyKey('remote.example', 'ed25519:old', expiredTs + 1),
    ).toBeUndefined();
    const signed = await signJson({ a: 1 }, 'remote.example', oldKey);
    expect((await store.verifySignedJson('remote.example', signed, expiredTs - 5)).valid).toBe(
      true,
    );
    expect(await store.verifySignedJson('remote.example', signed)).toEqual({
      valid: false,
      reason: expect.stringContaining('No key of remote.example valid at'),
    });
  });

  it('refuses a response that names another server or is not self-signed, and logs it', async () => {
    const { network, store, logger, remote } = await setup();
    network.serve('remote.example', async () =>
      jsonResponse({ ...((await remote.keyResponse()) as object), server_name: 'evil.example' }),
    );
    expect(await store.getVerifyKey('remote.example', 'ed25519:1')).toBeUndefined();
    expect(store.metrics().fetchFailures).toBe(1);
    expect(logger.messages()).toEqual(['Fetching server keys failed']);
    const signed = await signJson({ a: 1 }, 'remote.example', remote.key);
    const check = await store.verifySignedJson('remote.example', signed);
    expect(check.valid).toBe(false);
  });

  it('keeps cached keys when a refetch fails, and reports HTTP errors', async () => {
    const { clock, network, remote, store } = await setup(1_000);
    await store.getVerifyKey('remote.example', 'ed25519:1');
    network.serve('remote.example', () => jsonResponse({ errcode: 'M_UNKNOWN' }, 502));
    await clock.advance(60_000);
    const signed = await signJson({ a: 1 }, 'remote.example', remote.key);
    // valid_until_ts passed: the refetch is tried, fails, and the key is no longer valid now...
    const now = await store.verifySignedJson('remote.example', signed);
    expect(now).toEqual({ valid: false, reason: expect.stringContaining('HTTP 502') });
    // ...but it still verifies objects signed while it was valid.
    expect(
      (await store.verifySignedJson('remote.example', signed, clock.now() - 59_500)).valid,
    ).toBe(true);
  });

  it('verifySignedJson: valid, wrong signature, unsigned', async () => {
    const { store, remote } = await setup();
    const signed = await signJson({ a: 1 }, 'remote.example', remote.key);
    expect(await store.verifySignedJson('remote.example', signed)).toEqual({
      valid: true,
      keyIds: ['ed25519:1'],
    });
    expect(await store.verifySignedJson('remote.example', { ...signed, a: 2 })).toEqual({
      valid: false,
      reason: 'Invalid signature for server remote.example with key ed25519:1',
    });
    expect(await store.verifySignedJson('remote.example', { a: 1 })).toEqual({
      valid: false,
      reason: 'Not signed by remote.example',
    });
  });

  it('keeps at most maxServers servers, dropping the least recently used', async () => {
    const clock = new ManualClock();
    const network = new FakeNetwork();
    for (const name of ['a.example', 'b.example', 'c.example']) {
      (await fakeServer(name, { validUntilTs: clock.now() + DAY })).attach(network);
    }
    const store = new ServerKeyStore({ fetch: network.fetch, clock, maxServers: 2 });
    await store.getVerifyKey('a.example', 'ed25519:1');
    await store.getVerifyKey('b.example', 'ed25519:1');
    await store.getVerifyKey('a.example', 'ed25519:1');
    await store.getVerifyKey('c.example', 'ed25519:1');
    expect(store.metrics().cachedServers).toBe(2);
    await store.getVerifyKey('a.example', 'ed25519:1');
    expect(network.keyFetches('a.example')).toBe(1);
    await store.getVerifyKey('b.example', 'ed25519:1');
    expect(network.keyFetches('b.example')).toBe(2);
  });
});
