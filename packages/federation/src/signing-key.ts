/**
 * Ed25519 signing keys as Matrix servers use them: an algorithm (`ed25519`), a version
 * (`[a-zA-Z0-9_]+`, e.g. Synapse's `a_AbCd`), together the key ID `ed25519:<version>`,
 * and a 32-byte seed from which WebCrypto derives the private and public keys.
 *
 * @example
 * ```ts
 * const key = await generateSigningKey();        // version 'a_' + 4 random letters, as Synapse
 * key.keyId;                                      // 'ed25519:a_XyZw'
 * key.publicKeyBase64;                            // what goes into verify_keys
 * const signature = await key.sign(bytes);        // 64 bytes
 * ```
 * @module
 */
import { encodeUnpaddedBase64 } from './base64.ts';
import { FederationError } from './errors.ts';
import { importSeed, SEED_BYTES, signBytes } from './internal/ed25519.ts';

/** The signing algorithm this package supports, the only one Matrix defines. */
export const ED25519 = 'ed25519';

/** What a key version may contain (the specification's `[a-zA-Z0-9_]`). */
const KEY_VERSION = /^[a-zA-Z0-9_]+$/;

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

const constructing = Symbol('SigningKey');

/**
 * A private Ed25519 signing key with its version and public key. Create one with
 * {@link signingKeyFromSeed} or {@link generateSigningKey}.
 */
export class SigningKey {
  readonly algorithm = ED25519;
  /** The key version, e.g. `a_AbCd`. */
  readonly version: string;
  /** `ed25519:<version>`, the key ID under which signatures and verify keys are listed. */
  readonly keyId: string;
  /** The public key, unpadded base64 (the `key` of a `verify_keys` entry). */
  readonly publicKeyBase64: string;
  readonly #publicKey: Uint8Array;
  readonly #seed: Uint8Array;
  readonly #privateKey: CryptoKey;

  /** Use {@link signingKeyFromSeed} or {@link generateSigningKey}. */
  constructor(
    token: typeof constructing,
    version: string,
    seed: Uint8Array,
    keys: { privateKey: CryptoKey; publicKey: Uint8Array },
  ) {
    if (token !== constructing) {
      throw new TypeError(
        'Use signingKeyFromSeed() or generateSigningKey() to create a SigningKey',
      );
    }
    this.version = version;
    this.keyId = `${ED25519}:${version}`;
    this.#seed = seed;
    this.#privateKey = keys.privateKey;
    this.#publicKey = keys.publicKey;
    this.publicKeyBase64 = encodeUnpaddedBase64(keys.publicKey);
    Object.freeze(this);
  }

  /** A copy of the 32-byte public key. */
  publicKey(): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.#publicKey);
  }

  /** A copy of the 32-byte seed (the secret: what the key file stores). */
  exportSeed(): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.#seed);
  }

  /** Signs `message`; resolves to the 64-byte Ed25519 signature. */
  sign(message: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
    return signBytes(this.#privateKey, new Uint8Array(message));
  }
}

/** Why `version` is not a valid key version, or `undefined` when it is. */
export function keyVersionProblem(version: string): string | undefined {
  if (typeof version !== 'string' || version.length === 0) return 'the key version is empty';
  if (!KEY_VERSION.test(version)) {
    return `the key version ${JSON.stringify(version)} may only contain a-z, A-Z, 0-9 and "_"`;
  }
  return undefined;
}

/** The key from a 32-byte seed; throws `INVALID_SIGNING_KEY` for a bad version or length. */
export async function signingKeyFromSeed(version: string, seed: Uint8Array): Promise<SigningKey> {
  const problem = keyVersionProblem(version);
  if (problem !== undefined) throw new FederationError('INVALID_SIGNING_KEY', problem);
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
    throw new FederationError(
      'INVALID_SIGNING_KEY',
      `An ed25519 seed is ${SEED_BYTES} bytes, not ${seed instanceof Uint8Array ? seed.length : typeof seed}`,
    );
  }
  const copy = new Uint8Array(seed);
  return new SigningKey(constructing, version, copy, await importSeed(copy));
}

/**
 * A new key from 32 random bytes (`crypto.getRandomValues`). The default version is
 * Synapse's: `a_` and four random ASCII letters.
 */
export async function generateSigningKey(version?: string): Promise<SigningKey> {
  const seed = new Uint8Array(SEED_BYTES);
  crypto.getRandomValues(seed);
  let chosen = version;
  if (chosen === undefined) {
    const random = new Uint8Array(4);
    crypto.getRandomValues(random);
    chosen = `a_${[...random].map((byte) => LETTERS[byte % LETTERS.length]).join('')}`;
  }
  return signingKeyFromSeed(chosen, seed);
}
