/**
 * Signing JSON objects as the specification's appendix describes: the object without its
 * `signatures` and `unsigned` members is encoded as canonical JSON, signed with Ed25519,
 * and the unpadded base64 signature is added under `signatures[<server>][<key ID>]`;
 * `unsigned` is kept as it was. Verification checks one key's signature the same way.
 *
 * @example
 * ```ts
 * const signed = await signJson({ one: 1, two: 'Two' }, 'domain', key);
 * // { one: 1, two: 'Two', signatures: { domain: { 'ed25519:1': 'KqmLSbO3...' } } }
 * await verifyJsonSignature(signed, 'domain', 'ed25519:1', key.publicKey()); // true
 * ```
 * @module
 */
import { decodeBase64, encodeUnpaddedBase64 } from './base64.ts';
import { canonicalJsonBytes, type JsonObject, type JsonValue } from './canonical-json.ts';
import { FederationError } from './errors.ts';
import { verifyBytes } from './internal/ed25519.ts';
import type { SigningKey } from './signing-key.ts';

/** The `signatures` member of a signed object: server name -> key ID -> signature. */
export type Signatures = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** An object with its `signatures`. */
export type Signed<T extends JsonObject> = T & { readonly signatures: Signatures };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The bytes a signature of `object` covers: canonical JSON without `signatures` and `unsigned`. */
export function signedBytes(object: JsonObject): Uint8Array<ArrayBuffer> {
  if (!isPlainObject(object)) {
    throw new FederationError('INVALID_CANONICAL_JSON', 'Only JSON objects can be signed', {
      path: '$',
    });
  }
  const { signatures: _signatures, unsigned: _unsigned, ...rest } = object;
  return canonicalJsonBytes(rest);
}

/**
 * A copy of `object` signed by `serverName` with `key`, keeping its existing signatures
 * (of other servers and keys) and its `unsigned` member. The input is not modified.
 */
export async function signJson<T extends JsonObject>(
  object: T,
  serverName: string,
  key: SigningKey,
): Promise<Signed<T>> {
  const signature = encodeUnpaddedBase64(await key.sign(signedBytes(object)));
  const existing = isPlainObject(object.signatures) ? (object.signatures as Signatures) : {};
  const forServer = isPlainObject(existing[serverName]) ? existing[serverName] : {};
  return {
    ...object,
    signatures: { ...existing, [serverName]: { ...forServer, [key.keyId]: signature } },
  };
}

/** The key IDs under which `serverName` signed `object` (an empty list when none). */
export function signatureKeyIds(object: JsonObject, serverName: string): string[] {
  const signatures = object.signatures;
  if (!isPlainObject(signatures)) return [];
  const forServer = signatures[serverName];
  return isPlainObject(forServer) ? Object.keys(forServer) : [];
}

/**
 * Whether `object` carries a valid signature by `serverName` under `keyId`, made with the
 * private key of `publicKey` (32 bytes). False when the signature is missing, not base64,
 * or wrong, and when the object cannot be canonical JSON (such an object was never signed
 * by a conforming server).
 */
export async function verifyJsonSignature(
  object: JsonObject,
  serverName: string,
  keyId: string,
  publicKey: Uint8Array,
): Promise<boolean> {
  const signatures = isPlainObject(object) ? object.signatures : undefined;
  const forServer = isPlainObject(signatures) ? signatures[serverName] : undefined;
  const encoded: JsonValue | undefined = isPlainObject(forServer) ? forServer[keyId] : undefined;
  if (typeof encoded !== 'string') return false;
  let signature: Uint8Array;
  let message: Uint8Array;
  try {
    signature = decodeBase64(encoded);
    message = signedBytes(object);
  } catch (error) {
    if (error instanceof FederationError) return false;
    throw error;
  }
  return verifyBytes(publicKey, message, signature);
}

/** Whether `signature` (raw bytes) is `publicKey`'s Ed25519 signature of `message`. */
export function verifySignatureBytes(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  return verifyBytes(publicKey, message, signature);
}
