/**
 * {@link createTransactionTransport}: the real {@link TransactionTransport}. It signs each
 * transaction with our key (the `X-Matrix` header for
 * `PUT /_matrix/federation/v1/send/{txnId}` with the body as `content`), sends the body as
 * canonical JSON through a {@link FederationFetch}, and reports the status, the JSON answer
 * (read up to 64 KiB) and a 429's requested wait.
 *
 * @example
 * ```ts
 * const transport = createTransactionTransport({
 *   origin: 'hs.example', signingKey: key, fetch: createNodeFederationFetch({ resolver }),
 * });
 * const sender = new FederationPresenceSender({ serverName: 'hs.example', transport });
 * ```
 * @module
 */
import { canonicalJsonBytes } from './canonical-json.ts';
import type { FederationFetch } from './federation-fetch.ts';
import { readLimitedBody } from './internal/limited-body.ts';
import type { SigningKey } from './signing-key.ts';
import type { TransactionResponse, TransactionTransport } from './transaction.ts';
import { buildXMatrixAuthorization } from './x-matrix.ts';

/** Options of {@link createTransactionTransport}. */
export interface TransactionTransportOptions {
  /** Our server name. */
  readonly origin: string;
  /** Our signing key (the first of the key file, as Synapse uses). */
  readonly signingKey: SigningKey;
  readonly fetch: FederationFetch;
}

/** The path of a transaction. */
export function transactionPath(txnId: string): string {
  return `/_matrix/federation/v1/send/${encodeURIComponent(txnId)}`;
}

function retryAfterMs(response: Response, body: unknown): number | undefined {
  const fromBody = (body as { retry_after_ms?: unknown } | undefined)?.retry_after_ms;
  if (typeof fromBody === 'number' && Number.isFinite(fromBody) && fromBody >= 0) return fromBody;
  const header = response.headers.get('retry-after');
  if (header !== null && /^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  return undefined;
}

/** A transport that signs and PUTs transactions; see the module documentation. */
export function createTransactionTransport(
  options: TransactionTransportOptions,
): TransactionTransport {
  return async (transaction) => {
    const path = transactionPath(transaction.txnId);
    const authorization = await buildXMatrixAuthorization({
      method: 'PUT',
      uri: path,
      origin: options.origin,
      destination: transaction.destination,
      content: transaction.body as never,
      signingKey: options.signingKey,
    });
    const response = await options.fetch(transaction.destination, {
      method: 'PUT',
      path,
      headers: { authorization, 'content-type': 'application/json' },
      body: canonicalJsonBytes(transaction.body),
      ...(transaction.signal === undefined ? {} : { signal: transaction.signal }),
    });
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(await readLimitedBody(response, 64 * 1024)));
    } catch {
      body = undefined;
    }
    const wait = retryAfterMs(response, body);
    const result: TransactionResponse = { status: response.status, body };
    return wait === undefined ? result : { ...result, retryAfterMs: wait };
  };
}
