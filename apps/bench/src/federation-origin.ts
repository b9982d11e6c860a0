/**
 * The sending server of the federation benchmark (`bench.test`, in the benchmark's own
 * process): a fresh Ed25519 signing key, its `GET /_matrix/key/v2/server` answer
 * (`buildServerKeyResponse`) served on 127.0.0.1 for the receivers' key stores, and
 * `FederationPresenceSender`s over the real transport (`createTransactionTransport` signing
 * `X-Matrix`, `createNodeFederationFetch` over `node:http`), reaching the destinations
 * through `ServerResolver` overrides.
 *
 * The senders run with keep-alive off (no pings during a measurement) and a short backoff
 * (100 ms to 1 s instead of 10 minutes), so that a transient failure costs a retry and not
 * the run; failures are counted and fail the scenario's checks. `requestTimeoutMs`, when
 * given, replaces both the fetch's no-answer timeout (60 s) and the sender's transaction
 * timeout (2 minutes): on a loaded 2-core machine, 100 full transactions (5,000 states,
 * about 1 MB each) sent at once can wait longer than 60 s for a CPU-starved receiver.
 *
 * @example
 * ```ts
 * const origin = await FederationOrigin.start('bench.test');
 * const fetch = origin.fetchTo(receivers.overrides());
 * const sender = origin.sender(fetch, log, 'full-1-');
 * sender.send('remote0.test', states);
 * await sender.idle();
 * await origin.close();
 * ```
 * @module
 */
import { createServer, type Server } from 'node:http';
import { silentLogger } from '@presence-router/core';
import {
  buildServerKeyResponse,
  createTransactionTransport,
  type FederationFetch,
  FederationPresenceSender,
  generateSigningKey,
  ServerResolver,
  type SigningKey,
} from '@presence-router/federation';
import { createNodeFederationFetch } from '@presence-router/federation/node';
import type { TransactionLog } from './federation-transaction-log.ts';

const KEY_PATH = '/_matrix/key/v2/server';

/** The sending server; see the module documentation. */
export class FederationOrigin {
  readonly serverName: string;
  readonly signingKey: SigningKey;
  /** Base URL of the key endpoint (`http://127.0.0.1:<port>`). */
  readonly keyUrl: string;
  readonly #server: Server;
  readonly #requestTimeoutMs: number | undefined;

  private constructor(
    serverName: string,
    signingKey: SigningKey,
    server: Server,
    port: number,
    requestTimeoutMs: number | undefined,
  ) {
    this.serverName = serverName;
    this.signingKey = signingKey;
    this.#server = server;
    this.#requestTimeoutMs = requestTimeoutMs;
    this.keyUrl = `http://127.0.0.1:${port}`;
  }

  /** Generates the key and starts serving it; see the module documentation for the timeout. */
  static async start(
    serverName: string,
    options: { readonly requestTimeoutMs?: number } = {},
  ): Promise<FederationOrigin> {
    const signingKey = await generateSigningKey();
    const body = JSON.stringify(
      await buildServerKeyResponse({
        serverName,
        signingKeys: [signingKey],
        validUntilTs: Date.now() + 24 * 60 * 60 * 1000,
      }),
    );
    const server = createServer((request, response) => {
      const found = request.method === 'GET' && request.url === KEY_PATH;
      response.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
      response.end(found ? body : JSON.stringify({ errcode: 'M_UNRECOGNIZED' }));
    });
    server.keepAliveTimeout = 60_000;
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
    return new FederationOrigin(serverName, signingKey, server, port, options.requestTimeoutMs);
  }

  /** A `FederationFetch` over `node:http` to the servers named in `overrides`. */
  fetchTo(overrides: Readonly<Record<string, string>>): FederationFetch {
    return createNodeFederationFetch({
      resolver: new ServerResolver({ overrides }),
      ...(this.#requestTimeoutMs === undefined ? {} : { timeoutMs: this.#requestTimeoutMs }),
    });
  }

  /**
   * A presence sender for this origin over `fetch`, its transactions logged into `log`.
   * `txnPrefix` keeps txnIds unique across the senders of one run: each starts its counter
   * at the clock's milliseconds, and the receivers remember answered txnIds per origin.
   */
  sender(fetch: FederationFetch, log: TransactionLog, txnPrefix: string): FederationPresenceSender {
    const transport = createTransactionTransport({
      origin: this.serverName,
      signingKey: this.signingKey,
      fetch,
    });
    return new FederationPresenceSender({
      serverName: this.serverName,
      transport: log.wrap(transport),
      keepAliveIntervalMs: 0,
      minRetryIntervalMs: 100,
      maxRetryIntervalMs: 1000,
      transactionIdPrefix: txnPrefix,
      logger: silentLogger,
      ...(this.#requestTimeoutMs === undefined
        ? {}
        : { transactionTimeoutMs: this.#requestTimeoutMs }),
    });
  }

  /** Stops serving the key. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
