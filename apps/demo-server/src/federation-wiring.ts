/**
 * The server's federation, when `federation.enabled`: what remote destinations are sent
 * (signed `m.presence` EDUs in transactions, one queue per destination, backoff, keep-alive —
 * `@presence-router/federation`'s `FederationPresenceSender`) and the endpoints other servers
 * call (`GET /_matrix/key/v2/server`, `PUT /_matrix/federation/v1/send/{txnId}`,
 * `GET /_matrix/federation/v1/version`). Web-standard: how servers are reached and where the
 * signing key comes from are passed in (see `federation-node.ts`).
 *
 * @example
 * ```ts
 * const federation = createFederation({ serverName, settings: settings.federation, signingKeys, fetch, logger });
 * federation.connect((states, origin) => service.acceptRemote(states, origin));
 * ```
 * @module
 */
import type { Logger, UserPresenceState } from '@presence-router/core';
import {
  authenticateRequest,
  buildServerKeyResponse,
  buildXMatrixAuthorization,
  createTransactionTransport,
  type FederationFetch,
  FederationPresenceSender,
  federationVersionBody,
  InboundTransactionHandler,
  type JsonObject,
  type PresenceSenderSnapshot,
  type SentPresenceEntry,
  ServerKeyStore,
  type SigningKey,
} from '@presence-router/federation';
import type { FederationSender } from './federation-sender.ts';
import type { FederationSettings } from './server-settings.ts';

/** Where inbound presence goes (the presence service). */
export type RemotePresenceReceiver = (
  states: readonly UserPresenceState[],
  origin: string,
) => void | Promise<void>;

/** A federation request as the HTTP layer has it. */
export interface FederationRequest {
  readonly method: string;
  /** Path and query as sent. */
  readonly uri: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

/** An answer to a federation request. */
export interface FederationAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** Counters of inbound federation, for `/metrics`. */
export interface InboundFederationStatus {
  readonly transactionsApplied: number;
  /** `m.presence` entries accepted, and dropped (a user of another server than the origin). */
  readonly presenceAccepted: number;
  readonly presenceDropped: number;
  /** EDUs of other types, ignored. */
  readonly edusIgnored: number;
  /** Requests refused: bad or missing signature, wrong destination, not whitelisted. */
  readonly rejected: number;
}

/**
 * Extension fields of `m.presence` entries (MSC4495): added to outgoing entries, reported
 * when accepted, and seen on incoming ones before their states are routed.
 */
export interface PresenceEntryExtensions {
  readonly entryFields: (destination: string, state: UserPresenceState) => JsonObject | undefined;
  readonly onAccepted: (destination: string, sent: readonly SentPresenceEntry[]) => void;
  readonly onReceived: (
    states: readonly UserPresenceState[],
    origin: string,
    entries: readonly Readonly<Record<string, unknown>>[],
  ) => void | Promise<void>;
}

/** An authenticated federation request's origin, or the answer refusing it. */
export type FederationAuthentication =
  | { readonly ok: true; readonly origin: string }
  | { readonly ok: false; readonly answer: FederationAnswer };

/** The server's federation; see the module documentation. */
export interface Federation {
  /** Remote recipients' presence goes here. */
  readonly sender: FederationSender;
  /** `GET /_matrix/key/v2/server`. */
  keyResponse(): Promise<FederationAnswer>;
  /** `PUT /_matrix/federation/v1/send/{txnId}`. */
  transaction(request: FederationRequest): Promise<FederationAnswer>;
  /** `GET /_matrix/federation/v1/version`. */
  version(): FederationAnswer;
  /** X-Matrix authentication (and the whitelist) of a request without a body. */
  authenticate(request: Omit<FederationRequest, 'body'>): Promise<FederationAuthentication>;
  /** A signed `GET` of `path` (path and query) on `destination`: status and JSON body. */
  get(destination: string, path: string): Promise<FederationAnswer>;
  /** Where inbound presence goes; called once, when the presence service exists. */
  connect(receiver: RemotePresenceReceiver): void;
  /** Outbound queues and counters. */
  outbound(): PresenceSenderSnapshot;
  inbound(): InboundFederationStatus;
  /** Resolves when no transaction is waiting or in flight. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** What {@link createFederation} needs. */
export interface FederationOptions {
  readonly serverName: string;
  readonly settings: FederationSettings;
  /** The server's signing keys; the first signs. */
  readonly signingKeys: readonly SigningKey[];
  /** How other servers are reached (discovery and the override map). */
  readonly fetch: FederationFetch;
  readonly logger: Logger;
  /** How long the key response may be cached by others (default 1 day, Synapse's). */
  readonly keyValidityMs?: number;
  /** MSC4495's entry fields, when selective presence is enabled. */
  readonly extensions?: PresenceEntryExtensions | undefined;
}

const DAY = 86_400_000;

/** The largest answer to a federation `GET` read (a larger one counts as no JSON). */
const MAX_QUERY_ANSWER_BYTES = 1024 * 1024;

/** `response`'s body as text, refusing (and cancelling) more than `maxBytes`. */
async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`answer over ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** Builds the server's federation; see the module documentation. */
export function createFederation(options: FederationOptions): Federation {
  const { serverName, settings, logger } = options;
  const whitelist = settings.domainWhitelist;
  const presence = new FederationPresenceSender({
    serverName,
    transport: createTransactionTransport({
      origin: serverName,
      signingKey: options.signingKeys[0] as SigningKey,
      fetch: options.fetch,
    }),
    logger,
    minRetryIntervalMs: settings.minRetryIntervalMs,
    maxRetryIntervalMs: settings.maxRetryIntervalMs,
    retryMultiplier: settings.retryMultiplier,
    ...(whitelist === undefined ? {} : { federationDomainWhitelist: whitelist }),
    ...(options.extensions === undefined
      ? {}
      : {
          entryFields: options.extensions.entryFields,
          onAccepted: options.extensions.onAccepted,
        }),
  });
  let receiver: RemotePresenceReceiver | undefined;
  const keyStore = new ServerKeyStore({ fetch: options.fetch, logger });
  const extensions = options.extensions;
  const inbound = new InboundTransactionHandler({
    serverName,
    keyStore,
    logger,
    ...(whitelist === undefined ? {} : { federationDomainWhitelist: whitelist }),
    // A server that talks to us is up: its queue leaves backoff now.
    onAuthenticated: (origin) => presence.destinationIsUp(origin),
    onPresence: async (states, origin, entries) => {
      await extensions?.onReceived(states, origin, entries);
      await receiver?.(states, origin);
    },
  });
  return {
    sender: {
      async sendPresence(destination, _userIds, states) {
        presence.send(destination, states);
      },
    },
    async keyResponse() {
      const body = await buildServerKeyResponse({
        serverName,
        signingKeys: options.signingKeys,
        validUntilTs: Date.now() + (options.keyValidityMs ?? DAY),
      });
      return { status: 200, body };
    },
    async transaction(request) {
      return inbound.handle({
        method: request.method,
        uri: request.uri,
        authorization: request.authorization,
        body: request.body,
      });
    },
    version: () => ({
      status: 200,
      body: federationVersionBody({ name: 'presence-router', version: '0.1.0' }),
    }),
    async authenticate(request) {
      const auth = await authenticateRequest({
        method: request.method,
        uri: request.uri,
        authorization: request.authorization,
        serverName,
        keyStore,
      });
      if (!auth.authenticated) {
        return {
          ok: false,
          answer: { status: auth.status, body: { errcode: auth.errcode, error: auth.error } },
        };
      }
      if (whitelist !== undefined && !whitelist.includes(auth.origin)) {
        return {
          ok: false,
          answer: {
            status: 403,
            body: { errcode: 'M_FORBIDDEN', error: 'Federation with this server is not allowed' },
          },
        };
      }
      presence.destinationIsUp(auth.origin);
      return { ok: true, origin: auth.origin };
    },
    async get(destination, path) {
      const authorization = await buildXMatrixAuthorization({
        method: 'GET',
        uri: path,
        origin: serverName,
        destination,
        signingKey: options.signingKeys[0] as SigningKey,
      });
      const response = await options.fetch(destination, {
        method: 'GET',
        path,
        headers: { authorization },
        signal: AbortSignal.timeout(30_000),
      });
      let body: unknown;
      try {
        body = JSON.parse(await readBounded(response, MAX_QUERY_ANSWER_BYTES));
      } catch {
        body = undefined;
      }
      return { status: response.status, body };
    },
    connect(next) {
      receiver = next;
    },
    outbound: () => presence.snapshot(),
    inbound() {
      const metrics = inbound.metrics();
      return {
        transactionsApplied: metrics.transactionsApplied,
        presenceAccepted: metrics.presenceAccepted,
        presenceDropped: metrics.presenceDropped,
        edusIgnored: metrics.edusIgnored,
        rejected: metrics.unauthorized + metrics.forbidden + metrics.refused,
      };
    },
    idle: () => presence.idle(),
    close: () => presence.close(),
  };
}
