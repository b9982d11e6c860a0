/**
 * {@link ServerKeyStore}: other servers' signing keys, fetched from their
 * `GET /_matrix/key/v2/server` (through an injected {@link FederationFetch}), checked
 * (`server_name`, shapes, self-signature) and cached:
 *
 * - a key of `verify_keys` is valid until the response's `valid_until_ts`, but never more than
 *   7 days after it was fetched (the specification's "MUST use the lesser of");
 * - a key of `old_verify_keys` is valid only for objects signed at or before its
 *   `expired_ts` (Synapse stores it with `valid_until_ts = expired_ts`);
 * - a key that is unknown, or not valid at the time asked about, triggers a refetch, at most
 *   once per server every `minRefetchIntervalMs` (default 60 s), one fetch in flight per
 *   server; a failed fetch keeps what was cached;
 * - keys a newer response no longer lists stay until their validity ends; at most
 *   `maxKeysPerServer` (32) keys per server and `maxServers` (10,000) servers are kept,
 *   least recently used servers dropped first.
 *
 * @example
 * ```ts
 * const keys = new ServerKeyStore({ fetch: createFederationFetch({ resolver }) });
 * const check = await keys.verifySignedJson('remote.example', signedObject);
 * if (!check.valid) console.log(check.reason);
 * ```
 * @module
 */
import { consoleLogger, type Logger } from '@presence-router/core';
import type { JsonObject } from './canonical-json.ts';
import { type Clock, systemClock } from './clock.ts';
import { FederationError } from './errors.ts';
import type { FederationFetch } from './federation-fetch.ts';
import { readLimitedBody } from './internal/limited-body.ts';
import { type ServerKeys, verifyServerKeyResponse } from './server-keys.ts';
import { signatureKeyIds, verifyJsonSignature } from './signed-json.ts';
import { ED25519 } from './signing-key.ts';

/** Options of {@link ServerKeyStore}. */
export interface ServerKeyStoreOptions {
  /** How to reach other servers. */
  readonly fetch: FederationFetch;
  readonly clock?: Pick<Clock, 'now'>;
  /** Least time between two fetches of one server's keys (default 60,000 ms). */
  readonly minRefetchIntervalMs?: number;
  /** Most servers whose keys are kept (default 10,000). */
  readonly maxServers?: number;
  /** Most keys kept per server (default 32). */
  readonly maxKeysPerServer?: number;
  /** Largest key response read (default 512 KiB). */
  readonly maxResponseBytes?: number;
  readonly logger?: Logger;
}

/** A cached public key. */
export interface CachedVerifyKey {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  /** Until when (ms since the epoch) it verifies signatures. */
  readonly validUntilTs: number;
  /** Whether it came from `old_verify_keys`. */
  readonly old: boolean;
}

/** The outcome of {@link ServerKeyStore.verifySignedJson}. */
export type SignatureCheck =
  | { readonly valid: true; readonly keyIds: readonly string[] }
  | { readonly valid: false; readonly reason: string };

/** Counters of a {@link ServerKeyStore}. */
export interface KeyStoreMetrics {
  readonly cachedServers: number;
  readonly fetches: number;
  readonly fetchFailures: number;
  /** Lookups that wanted a fetch but were inside `minRefetchIntervalMs`. */
  readonly fetchesRateLimited: number;
}

interface ServerEntry {
  readonly keys: Map<string, CachedVerifyKey>;
  lastAttemptAt: number;
  lastError: string | undefined;
}

const WEEK = 7 * 24 * 60 * 60 * 1000;

/** Fetches, checks and caches servers' keys; see the module documentation. */
export class ServerKeyStore {
  readonly #fetch: FederationFetch;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #minRefetchIntervalMs: number;
  readonly #maxServers: number;
  readonly #maxKeysPerServer: number;
  readonly #maxResponseBytes: number;
  readonly #logger: Logger;
  readonly #servers = new Map<string, ServerEntry>();
  readonly #inFlight = new Map<string, Promise<void>>();
  #fetches = 0;
  #fetchFailures = 0;
  #rateLimited = 0;

  constructor(options: ServerKeyStoreOptions) {
    this.#fetch = options.fetch;
    this.#clock = options.clock ?? systemClock;
    this.#minRefetchIntervalMs = options.minRefetchIntervalMs ?? 60_000;
    this.#maxServers = options.maxServers ?? 10_000;
    this.#maxKeysPerServer = options.maxKeysPerServer ?? 32;
    this.#maxResponseBytes = options.maxResponseBytes ?? 512 * 1024;
    this.#logger = options.logger ?? consoleLogger;
  }

  /**
   * The public key `keyId` of `serverName` if it is valid for an object signed at `at`
   * (default: now), fetching the server's keys when needed and allowed; else `undefined`.
   */
  async getVerifyKey(
    serverName: string,
    keyId: string,
    at: number = this.#clock.now(),
  ): Promise<CachedVerifyKey | undefined> {
    const cached = this.#usable(serverName, keyId, at);
    if (cached !== undefined) return cached;
    const entry = this.#servers.get(serverName);
    const running = this.#inFlight.get(serverName);
    if (running !== undefined) {
      await running;
    } else if (
      entry === undefined ||
      this.#clock.now() - entry.lastAttemptAt >= this.#minRefetchIntervalMs
    ) {
      await this.#refresh(serverName);
    } else {
      this.#rateLimited++;
      return undefined;
    }
    return this.#usable(serverName, keyId, at);
  }

  /**
   * Checks `serverName`'s signatures on `object` (signed at `at`, default now): every
   * ed25519 signature whose key is known and valid must verify, and at least one must.
   */
  async verifySignedJson(
    serverName: string,
    object: JsonObject,
    at: number = this.#clock.now(),
  ): Promise<SignatureCheck> {
    const keyIds = signatureKeyIds(object, serverName).filter((id) => id.startsWith(`${ED25519}:`));
    if (keyIds.length === 0) return { valid: false, reason: `Not signed by ${serverName}` };
    const verified: string[] = [];
    for (const keyId of keyIds) {
      const key = await this.getVerifyKey(serverName, keyId, at);
      if (key === undefined) continue;
      if (!(await verifyJsonSignature(object, serverName, keyId, key.publicKey))) {
        return {
          valid: false,
          reason: `Invalid signature for server ${serverName} with key ${keyId}`,
        };
      }
      verified.push(keyId);
    }
    if (verified.length === 0) {
      const error = this.#servers.get(serverName)?.lastError;
      return {
        valid: false,
        reason: `No key of ${serverName} valid at ${at} among ${keyIds.join(', ')}${error === undefined ? '' : ` (${error})`}`,
      };
    }
    return { valid: true, keyIds: verified };
  }

  /**
   * Adds keys read elsewhere (a notary, our own key response, a test), as if fetched at
   * `fetchedAt` (default now).
   */
  addServerKeys(keys: ServerKeys, fetchedAt: number = this.#clock.now()): void {
    const entry = this.#entry(keys.serverName);
    const validUntil = Math.min(keys.validUntilTs, fetchedAt + WEEK);
    for (const [keyId, publicKey] of keys.verifyKeys) {
      entry.keys.set(keyId, { keyId, publicKey, validUntilTs: validUntil, old: false });
    }
    for (const [keyId, { publicKey, expiredTs }] of keys.oldVerifyKeys) {
      if (keys.verifyKeys.has(keyId)) continue;
      entry.keys.set(keyId, { keyId, publicKey, validUntilTs: expiredTs, old: true });
    }
    const listed = new Set([...keys.verifyKeys.keys(), ...keys.oldVerifyKeys.keys()]);
    for (const [keyId, key] of entry.keys) {
      if (!listed.has(keyId) && key.validUntilTs < fetchedAt) entry.keys.delete(keyId);
    }
    if (entry.keys.size > this.#maxKeysPerServer) {
      const keep = [...entry.keys.values()]
        .sort((a, b) => b.validUntilTs - a.validUntilTs)
        .slice(0, this.#maxKeysPerServer);
      entry.keys.clear();
      for (const key of keep) entry.keys.set(key.keyId, key);
    }
  }

  /** Counters for the server's metrics. */
  metrics(): KeyStoreMetrics {
    return {
      cachedServers: this.#servers.size,
      fetches: this.#fetches,
      fetchFailures: this.#fetchFailures,
      fetchesRateLimited: this.#rateLimited,
    };
  }

  #usable(serverName: string, keyId: string, at: number): CachedVerifyKey | undefined {
    const entry = this.#servers.get(serverName);
    const key = entry?.keys.get(keyId);
    if (entry === undefined || key === undefined || key.validUntilTs < at) return undefined;
    this.#servers.delete(serverName);
    this.#servers.set(serverName, entry);
    return key;
  }

  #entry(serverName: string): ServerEntry {
    let entry = this.#servers.get(serverName);
    if (entry === undefined) {
      entry = { keys: new Map(), lastAttemptAt: Number.NEGATIVE_INFINITY, lastError: undefined };
    } else {
      this.#servers.delete(serverName);
    }
    this.#servers.set(serverName, entry);
    while (this.#servers.size > this.#maxServers) {
      this.#servers.delete(this.#servers.keys().next().value as string);
    }
    return entry;
  }

  #refresh(serverName: string): Promise<void> {
    const run = this.#fetchKeys(serverName).finally(() => this.#inFlight.delete(serverName));
    this.#inFlight.set(serverName, run);
    return run;
  }

  async #fetchKeys(serverName: string): Promise<void> {
    const entry = this.#entry(serverName);
    const startedAt = this.#clock.now();
    entry.lastAttemptAt = startedAt;
    this.#fetches++;
    try {
      const response = await this.#fetch(serverName, {
        method: 'GET',
        path: '/_matrix/key/v2/server',
      });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => {});
        throw new FederationError('KEY_FETCH_FAILED', `HTTP ${response.status}`, {
          serverName,
          status: response.status,
        });
      }
      const body = await readLimitedBody(response, this.#maxResponseBytes);
      const json: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
      this.addServerKeys(await verifyServerKeyResponse(json, serverName), startedAt);
      entry.lastError = undefined;
    } catch (error) {
      this.#fetchFailures++;
      entry.lastError = `fetching its keys failed: ${(error as Error).message}`;
      this.#logger.warn('Fetching server keys failed', {
        serverName,
        error: (error as Error).message,
      });
    }
  }
}
