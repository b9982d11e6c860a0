/**
 * Serving a `PresenceServer` on Node with `@hono/node-server`, and stopping it gracefully:
 * stop accepting connections, answer waiting long-polls, deliver accepted updates, let
 * in-flight requests finish (up to a grace period), then close the membership source.
 *
 * @example
 * ```ts
 * const running = await listen(server, { host: '127.0.0.1', port: 0 });
 * console.log(running.url);
 * process.once('SIGTERM', () => running.close());
 * ```
 * @module
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { messageOf, ServerStartError } from './errors.ts';
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
  /** How long in-flight requests may take to finish on shutdown (default 10 s). */
  readonly gracePeriodMs?: number;
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
  return new Promise((resolve, reject) => {
    const http = serve({ fetch: server.app.fetch, hostname: host, port }) as Server;
    const onError = (error: Error): void => {
      reject(
        new ServerStartError(
          'LISTEN_FAILED',
          `Cannot listen on ${host}:${port}: ${messageOf(error)}`,
          {
            cause: error,
          },
        ),
      );
    };
    http.once('error', onError);
    http.once('listening', () => {
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
            const closed = new Promise<void>((done) => http.close(() => done()));
            await server.stop();
            http.closeIdleConnections();
            const grace = setTimeout(() => http.closeAllConnections(), gracePeriodMs);
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
