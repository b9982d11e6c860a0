/**
 * `@presence-router/federation`: the Matrix server-server side of presence, runtime-neutral
 * (WebCrypto, WHATWG fetch and streams; no `node:` import: Node-only helpers are in
 * `@presence-router/federation/node`). It covers canonical JSON, Ed25519 JSON signing, signing
 * keys in Synapse's file format, the server key response and a key store for other servers'
 * keys, `X-Matrix` request authentication, server discovery, outbound `m.presence` EDUs in
 * transactions with per-destination queues, backoff and keep-alive, and the inbound
 * transaction endpoint. It depends on `@presence-router/core` alone.
 *
 * @example
 * ```ts
 * import {
 *   createFederationFetch, createTransactionTransport, FederationPresenceSender,
 *   InboundTransactionHandler, parseSigningKeyFile, ServerKeyStore, ServerResolver,
 * } from '@presence-router/federation';
 *
 * const [signingKey] = await parseSigningKeyFile(keyFileText);
 * const fetch = createFederationFetch({ resolver: new ServerResolver() });
 * const sender = new FederationPresenceSender({
 *   serverName: 'hs.example',
 *   transport: createTransactionTransport({ origin: 'hs.example', signingKey, fetch }),
 * });
 * sender.send('remote.example', states); // local users' UserPresenceStates
 * const inbound = new InboundTransactionHandler({
 *   serverName: 'hs.example', keyStore: new ServerKeyStore({ fetch }),
 *   onPresence: (remoteStates) => console.log(remoteStates),
 * });
 * ```
 * @module
 */

// Canonical JSON, base64 and signing.
/** Unpadded base64: decode (padded or not, strict), encode. */
export { decodeBase64, encodeUnpaddedBase64 } from './base64.ts';
export type { JsonObject, JsonValue } from './canonical-json.ts';
/** Canonical JSON text and its UTF-8 bytes (keys by code point, integers only). */
export { canonicalJson, canonicalJsonBytes } from './canonical-json.ts';
// Time.
export type { Clock, TimerHandle } from './clock.ts';
/** The platform clock (timers unref'ed). */
export { systemClock } from './clock.ts';
// Errors.
export type { FederationErrorCode, FederationErrorDetails, FederationIssue } from './errors.ts';
/** The package's one error class (a core PresenceRouterError with `code`, `issues`, `serverName`). */
export { FederationError } from './errors.ts';
export type {
  FederationFetch,
  FederationFetchOptions,
  FederationRequest,
} from './federation-fetch.ts';
/** A FederationFetch over WHATWG fetch. */
export { createFederationFetch } from './federation-fetch.ts';
export type { ServerImplementation } from './federation-version.ts';
/** The body of GET /_matrix/federation/v1/version. */
export { federationVersionBody } from './federation-version.ts';
// Inbound transactions and the version endpoint.
export type {
  InboundMetrics,
  InboundRequest,
  InboundResponse,
  InboundTransactionHandlerOptions,
} from './inbound-transactions.ts';
/** PUT /_matrix/federation/v1/send/{txnId} for a presence-only server. */
export { InboundTransactionHandler } from './inbound-transactions.ts';
// Presence EDUs and transactions.
export type {
  DroppedPresence,
  Edu,
  PresenceEntryFields,
  PresencePush,
  ReadPresence,
} from './presence-edu.ts';
/** m.presence: format a state (Synapse's rules), build an EDU, read a received one. */
export {
  MAX_PRESENCE_STATES_PER_EDU,
  PRESENCE_EDU_TYPE,
  presenceEdu,
  presencePush,
  readPresenceEdu,
} from './presence-edu.ts';
// Outbound presence.
export type {
  DestinationSnapshot,
  DroppedStates,
  PresenceSenderOptions,
  PresenceSenderSnapshot,
  SentPresenceEntry,
} from './presence-sender.ts';
/** Per-destination queues, batching, backoff and keep-alive; its defaults. */
export { FederationPresenceSender, PRESENCE_SENDER_DEFAULTS } from './presence-sender.ts';
export type {
  AuthenticateRequestOptions,
  RequestAuthentication,
} from './request-authentication.ts';
/** Authenticate an incoming request against the origin's keys (401/400 M_UNAUTHORIZED). */
export { authenticateRequest } from './request-authentication.ts';
// Server discovery and HTTP.
export type {
  FetchLike,
  ResolutionStep,
  ResolvedServer,
  ServerResolverOptions,
  SrvLookup,
  SrvRecord,
} from './server-discovery.ts';
/** Server name resolution (overrides, IP, port, .well-known, SRV, 8448) with its cache constants. */
export { ServerResolver, WELL_KNOWN_DEFAULTS } from './server-discovery.ts';
export type {
  CachedVerifyKey,
  KeyStoreMetrics,
  ServerKeyStoreOptions,
  SignatureCheck,
} from './server-key-store.ts';
/** Other servers' keys: fetched, checked, cached, refetched when unknown (rate-limited). */
export { ServerKeyStore } from './server-key-store.ts';
// Server keys: ours, and other servers'.
export type { OldVerifyKey, ServerKeyResponseOptions, ServerKeys } from './server-keys.ts';
/** Build our self-signed GET /_matrix/key/v2/server body; check another server's. */
export { buildServerKeyResponse, verifyServerKeyResponse } from './server-keys.ts';
export type { Signatures, Signed } from './signed-json.ts';
/** Sign a JSON object, list its signers' key IDs, verify one signature, verify raw bytes. */
export {
  signatureKeyIds,
  signedBytes,
  signJson,
  verifyJsonSignature,
  verifySignatureBytes,
} from './signed-json.ts';
// Signing keys and key files.
/** An Ed25519 signing key, made from a seed or generated. */
export { generateSigningKey, SigningKey, signingKeyFromSeed } from './signing-key.ts';
/** Synapse's signing key file: parse (every bad line reported) and write. */
export { parseSigningKeyFile, serializeSigningKeys } from './signing-key-file.ts';
export type {
  OutgoingTransaction,
  TransactionBody,
  TransactionResponse,
  TransactionTransport,
} from './transaction.ts';
export { MAX_EDUS_PER_TRANSACTION, MAX_PDUS_PER_TRANSACTION } from './transaction.ts';
export type { TransactionTransportOptions } from './transaction-transport.ts';
/** The real transport: sign (X-Matrix) and PUT /_matrix/federation/v1/send/{txnId}. */
export { createTransactionTransport, transactionPath } from './transaction-transport.ts';
// Request authentication.
export type { RequestToSign, XMatrixAuthorization } from './x-matrix.ts';
/** The X-Matrix Authorization header: build (signed), format, parse. */
export {
  buildXMatrixAuthorization,
  formatXMatrixAuthorization,
  parseXMatrixAuthorization,
  requestSigningObject,
} from './x-matrix.ts';
