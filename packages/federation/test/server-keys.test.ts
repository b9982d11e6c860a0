import { beforeAll, describe, expect, it } from 'vitest';
import { encodeUnpaddedBase64 } from '../src/base64.ts';
import { FederationError } from '../src/errors.ts';
import { buildServerKeyResponse, verifyServerKeyResponse } from '../src/server-keys.ts';
import { signJson, verifyJsonSignature } from '../src/signed-json.ts';
import { type SigningKey, signingKeyFromSeed } from '../src/signing-key.ts';

let current: SigningKey;
let second: SigningKey;
let old: SigningKey;

beforeAll(async () => {
  current = await signingKeyFromSeed('a_cur', new Uint8Array(32).fill(1));
  second = await signingKeyFromSeed('b_two', new Uint8Array(32).fill(2));
  old = await signingKeyFromSeed('old', new Uint8Array(32).fill(3));
});

async function ours(): Promise<Record<string, unknown>> {
  return buildServerKeyResponse({
    serverName: 'hs.example',
    signingKeys: [current, second],
    oldVerifyKeys: { 'ed25519:old': { key: old.publicKeyBase64, expiredTs: 1_000 } },
    validUntilTs: 2_000_000,
  }) as Promise<Record<string, unknown>>;
}

async function refusal(response: unknown, serverName = 'hs.example'): Promise<string> {
  try {
    await verifyServerKeyResponse(response, serverName);
  } catch (error) {
    if (error instanceof FederationError && error.code === 'INVALID_SERVER_KEYS')
      return error.message;
    throw error;
  }
  throw new Error('the response was accepted');
}

describe('the server key response', () => {
  it('has the specification shape and is signed by every current key', async () => {
    const body = await ours();
    expect(body).toEqual({
      server_name: 'hs.example',
      valid_until_ts: 2_000_000,
      verify_keys: {
        'ed25519:a_cur': { key: current.publicKeyBase64 },
        'ed25519:b_two': { key: second.publicKeyBase64 },
      },
      old_verify_keys: { 'ed25519:old': { key: old.publicKeyBase64, expired_ts: 1_000 } },
      signatures: {
        'hs.example': { 'ed25519:a_cur': expect.any(String), 'ed25519:b_two': expect.any(String) },
      },
    });
    for (const key of [current, second]) {
      expect(
        await verifyJsonSignature(body as never, 'hs.example', key.keyId, key.publicKey()),
      ).toBe(true);
    }
  });

  it('reads back as keys (verify_keys, old_verify_keys with expired_ts, valid_until_ts)', async () => {
    const keys = await verifyServerKeyResponse(await ours(), 'hs.example');
    expect([...keys.verifyKeys.keys()]).toEqual(['ed25519:a_cur', 'ed25519:b_two']);
    expect(encodeUnpaddedBase64(keys.verifyKeys.get('ed25519:a_cur')!)).toBe(
      current.publicKeyBase64,
    );
    expect(keys.oldVerifyKeys.get('ed25519:old')?.expiredTs).toBe(1_000);
    expect(keys.validUntilTs).toBe(2_000_000);
  });

  it('refuses a response for another server name', async () => {
    expect(await refusal(await ours(), 'other.example')).toContain(
      'it is for server_name "hs.example"',
    );
  });

  it('refuses a response whose signed content was changed', async () => {
    const body = await ours();
    expect(await refusal({ ...body, valid_until_ts: 9_999_999_999 })).toContain('does not verify');
  });

  it('refuses a response signed only by a key it does not list, or not signed', async () => {
    const body = await ours();
    const signatures = body.signatures as Record<string, Record<string, string>>;
    const onlyOld = {
      ...body,
      signatures: { 'hs.example': { 'ed25519:old': signatures['hs.example']!['ed25519:a_cur']! } },
    };
    expect(await refusal(onlyOld)).toContain('not signed by any of its verify_keys');
    const { signatures: _s, ...unsigned } = body;
    expect(await refusal(unsigned)).toContain('not signed by any of its verify_keys');
  });

  it('refuses malformed keys and fields', async () => {
    const body = await ours();
    expect(await refusal({ ...body, verify_keys: { 'ed25519:x': { key: 'AAAA' } } })).toContain(
      '3 bytes, not 32',
    );
    expect(await refusal({ ...body, verify_keys: { 'ed25519:x': {} } })).toContain(
      'has no "key" string',
    );
    expect(await refusal({ ...body, valid_until_ts: '1' })).toContain(
      'valid_until_ts is not an integer',
    );
    expect(await refusal([])).toContain('not a JSON object');
  });

  it('ignores keys of other algorithms (even malformed ones)', async () => {
    const body = await signJson(
      {
        server_name: 'hs.example',
        valid_until_ts: 5,
        verify_keys: {
          'ed25519:a_cur': { key: current.publicKeyBase64 },
          'curve25519:x': { key: 'not a key at all' },
        },
      },
      'hs.example',
      current,
    );
    const keys = await verifyServerKeyResponse(body, 'hs.example');
    expect([...keys.verifyKeys.keys()]).toEqual(['ed25519:a_cur']);
  });

  it('refuses to build without a key or with a bad server name', async () => {
    await expect(
      buildServerKeyResponse({ serverName: 'hs.example', signingKeys: [], validUntilTs: 1 }),
    ).rejects.toThrow('at least one signing key');
    await expect(
      buildServerKeyResponse({ serverName: 'bad name', signingKeys: [current], validUntilTs: 1 }),
    ).rejects.toThrow('Invalid server name');
  });
});
