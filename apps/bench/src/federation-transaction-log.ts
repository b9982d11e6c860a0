/**
 * A {@link TransactionTransport} wrapper that logs every transaction the presence sender
 * hands to the real transport — destination, txnId, body, EDU counts, when it started and
 * when its answer came — so the benchmark can count transactions, EDUs and states per
 * transaction, check the limits, and replay the very same transactions for its baselines
 * (signing alone, unsigned HTTP).
 *
 * @example
 * ```ts
 * const log = new TransactionLog();
 * const transport = log.wrap(createTransactionTransport({ origin, signingKey, fetch }));
 * // ... run the sender ...
 * const sent = log.take(); // and start afresh
 * ```
 * @module
 */
import type { TransactionBody, TransactionTransport } from '@presence-router/federation';
import { monotonicMs } from './monotonic-clock.ts';

/** One transaction the sender sent. */
export interface LoggedTransaction {
  readonly destination: string;
  readonly txnId: string;
  readonly body: TransactionBody;
  readonly edus: number;
  readonly states: number;
  /** States of its largest EDU. */
  readonly largestEdu: number;
  /** `monotonicMs()` when the transport was called and when it answered. */
  readonly startedAtMs: number;
  answeredAtMs: number;
  /** The HTTP status, or 0 when the transport threw. */
  status: number;
  /** What the transport threw, when it did. */
  error?: string;
}

function pushLength(edu: TransactionBody['edus'][number]): number {
  const push = (edu.content as { push?: unknown }).push;
  return Array.isArray(push) ? push.length : 0;
}

/** The log; see the module documentation. */
export class TransactionLog {
  #sent: LoggedTransaction[] = [];

  /** `transport`, logging each call into this log. */
  wrap(transport: TransactionTransport): TransactionTransport {
    return async (transaction) => {
      let states = 0;
      let largestEdu = 0;
      for (const edu of transaction.body.edus) {
        const count = pushLength(edu);
        states += count;
        if (count > largestEdu) largestEdu = count;
      }
      const entry: LoggedTransaction = {
        destination: transaction.destination,
        txnId: transaction.txnId,
        body: transaction.body,
        edus: transaction.body.edus.length,
        states,
        largestEdu,
        startedAtMs: monotonicMs(),
        answeredAtMs: Number.NaN,
        status: 0,
      };
      this.#sent.push(entry);
      try {
        const response = await transport(transaction);
        entry.status = response.status;
        return response;
      } catch (error) {
        entry.error = error instanceof Error ? error.message : String(error);
        throw error;
      } finally {
        entry.answeredAtMs = monotonicMs();
      }
    };
  }

  /** The transactions logged since the previous take; the log starts afresh. */
  take(): LoggedTransaction[] {
    const sent = this.#sent;
    this.#sent = [];
    return sent;
  }
}
