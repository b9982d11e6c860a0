/**
 * One receiving destination of the federation benchmark (run inside the receivers' process,
 * `federation-receiver-process.ts`): an HTTP server on 127.0.0.1 whose
 * `PUT /_matrix/federation/v1/send/{txnId}` is a real `InboundTransactionHandler` for its
 * server name, checking every `X-Matrix` signature against the origin's keys, and which
 * records each applied transaction's states with the time they were applied. It also counts
 * the EDUs of every transaction body it parsed, and answers the unauthenticated baseline
 * endpoint ({@link UNSIGNED_SEND_PATH}).
 *
 * @example
 * ```ts
 * const server = new DestinationServer(0, 'remote0.test', keyStore, sink);
 * const port = await server.listen();
 * ```
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { silentLogger, type UserPresenceState } from '@presence-router/core';
import { InboundTransactionHandler, type ServerKeyStore } from '@presence-router/federation';
import { type AppliedTransaction, UNSIGNED_SEND_PATH } from './federation-receivers.ts';
import { monotonicMs } from './monotonic-clock.ts';

/** Where the destinations of one process put what they saw. */
export interface ReceiverSink {
  applied: AppliedTransaction[];
  /** Transaction requests (`/_matrix/federation/v1/send`) parsed, and their EDUs and states. */
  requests: number;
  edus: number;
  states: number;
  mostEdusPerTransaction: number;
  mostStatesPerEdu: number;
  unsigned: { requests: number; edus: number; states: number };
}

/** An empty {@link ReceiverSink}. */
export function emptySink(): ReceiverSink {
  return {
    applied: [],
    requests: 0,
    edus: 0,
    states: 0,
    mostEdusPerTransaction: 0,
    mostStatesPerEdu: 0,
    unsigned: { requests: 0, edus: 0, states: 0 },
  };
}

/** Empties `sink` in place (the destinations keep writing to the same object). */
export function resetSink(sink: ReceiverSink): void {
  Object.assign(sink, emptySink());
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** The number of EDUs of a transaction body and the states of its largest `m.presence` EDU. */
function eduCounts(body: unknown): { edus: number; states: number; largest: number } {
  const edus = (body as { edus?: unknown } | null)?.edus;
  if (!Array.isArray(edus)) return { edus: 0, states: 0, largest: 0 };
  let states = 0;
  let largest = 0;
  for (const edu of edus) {
    const push = (edu as { content?: { push?: unknown } } | null)?.content?.push;
    const count = Array.isArray(push) ? push.length : 0;
    states += count;
    if (count > largest) largest = count;
  }
  return { edus: edus.length, states, largest };
}

/** One destination: its handler, its HTTP server, what it applied. */
export class DestinationServer {
  readonly serverName: string;
  readonly handler: InboundTransactionHandler;
  readonly #index: number;
  readonly #sink: ReceiverSink;
  readonly #server: Server;

  constructor(
    index: number,
    serverName: string,
    keyStore: Pick<ServerKeyStore, 'verifySignedJson'>,
    sink: ReceiverSink,
  ) {
    this.#index = index;
    this.serverName = serverName;
    this.#sink = sink;
    this.handler = new InboundTransactionHandler({
      serverName,
      keyStore,
      logger: silentLogger,
      onPresence: (states) => this.#record(states),
    });
    this.#server = createServer((request, response) => {
      this.#answer(request, response).catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ errcode: 'M_UNKNOWN', error: String(error) }));
      });
    });
    // Longer than the client agent's 5 s idle timeout: the client closes idle connections
    // first, so a request never lands on a connection the server is closing.
    this.#server.keepAliveTimeout = 60_000;
  }

  /** Listens on 127.0.0.1 (a free port); resolves to the port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => {
        const address = this.#server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  }

  /** Stops listening and closes idle connections. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #record(states: readonly UserPresenceState[]): void {
    this.#sink.applied.push({
      destination: this.#index,
      appliedAtMs: monotonicMs(),
      userIds: states.map((s) => s.userId),
      presence: states.map((s) => s.state),
      statusMsgs: states.map((s) => s.statusMsg),
    });
  }

  async #answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const uri = request.url ?? '/';
    let json: unknown;
    try {
      json = JSON.parse(decoder.decode(body));
    } catch {
      json = undefined;
    }
    const counts = eduCounts(json);
    let status: number;
    let answer: unknown;
    if (uri.startsWith(UNSIGNED_SEND_PATH) && request.method === 'PUT') {
      const unsigned = this.#sink.unsigned;
      unsigned.requests++;
      unsigned.edus += counts.edus;
      unsigned.states += counts.states;
      status = json === undefined ? 400 : 200;
      answer =
        json === undefined ? { errcode: 'M_NOT_JSON', error: 'Content not JSON.' } : { pdus: {} };
    } else {
      const sink = this.#sink;
      sink.requests++;
      sink.edus += counts.edus;
      sink.states += counts.states;
      sink.mostEdusPerTransaction = Math.max(sink.mostEdusPerTransaction, counts.edus);
      sink.mostStatesPerEdu = Math.max(sink.mostStatesPerEdu, counts.largest);
      // The body is parsed once, here, and handed over parsed (the handler would parse it
      // the same way); a body that is not JSON goes through as bytes for the handler's answer.
      const result = await this.handler.handle({
        method: request.method ?? 'GET',
        uri,
        authorization: request.headers.authorization,
        ...(json === undefined ? { body } : { json }),
      });
      status = result.status;
      answer = result.body;
    }
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer));
  }
}
