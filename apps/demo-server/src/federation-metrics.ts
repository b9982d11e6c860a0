/**
 * Federation in `/metrics`: per-destination queue lengths, transactions sent, failed,
 * retried and rejected, destinations in backoff, and inbound transactions and presence
 * entries received or refused.
 *
 * @example
 * ```ts
 * registerFederationMetrics(metrics, federation);
 * ```
 * @module
 */
import type { Federation } from './federation-wiring.ts';
import type { ServerMetrics } from './metrics.ts';

/** Registers the federation metrics of `federation` on `metrics`. */
export function registerFederationMetrics(metrics: ServerMetrics, federation: Federation): void {
  const outbound = () => federation.outbound();
  const inbound = () => federation.inbound();
  metrics.labeledGauge(
    'presence_router_federation_queue_states',
    'Presence states waiting to be sent, per destination.',
    () => outbound().destinations.map((d) => [{ destination: d.destination }, d.pending] as const),
  );
  metrics.gauge(
    'presence_router_federation_destinations_in_backoff',
    'Destinations not being sent to because their last transaction failed.',
    () => outbound().destinationsInBackoff,
  );
  const counters: [string, string, () => number][] = [
    [
      'transactions_sent_total',
      'Transactions a destination accepted.',
      () => outbound().transactionsSent,
    ],
    [
      'transactions_failed_total',
      'Transaction attempts that failed (retried with backoff).',
      () => outbound().transactionsFailed,
    ],
    [
      'transactions_retried_total',
      'Transactions sent again after a failure.',
      () => outbound().transactionsRetried,
    ],
    [
      'transactions_rejected_total',
      'Transactions a destination refused (4xx): their states are dropped.',
      () => outbound().transactionsRejected,
    ],
    [
      'states_sent_total',
      'Presence states sent in accepted transactions.',
      () => outbound().statesSent,
    ],
    [
      'transactions_received_total',
      'Inbound transactions applied.',
      () => inbound().transactionsApplied,
    ],
    [
      'presence_received_total',
      'Inbound m.presence entries accepted.',
      () => inbound().presenceAccepted,
    ],
    [
      'presence_rejected_total',
      "Inbound m.presence entries dropped (another server's user, bad fields).",
      () => inbound().presenceDropped,
    ],
    [
      'requests_rejected_total',
      'Inbound requests refused (signature, destination, whitelist).',
      () => inbound().rejected,
    ],
  ];
  for (const [name, help, read] of counters) {
    metrics.counterFrom(`presence_router_federation_${name}`, help, read);
  }
}
