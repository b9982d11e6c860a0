/**
 * The Hono app: web-standard (`Request` in, `Response` out; no Node APIs), so it runs under
 * `@hono/node-server` and would run on Deno. Every error is Matrix JSON: unknown endpoints
 * are `404 M_UNRECOGNIZED`, a known path with the wrong method `405 M_UNRECOGNIZED`, a body
 * over the limit `413 M_TOO_LARGE`; nothing unexpected escapes as a stack trace.
 *
 * @example
 * ```ts
 * const app = createApp(context);
 * const response = await app.request('/_matrix/client/versions');
 * ```
 * @module
 */
import { InvalidIdentifierError, MembershipLookupError } from '@presence-router/core';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppContext } from './app-context.ts';
import { MatrixError, messageOf } from './errors.ts';
import { matrixErrorResponse } from './matrix-http.ts';
import { registerAdminRoutes } from './routes/admin.ts';
import { registerClientServerRoutes } from './routes/client-server.ts';
import { registerLiveRoutes } from './routes/live.ts';
import { registerOperationsRoutes } from './routes/operations.ts';

/** CORS headers, as Synapse sends them (web clients call from other origins). */
const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
  'access-control-allow-headers': 'X-Requested-With, Content-Type, Authorization, Date',
};

/** Builds the app. */
export function createApp(ctx: AppContext): Hono {
  const app = new Hono();

  app.use('*', async (c, next) => {
    ctx.metrics.requests.inc();
    if (c.req.method === 'OPTIONS')
      return new Response(null, { status: 204, headers: CORS_HEADERS });
    const started = performance.now();
    await next();
    for (const [name, value] of Object.entries(CORS_HEADERS)) c.res.headers.set(name, value);
    ctx.logger.debug('request', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });

  app.use(
    '*',
    bodyLimit({
      maxSize: ctx.maxRequestBodyBytes,
      onError: () =>
        matrixErrorResponse(
          new MatrixError(413, 'M_TOO_LARGE', `Request body over ${ctx.maxRequestBodyBytes} bytes`),
        ),
    }),
  );

  registerClientServerRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerOperationsRoutes(app, ctx);
  registerLiveRoutes(app, ctx);

  // Known paths with another method: 405, as Synapse answers.
  const known = new Set<string>();
  for (const route of app.routes) if (route.method !== 'ALL') known.add(route.path);
  for (const path of known) {
    app.all(path, () =>
      matrixErrorResponse(
        new MatrixError(405, 'M_UNRECOGNIZED', 'Unrecognized request: method not allowed'),
      ),
    );
  }

  app.notFound((c) => {
    ctx.logger.debug('unrecognized request', { method: c.req.method, path: c.req.path });
    return matrixErrorResponse(new MatrixError(404, 'M_UNRECOGNIZED', 'Unrecognized request'));
  });

  app.onError((error) => {
    if (error instanceof MatrixError) return matrixErrorResponse(error);
    if (error instanceof InvalidIdentifierError) {
      return matrixErrorResponse(new MatrixError(400, 'M_INVALID_PARAM', error.message));
    }
    if (error instanceof MembershipLookupError) {
      ctx.logger.warn('request needs membership that is unavailable', { error: error.message });
      return matrixErrorResponse(
        new MatrixError(503, 'M_UNKNOWN', 'Room membership is unavailable right now; retry', {
          retryAfterMs: 2000,
        }),
      );
    }
    ctx.logger.error('request failed', { error: messageOf(error), name: (error as Error).name });
    return matrixErrorResponse(new MatrixError(500, 'M_UNKNOWN', 'Internal server error'));
  });

  return app;
}
