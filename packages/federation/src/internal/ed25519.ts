/**
 * Ed25519 through the platform's WebCrypto (`crypto.subtle`, in Node 20 and Deno): private
 * keys from 32-byte seeds (wrapped in PKCS #8, since WebCrypto imports no raw private key),
 * public keys from seeds, signing and verification.
 * @module
 */
import { decodeBase64 } from '../base64.ts';
import { FederationError } from '../errors.ts';

const ED25519 = { name: 'Ed25519' } as const;

/** The PKCS #8 header of an Ed25519 private key; the 32-byte seed follows it. */
const PKCS8_PREFIX = [
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/** Length of an Ed25519 seed, public key and signature, in bytes. */
export const SEED_BYTES = 32;
export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

function subtle(): SubtleCrypto {
  const value = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (value === undefined) {
    throw new FederationError(
      'CRYPTO_UNAVAILABLE',
      'WebCrypto (globalThis.crypto.subtle) is not available on this platform',
    );
  }
  return value;
}

/** Imports a seed as a private signing key, and derives its public key. */
export async function importSeed(
  seed: Uint8Array,
): Promise<{ privateKey: CryptoKey; publicKey: Uint8Array<ArrayBuffer> }> {
  const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + SEED_BYTES);
  pkcs8.set(PKCS8_PREFIX);
  pkcs8.set(seed, PKCS8_PREFIX.length);
  const extractable = await subtle().importKey('pkcs8', pkcs8, ED25519, true, ['sign']);
  const jwk = await subtle().exportKey('jwk', extractable);
  const publicKey = base64UrlToBytes(jwk.x ?? '');
  const privateKey = await subtle().importKey('pkcs8', pkcs8, ED25519, false, ['sign']);
  pkcs8.fill(0);
  return { privateKey, publicKey };
}

/** Signs `message` with a key from {@link importSeed}. */
export async function signBytes(
  privateKey: CryptoKey,
  message: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await subtle().sign(ED25519, privateKey, message));
}

/** Whether `signature` is a valid Ed25519 signature of `message` by `publicKey`. */
export async function verifyBytes(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  try {
    const key = await subtle().importKey('raw', new Uint8Array(publicKey), ED25519, false, [
      'verify',
    ]);
    return await subtle().verify(ED25519, key, new Uint8Array(signature), new Uint8Array(message));
  } catch (error) {
    if (error instanceof FederationError) throw error;
    // A public key that is not a curve point cannot have signed anything.
    return false;
  }
}

function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  return decodeBase64(text.replace(/-/g, '+').replace(/_/g, '/'));
}
