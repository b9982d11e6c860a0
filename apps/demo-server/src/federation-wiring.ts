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
  buildServerKeyResponse,
  createTransactionTransport,
  type FederationFetch,
  FederationPresenceSender,
  federationVersionBody,
  InboundTransactionHandler,
  type PresenceSenderSnapshot,
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
}

const DAY = 86_400_000;

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
  });
  let receiver: RemotePresenceReceiver | undefined;
  const inbound = new InboundTransactionHandler({
    serverName,
    keyStore: new ServerKeyStore({ fetch: options.fetch, logger }),
    logger,
    ...(whitelist === undefined ? {} : { federationDomainWhitelist: whitelist }),
    // A server that talks to us is up: its queue leaves backoff now.
    onAuthenticated: (origin) => presence.destinationIsUp(origin),
    onPresence: async (states, origin) => {
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
