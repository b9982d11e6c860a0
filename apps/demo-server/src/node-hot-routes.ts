/**
 * A Node fast path for the two requests a presence server gets most — `GET /sync` and
 * `PUT /presence/{userId}/status` — served straight from `node:http`'s request and response,
 * without building a web `Request`, `Headers`, `AbortSignal` and `Response` per request (a
 * profile of the server under long-poll load put those at about a quarter of its time).
 * Both call the same handlers as the Hono routes (`routes/presence-requests.ts`), so the
 * answers are identical; every other request goes to the Hono app.
 *
 * @example
 * ```ts
 * const handle = hotRoutes(server.context, honoListener);
 * createServer(handle).listen(8008);
 * ```
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from './app-context.ts';
import type { RequestLike } from './auth.ts';
import { MatrixError } from './errors.ts';
import { CORS_HEADERS, matrixErrorOf, parseJsonObject } from './matrix-http.ts';
import { putPresenceRequest, syncRequest } from './routes/presence-requests.ts';
import type { AbortSignalLike } from './sync-streams.ts';

/** A `node:http` request listener. */
export type NodeRequestListener = (request: IncomingMessage, response: ServerResponse) => void;

const SYNC_PATH = /^\/_matrix\/client\/(?:v3|r0)\/sync$/;
const PRESENCE_PATH = /^\/_matrix\/client\/(?:v3|r0)\/presence\/([^/]+)\/status$/;
/** Only the path and query of the URL are read: the host is not trusted or needed. */
const BASE = 'http://localhost';

/** Serves the hot requests of `ctx`; passes everything else to `fallback`. */
export function hotRoutes(ctx: AppContext, fallback: NodeRequestListener): NodeRequestListener {
  return (request, response) => {
    const target = request.url ?? '/';
    const query = target.indexOf('?');
    const path = query < 0 ? target : target.slice(0, query);
    if (request.method === 'GET' && SYNC_PATH.test(path)) {
      void serve(ctx, request, response, path, () =>
        syncRequest(ctx, requestLike(request), new ResponseCloseSignal(response)),
      );
      return;
    }
    const presence = request.method === 'PUT' ? PRESENCE_PATH.exec(path) : null;
    if (presence !== null) {
      void serve(ctx, request, response, path, () =>
        putPresenceRequest(ctx, requestLike(request), decodePathPart(presence[1] as string), () =>
          readJsonBody(request, ctx.maxRequestBodyBytes),
        ),
      );
      return;
    }
    fallback(request, response);
  };
}

async function serve(
  ctx: AppContext,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  handle: () => Promise<unknown>,
): Promise<void> {
  ctx.metrics.requests.inc();
  const started = performance.now();
  let status = 200;
  let body: unknown;
  let headers: Record<string, string> = {};
  try {
    body = await handle();
  } catch (error) {
    const matrix = matrixErrorOf(error, ctx.logger);
    status = matrix.status;
    body = matrix.toJSON();
    if (matrix.retryAfterMs !== undefined) {
      headers = { 'retry-after': String(Math.max(1, Math.ceil(matrix.retryAfterMs / 1000))) };
    }
  }
  if (response.destroyed) return;
  const json = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
    ...CORS_HEADERS,
    ...headers,
  });
  response.end(json);
  ctx.logger.debug('request', {
    method: request.method,
    path,
    status,
    ms: Math.round((performance.now() - started) * 10) / 10,
  });
}

function requestLike(request: IncomingMessage): RequestLike {
  return {
    url: BASE + (request.url ?? '/'),
    headers: {
      get: (name) => {
        const value = request.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
  };
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new MatrixError(400, 'M_INVALID_PARAM', 'Malformed percent-encoding in the path');
  }
}

/** The body as a JSON object, at most `limit` bytes (413 `M_TOO_LARGE` beyond). */
function readJsonBody(request: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const tooLarge = (): MatrixError =>
    new MatrixError(413, 'M_TOO_LARGE', `Request body over ${limit} bytes`);
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (declared > limit) {
    request.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () => {
      try {
        resolve(parseJsonObject(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(error);
      }
    });
    request.once('error', (cause) => {
      reject(new MatrixError(400, 'M_NOT_JSON', 'Could not read the request body', { cause }));
    });
  });
}

/** Aborted when the client goes away before its answer is written. */
class ResponseCloseSignal implements AbortSignalLike {
  aborted = false;
  readonly #listeners = new Set<() => void>();

  constructor(response: ServerResponse) {
    response.once('close', () => {
      if (response.writableEnded) return;
      this.aborted = true;
      for (const listener of [...this.#listeners]) listener();
    });
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    this.#listeners.add(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    this.#listeners.delete(listener);
  }
}
