/**
 * Serving a `PresenceServer` on Node (`node:http` with `@hono/node-server`'s request
 * listener), and stopping it gracefully without losing anything accepted:
 * 1. `PresenceServer.stop`: writes are refused with 503, every accepted update is routed
 *    and delivered, then waiting long-polls are answered (the listening socket stays open
 *    meanwhile, so clients keep syncing and get 503s for writes rather than resets);
 * 2. still listening, syncs are answered at once, each with `Connection: close`, until every
 *    user who was syncing has fetched an answer with everything delivered, or the grace
 *    period ends (a client between two polls must not find the door shut);
 * 3. new connections are refused, the remaining ones closed (at most 1 s more), then the
 *    membership source.
 *
 * Requests Node's HTTP parser rejects (bad method, oversized headers, malformed request
 * line), and those it lets through that no route can serve (no usable `Host`, a `*`
 * target), are answered with Matrix JSON (`400 M_UNRECOGNIZED`, `431 M_TOO_LARGE`), not an
 * empty body; a client that goes away mid-request is logged at debug level.
 *
 * @example
 * ```ts
 * const running = await listen(server, { host: '127.0.0.1', port: 0 });
 * console.log(running.url);
 * process.once('SIGTERM', () => running.close());
 * ```
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { MatrixError, messageOf, ServerStartError } from './errors.ts';
import { hotRoutes } from './node-hot-routes.ts';
import { parserRejection } from './parser-rejection.ts';
import type { PresenceServer } from './presence-server.ts';

/** A listening server. */
export interface RunningServer {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  readonly server: PresenceServer;
  /** Graceful shutdown; resolves when everything is closed. */
  close(): Promise<void>;
}

/** Options of {@link listen}. */
export interface ListenOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** How long open connections may still be served after the drain (default 10 s). */
  readonly gracePeriodMs?: number;
  /**
   * Serve `/sync` and `PUT /presence` straight from `node:http` (default true; false sends
   * every request through the Hono app, for comparison).
   */
  readonly hotRoutes?: boolean;
}

/**
 * Starts listening (and the presence timers).
 * @throws ServerStartError `LISTEN_FAILED` (port in use, bad address).
 */
export function listen(
  server: PresenceServer,
  options: ListenOptions = {},
): Promise<RunningServer> {
  const host = options.host ?? server.settings.listen.host;
  const port = options.port ?? server.settings.listen.port;
  const gracePeriodMs = options.gracePeriodMs ?? 10_000;
  let draining = false;
  const honoListener = getRequestListener(server.app.fetch);
  const viaHono = (request: IncomingMessage, response: ServerResponse): void => {
    void honoListener(request, response);
  };
  const handle = options.hotRoutes === false ? viaHono : hotRoutes(server.context, viaHono);
  // Node's own answer to a missing Host is an empty 400: refuse it below, in Matrix JSON.
  const http = createServer({ requireHostHeader: false }, (request, response) => {
    if (draining) response.shouldKeepAlive = false;
    const refusal = unroutableRequest(request);
    if (refusal !== undefined) {
      server.metrics.parserRejections.inc();
      const body = JSON.stringify(refusal.toJSON());
      response.writeHead(refusal.status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        connection: 'close',
      });
      response.end(body);
      return;
    }
    handle(request, response);
  });
  // Longer than the idle timeouts of clients and load balancers in front (60 s is common), so
  // the server is never the side that closes an idle connection a request is racing onto.
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 70_000;
  http.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    answerClientError(server, error, socket);
  });
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const hint = error.code === 'EADDRINUSE' ? ' (choose another with --port)' : '';
      reject(
        new ServerStartError(
          'LISTEN_FAILED',
          `Cannot listen on ${host}:${port}: ${messageOf(error)}${hint}`,
          { cause: error },
        ),
      );
    };
    http.once('error', onError);
    http.listen(port, host, () => {
      http.off('error', onError);
      http.on('error', (error) => {
        server.logger.error('HTTP server error', { error: messageOf(error) });
      });
      const address = http.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const url = `http://${shownHost}:${address.port}`;
      server.startTimers();
      let closing: Promise<void> | undefined;
      resolve({
        url,
        port: address.port,
        server,
        close: () => {
          closing ??= (async () => {
            await server.stop();
            // Still listening: each client that was syncing gets one more answer, with
            // everything delivered (syncs answer at once now), then is told to disconnect.
            draining = true;
            const owed = await server.finalSyncs(gracePeriodMs);
            if (owed > 0) {
              server.logger.warn('closing before every syncing user fetched its final answer', {
                owed,
                gracePeriodMs,
              });
            }
            const closed = new Promise<void>((done) => http.close(() => done()));
            http.closeIdleConnections();
            const grace = setTimeout(
              () => http.closeAllConnections(),
              Math.min(1000, gracePeriodMs),
            );
            await closed;
            clearTimeout(grace);
            await server.shutdown();
            server.logger.info('presence server stopped', { url });
          })();
          return closing;
        },
      });
    });
  });
}

/** A `Host` the web `URL` accepts: a name or IPv4 address, or a bracketed IPv6 one, and a port. */
const VALID_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * What the parser let through but no route can serve: a request target that is not a path
 * (`*`), or an HTTP/1.1 request without a usable `Host` (HTTP/1.0 may omit it: `localhost`
 * is assumed). `undefined` when the request is fine.
 */
function unroutableRequest(request: IncomingMessage): MatrixError | undefined {
  const target = request.url ?? '';
  if (!target.startsWith('/') && !/^https?:\/\//i.test(target)) {
    return new MatrixError(400, 'M_UNRECOGNIZED', 'The request target must be a path');
  }
  const host = request.headers.host;
  if (host === undefined && request.httpVersion === '1.0') {
    request.headers.host = 'localhost';
    return undefined;
  }
  if (host === undefined || !VALID_HOST.test(host)) {
    return new MatrixError(400, 'M_UNRECOGNIZED', 'Missing or invalid Host header');
  }
  return undefined;
}

/** Answers what Node's parser refused with Matrix JSON, or just closes a dead socket. */
function answerClientError(
  server: PresenceServer,
  error: NodeJS.ErrnoException,
  socket: Socket,
): void {
  // The client closed the connection mid-request (an aborted upload): nothing to answer.
  if (error.code === 'ECONNRESET' || error.code === 'HPE_INVALID_EOF_STATE' || !socket.writable) {
    server.logger.debug('client went away', { error: error.code ?? messageOf(error) });
    socket.destroy();
    return;
  }
  server.metrics.parserRejections.inc();
  server.logger.debug('request refused by the HTTP parser', { error: error.code });
  socket.end(parserRejection(error.code));
}
