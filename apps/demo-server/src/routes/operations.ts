/**
 * Operations endpoints: `GET /health` (liveness and a few counts) and `GET /metrics`
 * (Prometheus text format).
 *
 * @example
 * ```ts
 * registerOperationsRoutes(app, context);
 * // curl http://127.0.0.1:8008/metrics
 * ```
 * @module
 */
import type { Hono } from 'hono';
import type { AppContext } from '../app-context.ts';
import { jsonResponse } from '../matrix-http.ts';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics.ts';

/** Registers `/health` and `/metrics` on `app`. */
export function registerOperationsRoutes(app: Hono, ctx: AppContext): void {
  app.get('/health', () =>
    jsonResponse(
      {
        status: ctx.shutdownSignal.aborted ? 'stopping' : 'ok',
        server_name: ctx.serverName,
        syncing_users: ctx.service.syncingCount,
        waiting_long_polls: ctx.service.streams.waitingCount,
        stream_position: ctx.service.streams.position,
      },
      ctx.shutdownSignal.aborted ? 503 : 200,
    ),
  );

  app.get(
    '/metrics',
    () =>
      new Response(ctx.metrics.render(), { headers: { 'content-type': PROMETHEUS_CONTENT_TYPE } }),
  );
}
