/**
 * Transactions: the envelope of `PUT /_matrix/federation/v1/send/{txnId}`,
 * `{origin, origin_server_ts, pdus, edus}`, at most 50 PDUs and 100 EDUs, and the
 * {@link TransactionTransport} the presence sender hands them to.
 *
 * @example
 * ```ts
 * const transport: TransactionTransport = async ({ destination, txnId, body }) => {
 *   // PUT it, signed (createTransactionTransport does this), and report the status.
 *   return { status: 200 };
 * };
 * ```
 * @module
 */
import type { JsonValue } from './canonical-json.ts';
import type { Edu } from './presence-edu.ts';

/** At most this many PDUs in one transaction (specification). */
export const MAX_PDUS_PER_TRANSACTION = 50;

/** At most this many EDUs in one transaction (specification; Synapse's MAX_EDUS_PER_TRANSACTION). */
export const MAX_EDUS_PER_TRANSACTION = 100;

/** The JSON body of a transaction. */
export interface TransactionBody {
  readonly origin: string;
  readonly origin_server_ts: number;
  readonly pdus: readonly JsonValue[];
  readonly edus: readonly Edu[];
}

/** A transaction ready to be sent to `destination`. */
export interface OutgoingTransaction {
  readonly destination: string;
  /** Unique per origin: never reused for another transaction. */
  readonly txnId: string;
  readonly body: TransactionBody;
  /** Aborted when the sender gives up on this attempt (its timeout, or `close()`). */
  readonly signal?: AbortSignal;
}

/** What the destination answered. */
export interface TransactionResponse {
  /** The HTTP status. */
  readonly status: number;
  /** The parsed JSON body, when there was one. */
  readonly body?: unknown;
  /** How long the destination asked us to wait (a 429's `Retry-After` or `retry_after_ms`). */
  readonly retryAfterMs?: number;
}

/**
 * Sends a transaction (a signed HTTP PUT) and resolves to the answer; rejects when no answer
 * came (DNS, connection, TLS, timeout).
 */
export type TransactionTransport = (
  transaction: OutgoingTransaction,
) => Promise<TransactionResponse>;
