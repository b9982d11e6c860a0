/**
 * The presence store's metrics: whether it is connected, reconnections, how far this
 * instance has followed the feed, the live instances and lost compare-and-set races.
 *
 * @example
 * ```ts
 * registerStoreMetrics(metrics, service);
 * ```
 * @module
 */
import type { ServerMetrics } from './metrics.ts';
import type { PresenceService } from './presence-service.ts';

/** Registers the store's gauges and counters on `metrics`. */
export function registerStoreMetrics(metrics: ServerMetrics, service: PresenceService): void {
  const store = service.store;
  metrics.gauge(
    'presence_router_store_connected',
    'Whether the presence store can be written now (1) or not (0: writes answer 503).',
    () => (store.status().connected ? 1 : 0),
  );
  metrics.counterFrom(
    'presence_router_store_reconnects_total',
    'Reconnections to the presence store.',
    () => store.status().reconnects,
  );
  metrics.gauge(
    'presence_router_store_followed_seq',
    'The highest feed sequence number this instance has read.',
    () => store.status().followedThrough,
  );
  metrics.gauge(
    'presence_router_store_instances',
    'Server instances alive on the store (by heartbeat), this one included.',
    () => store.status().instances,
  );
  metrics.counterFrom(
    'presence_router_store_commit_conflicts_total',
    'Writes that lost a compare-and-set race to another write of the same user (retried).',
    () => service.commitConflicts,
  );
}
