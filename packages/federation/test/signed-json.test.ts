import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBase64, encodeUnpaddedBase64 } from '../src/base64.ts';
import { canonicalJsonBytes, type JsonObject } from '../src/canonical-json.ts';
import {
  signatureKeyIds,
  signedBytes,
  signJson,
  verifyJsonSignature,
  verifySignatureBytes,
} from '../src/signed-json.ts';
import { type SigningKey, signingKeyFromSeed } from '../src/signing-key.ts';
import { jsonObjectArbitrary } from './fakes/json-arbitrary.ts';
import { SPEC_SEED } from './fakes/spec-vectors.ts';

let key: SigningKey;
let other: SigningKey;

beforeAll(async () => {
  key = await signingKeyFromSeed('1', decodeBase64(SPEC_SEED));
  other = await signingKeyFromSeed('1', new Uint8Array(32).fill(7));
});

describe('signing JSON: the specification appendix test vectors (seed YJDBA9..., ed25519:1, domain)', () => {
  it('signs {} exactly as the specification', async () => {
    expect(await signJson({}, 'domain', key)).toEqual({
      signatures: {
        domain: {
          'ed25519:1':
            'K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ',
        },
      },
    });
  });

  it('signs {"one": 1, "two": "Two"} exactly as the specification', async () => {
    expect(await signJson({ one: 1, two: 'Two' }, 'domain', key)).toEqual({
      one: 1,
      signatures: {
        domain: {
          'ed25519:1':
            'KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw',
        },
      },
      two: 'Two',
    });
  });

  it('verifies both vectors with the public key derived from the seed', async () => {
    const empty = await signJson({}, 'domain', key);
    const data = await signJson({ one: 1, two: 'Two' }, 'domain', key);
    expect(await verifyJsonSignature(empty, 'domain', 'ed25519:1', key.publicKey())).toBe(true);
    expect(await verifyJsonSignature(data, 'domain', 'ed25519:1', key.publicKey())).toBe(true);
    expect(await verifyJsonSignature(data, 'domain', 'ed25519:1', other.publicKey())).toBe(false);
  });
});

describe('signing events: the specification appendix event vectors', () => {
  /** The content hash: SHA-256 of the event without unsigned, signatures and hashes. */
  async function withHashes(event: Record<string, unknown>): Promise<JsonObject> {
    const { unsigned: _u, signatures: _s, hashes: _h, ...hashed } = event;
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', canonicalJsonBytes(hashed as JsonObject)),
    );
    return { ...event, hashes: { sha256: encodeUnpaddedBase64(digest) } } as JsonObject;
  }

  /** Room version 1 redaction: these keys are kept; content is emptied for these types. */
  function redacted(event: JsonObject): JsonObject {
    const kept = [
      'event_id',
      'type',
      'room_id',
      'sender',
      'state_key',
      'content',
      'hashes',
      'signatures',
      'depth',
      'prev_events',
      'prev_state',
      'auth_events',
      'origin',
      'origin_server_ts',
      'membership',
    ];
    const out: Record<string, unknown> = {};
    for (const k of kept) if (k in event) out[k] = event[k];
    out.content = {};
    return out as JsonObject;
  }

  it('reproduces the minimal event hash and signature', async () => {
    const event = await withHashes({
      room_id: '!x:domain',
      sender: '@a:domain',
      origin: 'domain',
      origin_server_ts: 1000000,
      signatures: {},
      hashes: {},
      type: 'X',
      content: {},
      prev_events: [],
      auth_events: [],
      depth: 3,
      unsigned: { age_ts: 1000000 },
    });
    expect(event.hashes).toEqual({ sha256: '5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos' });
    const signed = await signJson(redacted(event), 'domain', key);
    expect(signed.signatures).toEqual({
      domain: {
        'ed25519:1':
          'KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg',
      },
    });
  });

  it('reproduces the redactable event hash and signature (content redacted before signing)', async () => {
    const event = await withHashes({
      content: { body: 'Here is the message content' },
      event_id: '$0:domain',
      origin: 'domain',
      origin_server_ts: 1000000,
      type: 'm.room.message',
      room_id: '!r:domain',
      sender: '@u:domain',
      signatures: {},
      unsigned: { age_ts: 1000000 },
    });
    expect(event.hashes).toEqual({ sha256: 'onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g' });
    const signed = await signJson(redacted(event), 'domain', key);
    expect(signed.signatures).toEqual({
      domain: {
        'ed25519:1':
          'Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA',
      },
    });
  });
});

describe('signing JSON: signatures and unsigned', () => {
  it('excludes signatures and unsigned from what is signed, and keeps both', async () => {
    const input = {
      name: 'example.org',
      unsigned: { age_ts: 922834800000 },
      signatures: { 'other.example': { 'ed25519:x': 'abc' } },
    };
    const signed = await signJson(input, 'domain', key);
    expect(signed.unsigned).toEqual({ age_ts: 922834800000 });
    expect(signed.signatures['other.example']).toEqual({ 'ed25519:x': 'abc' });
    expect(input.signatures).toEqual({ 'other.example': { 'ed25519:x': 'abc' } });
    expect(new TextDecoder().decode(signedBytes(signed))).toBe('{"name":"example.org"}');
    const changedUnsigned = { ...signed, unsigned: { age_ts: 1 } };
    expect(await verifyJsonSignature(changedUnsigned, 'domain', 'ed25519:1', key.publicKey())).toBe(
      true,
    );
    expect(signatureKeyIds(signed, 'domain')).toEqual(['ed25519:1']);
    expect(signatureKeyIds(signed, 'nobody')).toEqual([]);
  });

  it('is false for a missing server, a missing key ID, or a signature that is not base64', async () => {
    const signed = await signJson({ a: 1 }, 'domain', key);
    const pub = key.publicKey();
    expect(await verifyJsonSignature(signed, 'elsewhere', 'ed25519:1', pub)).toBe(false);
    expect(await verifyJsonSignature(signed, 'domain', 'ed25519:2', pub)).toBe(false);
    const garbled = { ...signed, signatures: { domain: { 'ed25519:1': '!!!' } } };
    expect(await verifyJsonSignature(garbled, 'domain', 'ed25519:1', pub)).toBe(false);
  });
});

describe('signing JSON: properties', () => {
  it('sign then verify holds for any JSON object', async () => {
    await fc.assert(
      fc.asyncProperty(
        jsonObjectArbitrary,
        fc.string({ minLength: 1, maxLength: 20 }),
        async (object, server) => {
          const signed = await signJson(object, server, key);
          expect(await verifyJsonSignature(signed, server, 'ed25519:1', key.publicKey())).toBe(
            true,
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('any one-byte change of the canonical bytes or of the signature fails verification', async () => {
    await fc.assert(
      fc.asyncProperty(
        jsonObjectArbitrary,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        async (object, position, delta, inSignature) => {
          const message = signedBytes(object);
          const signature = await key.sign(message);
          expect(await verifySignatureBytes(key.publicKey(), message, signature)).toBe(true);
          const target = inSignature ? new Uint8Array(signature) : new Uint8Array(message);
          const index = position % target.length;
          target[index] = (target[index]! + delta) % 256;
          const ok = inSignature
            ? await verifySignatureBytes(key.publicKey(), message, target)
            : await verifySignatureBytes(key.publicKey(), target, signature);
          expect(ok).toBe(false);
        },
      ),
      { numRuns: 80 },
    );
  });
});
