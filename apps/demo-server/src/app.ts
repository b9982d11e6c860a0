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
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppContext } from './app-context.ts';
import { MatrixError } from './errors.ts';
import { CORS_HEADERS, matrixErrorOf, matrixErrorResponse } from './matrix-http.ts';
import { registerAdminRoutes } from './routes/admin.ts';
import { registerClientServerRoutes } from './routes/client-server.ts';
import { registerFederationRoutes } from './routes/federation.ts';
import { registerLiveRoutes } from './routes/live.ts';
import { registerOperationsRoutes } from './routes/operations.ts';

/** The largest federation request body accepted (a full presence transaction is about 1 MB). */
export const FEDERATION_MAX_BODY_BYTES = 4 * 1024 * 1024;

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

  const limit = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () =>
        matrixErrorResponse(
          new MatrixError(413, 'M_TOO_LARGE', `Request body over ${maxSize} bytes`),
        ),
    });
  // A federation transaction carries up to 100 EDUs of 50 presence states each.
  const federationLimit = limit(FEDERATION_MAX_BODY_BYTES);
  const clientLimit = limit(ctx.maxRequestBodyBytes);
  app.use('*', (c, next) =>
    c.req.path.startsWith('/_matrix/federation/') ? federationLimit(c, next) : clientLimit(c, next),
  );

  registerClientServerRoutes(app, ctx);
  registerFederationRoutes(app, ctx);
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

  app.onError((error) => matrixErrorResponse(matrixErrorOf(error, ctx.logger)));

  return app;
}
