/**
 * {@link InboundTransactionHandler}: `PUT /_matrix/federation/v1/send/{txnId}` for a
 * presence-only server, independent of any HTTP framework (method, URI as sent, the
 * `Authorization` headers and the body in; status and JSON body out):
 *
 * 1. another method: 405 `M_UNRECOGNIZED`; another path: 404 `M_UNRECOGNIZED`;
 * 2. a body that is not JSON: 400 `M_NOT_JSON`; not an object: 400 `M_BAD_JSON`;
 * 3. the X-Matrix signature is checked against the origin's keys (`authenticateRequest`:
 *    401 `M_UNAUTHORIZED` for a missing or bad signature and a wrong or missing
 *    `destination`, 400 for an unparsable header); an origin outside
 *    `federationDomainWhitelist`: 403 `M_FORBIDDEN`;
 * 4. a txnId already answered for that origin gets the stored answer again and nothing is
 *    applied twice (the last `maxRememberedTransactions`, 10,000, answers are kept); the same
 *    txnId arriving while it is processed waits for that processing; another txnId of the
 *    same origin meanwhile gets 429 `M_UNKNOWN`, as in Synapse;
 * 5. more than 50 PDUs or 100 EDUs: 400 `M_BAD_JSON`;
 * 6. `m.presence` entries of the origin's users are converted to core `UserPresenceState`s
 *    (`last_active_ago` against the receipt time, `lastFederationUpdateTs` = receipt time) and
 *    handed to `onPresence`; entries of other servers' users or with bad fields are dropped,
 *    logged and counted; other EDU types and all PDUs are ignored (counted);
 * 7. the answer is `200 {"pdus": {}}`; if `onPresence` throws, 500 `M_UNKNOWN`, not remembered,
 *    so the origin's retry is applied.
 *
 * The body's `origin` field is not trusted: the authenticated origin is used.
 *
 * @example
 * ```ts
 * const inbound = new InboundTransactionHandler({
 *   serverName: 'hs.example', keyStore,
 *   onPresence: (states, origin) => presenceStore.applyRemote(states),
 *   onAuthenticated: (origin) => sender.destinationIsUp(origin),
 * });
 * const { status, body } = await inbound.handle({ method, uri, authorization, body: bytes });
 * ```
 * @module
 */
import { consoleLogger, type Logger, type UserPresenceState } from '@presence-router/core';
import type { JsonObject, JsonValue } from './canonical-json.ts';
import { type Clock, systemClock } from './clock.ts';
import { BoundedLru } from './internal/bounded-lru.ts';
import { PRESENCE_EDU_TYPE, readPresenceEdu } from './presence-edu.ts';
import { authenticateRequest } from './request-authentication.ts';
import type { ServerKeyStore } from './server-key-store.ts';
import { MAX_EDUS_PER_TRANSACTION, MAX_PDUS_PER_TRANSACTION } from './transaction.ts';

/** A request to the transaction endpoint. Give the body either raw (`body`) or parsed (`json`). */
export interface InboundRequest {
  readonly method: string;
  /** The request target (path and query) exactly as received. */
  readonly uri: string;
  /** Every `Authorization` header value (or the one, or none). */
  readonly authorization: string | readonly string[] | undefined;
  /** The raw body (UTF-8 bytes or text). */
  readonly body?: Uint8Array | string;
  /** The body already parsed as JSON, instead of `body`. */
  readonly json?: unknown;
}

/** The answer to send back. */
export interface InboundResponse {
  readonly status: number;
  readonly body: JsonObject;
}

/** Options of {@link InboundTransactionHandler}. */
export interface InboundTransactionHandlerOptions {
  /** Our server name: requests must be for it. */
  readonly serverName: string;
  readonly keyStore: Pick<ServerKeyStore, 'verifySignedJson'>;
  /**
   * Receives the accepted presence states of a transaction (once per transaction), and the
   * entries they were read from as received (same index: extension fields such as MSC4495's).
   */
  readonly onPresence: (
    states: readonly UserPresenceState[],
    origin: string,
    entries: readonly Readonly<Record<string, unknown>>[],
  ) => void | Promise<void>;
  /** Called for every authenticated request, e.g. to end an outbound backoff to that server. */
  readonly onAuthenticated?: (origin: string) => void;
  readonly logger?: Logger;
  readonly clock?: Pick<Clock, 'now'>;
  /** How many answered (origin, txnId) pairs are remembered (default 10,000). */
  readonly maxRememberedTransactions?: number;
  /** Refuse `X-Matrix` headers without `destination` (default true). */
  readonly requireDestination?: boolean;
  /** Synapse's `federation_domain_whitelist`: when given, only these origins are accepted. */
  readonly federationDomainWhitelist?: readonly string[];
}

/** Counters of an {@link InboundTransactionHandler}. */
export interface InboundMetrics {
  readonly requests: number;
  /** Transactions applied (not counting repeats). */
  readonly transactionsApplied: number;
  /** Repeats answered from memory (or joined while processing). */
  readonly duplicates: number;
  readonly unauthorized: number;
  readonly forbidden: number;
  /** Requests refused as malformed (path, JSON, sizes) or concurrent (429). */
  readonly refused: number;
  readonly presenceAccepted: number;
  readonly presenceDropped: number;
  readonly edusIgnored: number;
  readonly pdusIgnored: number;
  readonly rememberedTransactions: number;
}

const SEND_PATH = /^\/_matrix\/federation\/v1\/send\/([^/]+)$/;

function answer(status: number, body: JsonObject): InboundResponse {
  return { status, body };
}

function error(status: number, errcode: string, message: string): InboundResponse {
  return answer(status, { errcode, error: message });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Handles inbound transactions; see the module documentation. */
export class InboundTransactionHandler {
  readonly #options: InboundTransactionHandlerOptions;
  readonly #logger: Logger;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #whitelist: ReadonlySet<string> | undefined;
  readonly #answered: BoundedLru<string, InboundResponse>;
  readonly #active = new Map<string, { txnId: string; result: Promise<InboundResponse> }>();
  #requests = 0;
  #applied = 0;
  #duplicates = 0;
  #unauthorized = 0;
  #forbidden = 0;
  #refused = 0;
  #presenceAccepted = 0;
  #presenceDropped = 0;
  #edusIgnored = 0;
  #pdusIgnored = 0;

  constructor(options: InboundTransactionHandlerOptions) {
    this.#options = options;
    this.#logger = options.logger ?? consoleLogger;
    this.#clock = options.clock ?? systemClock;
    this.#whitelist =
      options.federationDomainWhitelist === undefined
        ? undefined
        : new Set(options.federationDomainWhitelist);
    this.#answered = new BoundedLru(options.maxRememberedTransactions ?? 10_000);
  }

  /** Answers one request; never throws for anything the request contains. */
  async handle(request: InboundRequest): Promise<InboundResponse> {
    this.#requests++;
    const receivedAt = this.#clock.now();
    if (request.method !== 'PUT') {
      this.#refused++;
      return error(405, 'M_UNRECOGNIZED', 'Unsupported method');
    }
    const path = request.uri.split('?', 1)[0]!;
    const match = SEND_PATH.exec(path);
    let txnId: string | undefined;
    try {
      txnId = match === null ? undefined : decodeURIComponent(match[1]!);
    } catch {
      txnId = undefined;
    }
    if (txnId === undefined) {
      this.#refused++;
      return error(404, 'M_UNRECOGNIZED', 'Unrecognized request');
    }
    const parsed = this.#parseBody(request);
    if ('status' in parsed) {
      this.#refused++;
      return parsed;
    }
    const content = parsed.json;
    const auth = await authenticateRequest({
      method: request.method,
      uri: request.uri,
      authorization: request.authorization,
      content: content as JsonValue,
      serverName: this.#options.serverName,
      keyStore: this.#options.keyStore,
      now: receivedAt,
      requireDestination: this.#options.requireDestination ?? true,
    });
    if (!auth.authenticated) {
      this.#unauthorized++;
      return error(auth.status, auth.errcode, auth.error);
    }
    const origin = auth.origin;
    if (this.#whitelist !== undefined && !this.#whitelist.has(origin)) {
      this.#forbidden++;
      return error(403, 'M_FORBIDDEN', `Federation denied with ${origin}.`);
    }
    this.#options.onAuthenticated?.(origin);
    const key = `${origin}\u0000${txnId}`;
    const remembered = this.#answered.get(key);
    if (remembered !== undefined) {
      this.#duplicates++;
      return remembered;
    }
    const active = this.#active.get(origin);
    if (active !== undefined) {
      if (active.txnId === txnId) {
        this.#duplicates++;
        return active.result;
      }
      this.#refused++;
      return error(429, 'M_UNKNOWN', 'Too many concurrent transactions');
    }
    const result = this.#apply(origin, txnId, content, receivedAt);
    this.#active.set(origin, { txnId, result });
    try {
      const response = await result;
      if (response.status === 200) this.#answered.set(key, response);
      return response;
    } finally {
      this.#active.delete(origin);
    }
  }

  /** Counters for the server's metrics. */
  metrics(): InboundMetrics {
    return {
      requests: this.#requests,
      transactionsApplied: this.#applied,
      duplicates: this.#duplicates,
      unauthorized: this.#unauthorized,
      forbidden: this.#forbidden,
      refused: this.#refused,
      presenceAccepted: this.#presenceAccepted,
      presenceDropped: this.#presenceDropped,
      edusIgnored: this.#edusIgnored,
      pdusIgnored: this.#pdusIgnored,
      rememberedTransactions: this.#answered.size,
    };
  }

  #parseBody(request: InboundRequest): { json: JsonObject } | InboundResponse {
    let json: unknown = request.json;
    if (request.body !== undefined) {
      try {
        const text =
          typeof request.body === 'string'
            ? request.body
            : new TextDecoder('utf-8', { fatal: true }).decode(request.body);
        json = JSON.parse(text);
      } catch {
        return error(400, 'M_NOT_JSON', 'Content not JSON.');
      }
    }
    if (!isObject(json)) return error(400, 'M_BAD_JSON', 'Content must be a JSON object.');
    return { json: json as JsonObject };
  }

  async #apply(
    origin: string,
    txnId: string,
    transaction: JsonObject,
    receivedAt: number,
  ): Promise<InboundResponse> {
    const pdus = transaction.pdus ?? [];
    const edus = transaction.edus ?? [];
    if (!Array.isArray(pdus) || !Array.isArray(edus)) {
      return error(400, 'M_BAD_JSON', 'pdus and edus must be lists');
    }
    if (pdus.length > MAX_PDUS_PER_TRANSACTION || edus.length > MAX_EDUS_PER_TRANSACTION) {
      return error(
        400,
        'M_BAD_JSON',
        `A transaction holds at most ${MAX_PDUS_PER_TRANSACTION} PDUs and ${MAX_EDUS_PER_TRANSACTION} EDUs`,
      );
    }
    if (typeof transaction.origin === 'string' && transaction.origin !== origin) {
      this.#logger.warn(
        'Transaction body names another origin than its signature; using the signer',
        {
          origin,
          bodyOrigin: transaction.origin,
          txnId,
        },
      );
    }
    const accepted: UserPresenceState[] = [];
    const entries: Readonly<Record<string, unknown>>[] = [];
    let ignored = 0;
    for (const edu of edus) {
      if (!isObject(edu) || edu.edu_type !== PRESENCE_EDU_TYPE) {
        ignored++;
        continue;
      }
      const read = readPresenceEdu(origin, edu.content, receivedAt);
      accepted.push(...read.accepted);
      entries.push(...read.entries);
      if (read.dropped.length > 0) {
        this.#presenceDropped += read.dropped.length;
        this.#logger.info('Dropped presence entries of a transaction', {
          origin,
          txnId,
          dropped: read.dropped.length,
          firstReason: read.dropped[0]!.reason,
        });
      }
    }
    if (accepted.length > 0) {
      try {
        await this.#options.onPresence(accepted, origin, entries);
      } catch (cause) {
        this.#logger.error('onPresence failed; the transaction is not remembered', {
          origin,
          txnId,
          error: (cause as Error)?.message ?? String(cause),
        });
        return error(500, 'M_UNKNOWN', 'Internal error');
      }
    }
    this.#applied++;
    this.#presenceAccepted += accepted.length;
    this.#edusIgnored += ignored;
    this.#pdusIgnored += pdus.length;
    return answer(200, { pdus: {} });
  }
}
