import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeUnpaddedBase64 } from '../src/base64.ts';
import { FederationError } from '../src/errors.ts';
import { generateSigningKey, signingKeyFromSeed } from '../src/signing-key.ts';
import { parseSigningKeyFile, serializeSigningKeys } from '../src/signing-key-file.ts';
import { SPEC_SEED } from './fakes/spec-vectors.ts';

async function fileError(text: string): Promise<FederationError> {
  try {
    await parseSigningKeyFile(text);
  } catch (error) {
    if (error instanceof FederationError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
}

describe('signing key files (Synapse format)', () => {
  it('reads the spec test key and derives its public key', async () => {
    const [key, ...rest] = await parseSigningKeyFile(`ed25519 1 ${SPEC_SEED}\n`);
    expect(rest).toEqual([]);
    expect(key!.keyId).toBe('ed25519:1');
    expect(key!.publicKeyBase64).toBe('XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI');
    expect([...key!.exportSeed()]).toEqual([...decodeBase64(SPEC_SEED)]);
  });

  it('round-trips generated keys (serialize then parse)', async () => {
    const keys = [await generateSigningKey(), await generateSigningKey('b_2')];
    const text = serializeSigningKeys(keys);
    expect(text.split('\n')).toEqual([
      `ed25519 ${keys[0]!.version} ${encodeUnpaddedBase64(keys[0]!.exportSeed())}`,
      `ed25519 b_2 ${encodeUnpaddedBase64(keys[1]!.exportSeed())}`,
      '',
    ]);
    const parsed = await parseSigningKeyFile(text);
    expect(parsed.map((k) => [k.keyId, k.publicKeyBase64])).toEqual(
      keys.map((k) => [k.keyId, k.publicKeyBase64]),
    );
  });

  it('generates Synapse-style versions (a_ and four letters) from random seeds', async () => {
    const a = await generateSigningKey();
    const b = await generateSigningKey();
    expect(a.version).toMatch(/^a_[A-Za-z]{4}$/);
    expect(a.publicKeyBase64).not.toBe(b.publicKeyBase64);
  });

  it('skips blank lines and accepts CRLF and extra whitespace between fields', async () => {
    const keys = await parseSigningKeyFile(`\r\n  ed25519\t1   ${SPEC_SEED}  \r\n\r\n`);
    expect(keys.map((k) => k.keyId)).toEqual(['ed25519:1']);
  });

  it('reports every bad line with its number in one error', async () => {
    const error = await fileError(
      [
        `ed25519 1 ${SPEC_SEED}`,
        SPEC_SEED,
        `rsa 2 ${SPEC_SEED}`,
        `ed25519 bad-version ${SPEC_SEED}`,
        'ed25519 3 not*base64',
        'ed25519 4 AAAA',
        `ed25519 1 ${SPEC_SEED}`,
      ].join('\n'),
    );
    expect(error.code).toBe('INVALID_KEY_FILE');
    expect(error.issues.map((issue) => issue.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(error.issues.map((issue) => issue.message)).toEqual([
      'expected "ed25519 <version> <base64 seed>", found 1 field',
      'unsupported algorithm "rsa"',
      'the key version "bad-version" may only contain a-z, A-Z, 0-9 and "_"',
      expect.stringContaining('is not a base64 character'),
      'the seed is 3 bytes, not 32',
      'key version 1 is already used on line 1',
    ]);
    expect(error.message).toContain('line 6: the seed is 3 bytes, not 32');
  });

  it('refuses a file without keys', async () => {
    const error = await fileError('\n\n');
    expect(error.issues).toEqual([{ message: 'the file holds no signing key' }]);
  });

  it('refuses seeds of the wrong length and bad versions when making keys directly', async () => {
    await expect(signingKeyFromSeed('1', new Uint8Array(31))).rejects.toThrow('32 bytes, not 31');
    await expect(signingKeyFromSeed('', new Uint8Array(32))).rejects.toThrow('empty');
  });
});
