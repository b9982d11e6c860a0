/**
 * The server key response of `GET /_matrix/key/v2/server`:
 * `{server_name, verify_keys: {id: {key}}, old_verify_keys: {id: {key, expired_ts}},
 * valid_until_ts, signatures}`, signed by the server itself with its current keys.
 * {@link buildServerKeyResponse} makes ours (serving it over HTTP is the application's job);
 * {@link verifyServerKeyResponse} checks another server's: the name, the shapes, and the
 * self-signature (at least one signature by a key of `verify_keys`, and every such signature
 * valid). Keys of algorithms other than ed25519 are ignored, as the specification says.
 *
 * @example
 * ```ts
 * const body = await buildServerKeyResponse({
 *   serverName: 'hs.example', signingKeys: [key], validUntilTs: Date.now() + 86_400_000,
 * });
 * const keys = await verifyServerKeyResponse(await response.json(), 'remote.example');
 * ```
 * @module
 */
import { serverNameProblem } from '@presence-router/core';
import { decodeBase64 } from './base64.ts';
import type { JsonObject } from './canonical-json.ts';
import { FederationError } from './errors.ts';
import { PUBLIC_KEY_BYTES } from './internal/ed25519.ts';
import { type Signed, signJson, verifyJsonSignature } from './signed-json.ts';
import { ED25519, keyVersionProblem, type SigningKey } from './signing-key.ts';

/** A key the server no longer signs with, and when it stopped. */
export interface OldVerifyKey {
  /** Unpadded base64 of the 32-byte public key. */
  readonly key: string;
  /** Milliseconds since the epoch when the key expired. */
  readonly expiredTs: number;
}

/** What {@link buildServerKeyResponse} needs. */
export interface ServerKeyResponseOptions {
  readonly serverName: string;
  /** The current keys: each is listed in `verify_keys` and signs the response. */
  readonly signingKeys: readonly SigningKey[];
  /** Keys no longer used, by key ID (`ed25519:<version>`). */
  readonly oldVerifyKeys?: Readonly<Record<string, OldVerifyKey>>;
  /**
   * Until when (ms since the epoch) others may cache the keys. The specification asks
   * origin servers not to answer with less than an hour; Synapse uses now + 1 day
   * (`key_refresh_interval`).
   */
  readonly validUntilTs: number;
}

/** Another server's keys, as read from its verified key response. */
export interface ServerKeys {
  readonly serverName: string;
  /** Current public keys (32 bytes) by key ID. */
  readonly verifyKeys: ReadonlyMap<string, Uint8Array>;
  /** Old public keys by key ID, with when they expired. */
  readonly oldVerifyKeys: ReadonlyMap<
    string,
    { readonly publicKey: Uint8Array; readonly expiredTs: number }
  >;
  /** The response's `valid_until_ts`. */
  readonly validUntilTs: number;
}

/** Our self-signed key response; see the module documentation. */
export async function buildServerKeyResponse(
  options: ServerKeyResponseOptions,
): Promise<Signed<JsonObject>> {
  const problem = serverNameProblem(options.serverName);
  if (problem !== undefined) {
    throw new FederationError('INVALID_SERVER_NAME', `Invalid server name: ${problem}`);
  }
  if (options.signingKeys.length === 0) {
    throw new FederationError('INVALID_OPTIONS', 'A key response needs at least one signing key');
  }
  if (!Number.isSafeInteger(options.validUntilTs) || options.validUntilTs < 0) {
    throw new FederationError('INVALID_OPTIONS', 'validUntilTs must be a non-negative integer');
  }
  const verifyKeys: Record<string, JsonObject> = {};
  for (const key of options.signingKeys) verifyKeys[key.keyId] = { key: key.publicKeyBase64 };
  const oldVerifyKeys: Record<string, JsonObject> = {};
  for (const [keyId, old] of Object.entries(options.oldVerifyKeys ?? {})) {
    if (keyId in verifyKeys) {
      throw new FederationError('INVALID_OPTIONS', `${keyId} is both a current and an old key`);
    }
    oldVerifyKeys[keyId] = { key: old.key, expired_ts: old.expiredTs };
  }
  let body: JsonObject = {
    server_name: options.serverName,
    valid_until_ts: options.validUntilTs,
    verify_keys: verifyKeys,
    old_verify_keys: oldVerifyKeys,
  };
  for (const key of options.signingKeys) body = await signJson(body, options.serverName, key);
  return body as Signed<JsonObject>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(serverName: string, reason: string): FederationError {
  return new FederationError(
    'INVALID_SERVER_KEYS',
    `Invalid key response of ${serverName}: ${reason}`,
    {
      serverName,
    },
  );
}

function publicKeyOf(serverName: string, keyId: string, entry: unknown): Uint8Array {
  if (!isObject(entry) || typeof entry.key !== 'string') {
    throw invalid(serverName, `${keyId} has no "key" string`);
  }
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(entry.key);
  } catch (error) {
    throw invalid(serverName, `the key of ${keyId} is not base64 (${(error as Error).message})`);
  }
  if (bytes.length !== PUBLIC_KEY_BYTES) {
    throw invalid(
      serverName,
      `the key of ${keyId} is ${bytes.length} bytes, not ${PUBLIC_KEY_BYTES}`,
    );
  }
  return bytes;
}

function isEd25519KeyId(keyId: string): boolean {
  return (
    keyId.startsWith(`${ED25519}:`) &&
    keyVersionProblem(keyId.slice(ED25519.length + 1)) === undefined
  );
}

/**
 * Checks a key response that should come from `serverName` and returns its keys; throws
 * `INVALID_SERVER_KEYS` when it is malformed, names another server, or is not self-signed.
 */
export async function verifyServerKeyResponse(
  response: unknown,
  serverName: string,
): Promise<ServerKeys> {
  if (!isObject(response)) throw invalid(serverName, 'the response is not a JSON object');
  if (response.server_name !== serverName) {
    throw invalid(serverName, `it is for server_name ${JSON.stringify(response.server_name)}`);
  }
  const validUntilTs = response.valid_until_ts;
  if (typeof validUntilTs !== 'number' || !Number.isSafeInteger(validUntilTs)) {
    throw invalid(serverName, 'valid_until_ts is not an integer');
  }
  if (!isObject(response.verify_keys)) throw invalid(serverName, 'verify_keys is not an object');
  const verifyKeys = new Map<string, Uint8Array>();
  for (const [keyId, entry] of Object.entries(response.verify_keys)) {
    if (isEd25519KeyId(keyId)) verifyKeys.set(keyId, publicKeyOf(serverName, keyId, entry));
  }
  const oldVerifyKeys = new Map<string, { publicKey: Uint8Array; expiredTs: number }>();
  const old = response.old_verify_keys ?? {};
  if (!isObject(old)) throw invalid(serverName, 'old_verify_keys is not an object');
  for (const [keyId, entry] of Object.entries(old)) {
    if (!isEd25519KeyId(keyId)) continue;
    const publicKey = publicKeyOf(serverName, keyId, entry);
    const expiredTs = (entry as Record<string, unknown>).expired_ts;
    if (typeof expiredTs !== 'number' || !Number.isSafeInteger(expiredTs)) {
      throw invalid(serverName, `expired_ts of ${keyId} is not an integer`);
    }
    oldVerifyKeys.set(keyId, { publicKey, expiredTs });
  }
  const signatures = isObject(response.signatures) ? response.signatures[serverName] : undefined;
  const signedWith = isObject(signatures)
    ? Object.keys(signatures).filter((keyId) => verifyKeys.has(keyId))
    : [];
  if (signedWith.length === 0) {
    throw invalid(serverName, 'it is not signed by any of its verify_keys');
  }
  for (const keyId of signedWith) {
    const ok = await verifyJsonSignature(
      response as JsonObject,
      serverName,
      keyId,
      verifyKeys.get(keyId)!,
    );
    if (!ok) throw invalid(serverName, `its signature with ${keyId} does not verify`);
  }
  return { serverName, verifyKeys, oldVerifyKeys, validUntilTs };
}
