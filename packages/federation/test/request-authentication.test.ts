import { beforeAll, describe, expect, it } from 'vitest';
import { authenticateRequest } from '../src/request-authentication.ts';
import { ServerKeyStore } from '../src/server-key-store.ts';
import { signingKeyFromSeed } from '../src/signing-key.ts';
import {
  buildXMatrixAuthorization,
  formatXMatrixAuthorization,
  parseXMatrixAuthorization,
} from '../src/x-matrix.ts';
import { FakeNetwork, type FakeServer, fakeServer } from './fakes/fake-network.ts';
import { ManualClock } from './fakes/manual-clock.ts';

const URI = '/_matrix/federation/v1/send/42';
const BODY = { origin: 'remote.example', origin_server_ts: 1, pdus: [], edus: [] };

let clock: ManualClock;
let remote: FakeServer;
let keyStore: ServerKeyStore;

beforeAll(async () => {
  clock = new ManualClock();
  const network = new FakeNetwork();
  remote = await fakeServer('remote.example', { validUntilTs: clock.now() + 86_400_000 });
  remote.attach(network);
  keyStore = new ServerKeyStore({ fetch: network.fetch, clock });
});

async function signed(
  overrides: {
    destination?: string;
    content?: unknown;
    key?: Awaited<ReturnType<typeof signingKeyFromSeed>>;
  } = {},
) {
  return buildXMatrixAuthorization({
    method: 'PUT',
    uri: URI,
    origin: 'remote.example',
    destination: overrides.destination ?? 'hs.example',
    content: (overrides.content ?? BODY) as never,
    signingKey: overrides.key ?? remote.key,
  });
}

function authenticate(
  authorization: string | readonly string[] | undefined,
  content: unknown = BODY,
  extra = {},
) {
  return authenticateRequest({
    method: 'PUT',
    uri: URI,
    authorization,
    content: content as never,
    serverName: 'hs.example',
    keyStore,
    ...extra,
  });
}

describe('authenticateRequest', () => {
  it('accepts a request signed by the origin', async () => {
    expect(await authenticate(await signed())).toEqual({
      authenticated: true,
      origin: 'remote.example',
      keyIds: ['ed25519:1'],
    });
  });

  it('refuses a tampered body with 401', async () => {
    const result = await authenticate(await signed(), { ...BODY, origin_server_ts: 2 });
    expect(result).toEqual({
      authenticated: false,
      status: 401,
      errcode: 'M_UNAUTHORIZED',
      error: 'Invalid signature for server remote.example with key ed25519:1',
    });
  });

  it('refuses a signature made with another key under the same key ID', async () => {
    const impostor = await signingKeyFromSeed('1', new Uint8Array(32).fill(42));
    expect(await authenticate(await signed({ key: impostor }))).toMatchObject({
      authenticated: false,
      status: 401,
    });
  });

  it('refuses a signature made with a key the origin does not publish', async () => {
    const unknown = await signingKeyFromSeed('unpublished', new Uint8Array(32).fill(43));
    expect(await authenticate(await signed({ key: unknown }))).toMatchObject({
      authenticated: false,
      status: 401,
      error: expect.stringContaining('No key of remote.example valid at'),
    });
  });

  it('refuses a wrong destination, even when the signature covers it', async () => {
    expect(await authenticate(await signed({ destination: 'other.example' }))).toMatchObject({
      authenticated: false,
      status: 401,
      error: 'Destination mismatch in auth header',
    });
  });

  it('refuses a missing destination by default, and checks it as ours when allowed', async () => {
    const header = parseXMatrixAuthorization(await signed());
    const withoutDestination = formatXMatrixAuthorization({ ...header, destination: undefined });
    expect(await authenticate(withoutDestination)).toMatchObject({
      authenticated: false,
      status: 401,
      error: 'Missing destination in auth header',
    });
    expect(
      await authenticate(withoutDestination, BODY, { requireDestination: false }),
    ).toMatchObject({
      authenticated: true,
    });
    const signedForOther = parseXMatrixAuthorization(
      await signed({ destination: 'other.example' }),
    );
    expect(
      await authenticate(
        formatXMatrixAuthorization({ ...signedForOther, destination: undefined }),
        BODY,
        {
          requireDestination: false,
        },
      ),
    ).toMatchObject({ authenticated: false, status: 401 });
  });

  it('refuses a key of old_verify_keys past its expired_ts', async () => {
    const old = await signingKeyFromSeed('old', new Uint8Array(32).fill(44));
    remote.oldVerifyKeys = {
      'ed25519:old': { key: old.publicKeyBase64, expiredTs: clock.now() - 1 },
    };
    await clock.advance(60_000); // let the store refetch
    const result = await authenticate(await signed({ key: old }));
    expect(result).toMatchObject({
      authenticated: false,
      status: 401,
      error: expect.stringContaining('ed25519:old'),
    });
    remote.oldVerifyKeys = {};
  });

  it('refuses missing and malformed headers (401 and 400)', async () => {
    expect(await authenticate(undefined)).toMatchObject({
      status: 401,
      error: 'Missing Authorization headers',
    });
    expect(await authenticate('Bearer token')).toMatchObject({
      status: 401,
      error: 'Missing Authorization headers',
    });
    expect(await authenticate('X-Matrix origin=')).toMatchObject({
      status: 400,
      errcode: 'M_UNAUTHORIZED',
    });
  });

  it('takes every X-Matrix header, which must name one origin', async () => {
    const good = await signed();
    expect(await authenticate(['Bearer x', good])).toMatchObject({ authenticated: true });
    const other = formatXMatrixAuthorization({
      ...parseXMatrixAuthorization(good),
      origin: 'third.example',
    });
    expect(await authenticate([good, other])).toMatchObject({
      status: 401,
      error: 'Authorization headers name different origins',
    });
  });
});
