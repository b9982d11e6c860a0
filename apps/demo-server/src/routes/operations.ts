/**
 * Operations endpoints: `GET /health` (`ok`; `degraded` while membership lookups fail,
 * listing the failing rooms and users, or while the presence store is unreachable; `stopping`, with 503, during shutdown) and
 * `GET /metrics` (Prometheus text format).
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
  app.get('/health', () => {
    const stopping = ctx.shutdownSignal.aborted;
    const { retries, pipeline } = ctx.service;
    const store = ctx.service.store.status();
    const degraded = retries.size > 0 || !store.connected;
    const status = stopping ? 'stopping' : degraded ? 'degraded' : 'ok';
    return jsonResponse(
      {
        status,
        server_name: ctx.serverName,
        syncing_users: ctx.service.syncingCount,
        waiting_long_polls: ctx.service.streams.waitingCount,
        stream_position: ctx.service.streams.position,
        pending_updates: pipeline.pendingCount,
        // Rooms and users whose membership lookup fails: presence waits for a retry there.
        failing_lookups: retries.failing(ctx.service.now()),
        updates_waiting_for_retry: retries.waitingUsers,
        store: {
          kind: store.kind,
          instance: ctx.service.store.instanceName,
          connected: store.connected,
          ...(store.lastError === undefined ? {} : { last_error: store.lastError }),
          followed_seq: store.followedThrough,
          instances: store.instances,
        },
        ...(ctx.federation === undefined ? {} : { federation: federationHealth(ctx) }),
      },
      stopping ? 503 : 200,
    );
  });

  app.get(
    '/metrics',
    () =>
      new Response(ctx.metrics.render(), { headers: { 'content-type': PROMETHEUS_CONTENT_TYPE } }),
  );
}

/** Destinations in backoff and inbound refusals, for `/health`. */
function federationHealth(ctx: AppContext): Record<string, unknown> {
  const outbound = (ctx.federation as NonNullable<AppContext['federation']>).outbound();
  const now = Date.now();
  return {
    destinations: outbound.destinations.length,
    pending_states: outbound.pendingStates,
    destinations_in_backoff: outbound.destinations
      .filter((d) => d.retryAt !== undefined)
      .map((d) => ({
        destination: d.destination,
        pending: d.pending,
        retry_in_ms: Math.max(0, (d.retryAt as number) - now),
        last_error: d.lastError,
      })),
  };
}
