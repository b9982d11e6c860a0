/**
 * A fake transaction transport: records every transaction and answers as the test says
 * (immediately, or when the test releases it).
 */
import type { UserPresenceState } from '@presence-router/core';
import type { PresencePush } from '../../src/presence-edu.ts';
import type {
  OutgoingTransaction,
  TransactionResponse,
  TransactionTransport,
} from '../../src/transaction.ts';

type Answer = TransactionResponse | Error;

export class RecordingTransport {
  readonly transactions: OutgoingTransaction[] = [];
  /** Answer of the next calls; the default answers 200. */
  answer: (transaction: OutgoingTransaction) => Answer | Promise<Answer> = () => ({ status: 200 });
  #inFlight = 0;
  maxInFlight = 0;

  readonly transport: TransactionTransport = async (transaction) => {
    this.transactions.push(transaction);
    this.#inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    try {
      const answer = await this.answer(transaction);
      if (answer instanceof Error) throw answer;
      return answer;
    } finally {
      this.#inFlight--;
    }
  };

  /** Every push entry sent, in order, with the destination. */
  pushes(destination?: string): PresencePush[] {
    return this.transactions
      .filter((t) => destination === undefined || t.destination === destination)
      .flatMap((t) => t.body.edus.flatMap((edu) => edu.content.push as unknown as PresencePush[]));
  }

  /** The EDU sizes of each transaction. */
  eduSizes(): number[][] {
    return this.transactions.map((t) =>
      t.body.edus.map((edu) => (edu.content.push as unknown as unknown[]).length),
    );
  }
}

/** A promise the test resolves later. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** The users of a list of states. */
export function userIds(states: readonly UserPresenceState[]): string[] {
  return states.map((state) => state.userId);
}
