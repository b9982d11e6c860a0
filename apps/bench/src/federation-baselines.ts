/**
 * The baselines of the federation throughput benchmark, run on the very transactions the
 * presence sender sent (from its {@link TransactionLog}), in the same run:
 *
 * - {@link signTransactions}: what the transport adds before the PUT — the `X-Matrix` header
 *   (`buildXMatrixAuthorization`: canonical JSON of the request with the body as `content`,
 *   Ed25519) and the canonical JSON body (`canonicalJsonBytes`) — one transaction after the
 *   other, no HTTP;
 * - {@link putUnsigned}: the same canonical bodies, serialized beforehand, PUT over the same
 *   `FederationFetch` to the receivers' unauthenticated endpoint (read, parse, answer), one
 *   request in flight per destination as the sender does: the transport's cost floor.
 *
 * @example
 * ```ts
 * const signing = await signTransactions(origin, sent);   // { totalMs, msPerTransaction, … }
 * const unsigned = await putUnsigned(fetch, sent);         // { seconds, latenciesMs }
 * ```
 * @module
 */
import { performance } from 'node:perf_hooks';
import {
  buildXMatrixAuthorization,
  canonicalJsonBytes,
  type FederationFetch,
  type JsonObject,
  transactionPath,
} from '@presence-router/federation';
import { BenchError } from './errors.ts';
import type { FederationOrigin } from './federation-origin.ts';
import { UNSIGNED_SEND_PATH } from './federation-receivers.ts';
import type { LoggedTransaction } from './federation-transaction-log.ts';

/** The signing baseline's figures. */
export interface SigningBaseline {
  readonly transactions: number;
  readonly totalMs: number;
  readonly msPerTransaction: number;
  /** CPU time (user + system) of this process per transaction: robust to other load. */
  readonly cpuMsPerTransaction: number;
}

/** Signs each transaction as the transport does, one after the other. */
export async function signTransactions(
  origin: Pick<FederationOrigin, 'serverName' | 'signingKey'>,
  transactions: readonly LoggedTransaction[],
): Promise<SigningBaseline> {
  let bytes = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (const t of transactions) {
    const authorization = await buildXMatrixAuthorization({
      method: 'PUT',
      uri: transactionPath(t.txnId),
      origin: origin.serverName,
      destination: t.destination,
      // TransactionBody is an interface (no index signature), so it is not a JsonObject to
      // the type checker; the transport casts it the same way.
      content: t.body as unknown as JsonObject,
      signingKey: origin.signingKey,
    });
    bytes += canonicalJsonBytes(t.body).length + authorization.length;
  }
  const totalMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  if (bytes === 0 && transactions.length > 0) {
    throw new BenchError('SCENARIO_FAILED', 'Signing produced nothing');
  }
  return {
    transactions: transactions.length,
    totalMs,
    msPerTransaction: transactions.length === 0 ? Number.NaN : totalMs / transactions.length,
    cpuMsPerTransaction:
      transactions.length === 0 ? Number.NaN : (cpu.user + cpu.system) / 1000 / transactions.length,
  };
}

/** The unsigned HTTP baseline's figures. */
export interface UnsignedBaseline {
  readonly transactions: number;
  readonly seconds: number;
  /** Each request's round trip. */
  readonly latenciesMs: Float64Array;
  /** Requests answered with another status than 200. */
  readonly failed: number;
}

/** PUTs the same bodies unsigned, in order, one request in flight per destination. */
export async function putUnsigned(
  fetch: FederationFetch,
  transactions: readonly LoggedTransaction[],
): Promise<UnsignedBaseline> {
  const byDestination = new Map<string, { txnId: string; body: Uint8Array<ArrayBuffer> }[]>();
  for (const t of transactions) {
    let list = byDestination.get(t.destination);
    if (list === undefined) {
      list = [];
      byDestination.set(t.destination, list);
    }
    list.push({ txnId: t.txnId, body: canonicalJsonBytes(t.body) });
  }
  const latenciesMs = new Float64Array(transactions.length);
  let done = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    [...byDestination].map(async ([destination, list]) => {
      for (const { txnId, body } of list) {
        const sentAt = performance.now();
        const response = await fetch(destination, {
          method: 'PUT',
          path: `${UNSIGNED_SEND_PATH}${encodeURIComponent(txnId)}`,
          headers: { 'content-type': 'application/json' },
          body,
        });
        await response.arrayBuffer();
        latenciesMs[done++] = performance.now() - sentAt;
        if (response.status !== 200) failed++;
      }
    }),
  );
  return {
    transactions: transactions.length,
    seconds: (performance.now() - started) / 1000,
    latenciesMs,
    failed,
  };
}
