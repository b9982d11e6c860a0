/**
 * The state the presence sender keeps for one destination: the latest pending state of each
 * local user (a Map keyed by user, so a newer state replaces an older one in place), the
 * states of the one transaction in flight, the non-offline states kept alive, the backoff,
 * and counters.
 * @module
 */
import type { UserPresenceState } from '@presence-router/core';
import type { TimerHandle } from '../clock.ts';

/** One destination's queue. */
export class DestinationQueue {
  readonly destination: string;
  /** Latest not yet sent state per user, oldest first. */
  pending = new Map<string, UserPresenceState>();
  /** States of the transaction in flight, by user. */
  inFlight: Map<string, UserPresenceState> | undefined;
  /** Latest non-offline state per user, re-sent as keep-alive. */
  readonly keepAlive = new Map<string, UserPresenceState>();
  /** Current backoff wait (0 when the destination is up). */
  retryIntervalMs = 0;
  /** No transaction before this time (ms since the epoch); 0 when not backing off. */
  retryAt = 0;
  retryTimer: TimerHandle | undefined;
  transactionsSent = 0;
  transactionsFailed = 0;
  transactionsRetried = 0;
  transactionsRejected = 0;
  statesSent = 0;
  lastError: string | undefined;

  constructor(destination: string) {
    this.destination = destination;
  }

  /**
   * Whether nothing is kept for this destination any more, so it can be forgotten (a
   * destination whose retry time has passed with nothing to send is forgotten with its
   * backoff: its next failure waits the minimum again).
   */
  get isEmpty(): boolean {
    return (
      this.pending.size === 0 &&
      this.inFlight === undefined &&
      this.keepAlive.size === 0 &&
      this.retryAt === 0
    );
  }

  /**
   * Puts the in-flight states back after a failure, before the pending ones, except users
   * who have a newer pending state (which must win).
   */
  requeueInFlight(): void {
    const sent = this.inFlight;
    this.inFlight = undefined;
    if (sent === undefined) return;
    const merged = new Map<string, UserPresenceState>();
    for (const [userId, state] of sent) if (!this.pending.has(userId)) merged.set(userId, state);
    for (const [userId, state] of this.pending) merged.set(userId, state);
    this.pending = merged;
  }
}
