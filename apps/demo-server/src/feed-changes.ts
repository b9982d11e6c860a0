/**
 * What a shared store's feed holds for one user between two positions: how a sync with
 * another instance's token continues on this one. Each sender's latest news in the range,
 * kept when the user receives it (core's fan-out of those states, and the modules' read
 * side); a snapshot instead when the feed no longer reaches back that far, when the range
 * names too many senders, or when it asks for one (`sendLocalOnlinePresenceTo`).
 *
 * @example
 * ```ts
 * const found = await changesFromFeed(service, '@bob:hs', tokenSeq, service.feedWatermark());
 * if (found.kind === 'changes') answer(found.states);
 * ```
 * @module
 */
import type { UserPresenceState } from '@presence-router/core';
import { MatrixError, StoreUnavailableError } from './errors.ts';
import type { PresenceService } from './presence-service.ts';
import type { ChangeEntry } from './presence-store.ts';

/** Senders read from the feed for one sync, beyond which a snapshot is cheaper. */
export const MAX_FEED_SENDERS = 10_000;

/** The outcome of {@link changesFromFeed}. */
export type FeedChanges =
  | { readonly kind: 'changes'; readonly states: readonly UserPresenceState[] }
  /** Answer a snapshot (offline states included when changes may have been missed). */
  | { readonly kind: 'snapshot'; readonly includeOffline: boolean };

/**
 * The changes `userId` receives with `after < seq <= through`.
 * @throws MatrixError 503 `M_UNKNOWN` when the store cannot be read now.
 */
export async function changesFromFeed(
  service: PresenceService,
  userId: string,
  after: number,
  through: number,
): Promise<FeedChanges> {
  if (through <= after) return { kind: 'changes', states: [] };
  const latest = new Map<string, UserPresenceState>();
  let snapshotAsked = false;
  let tooMany = false;
  let outcome: 'complete' | 'trimmed';
  const visit = (entries: readonly ChangeEntry[]): boolean => {
    for (const entry of entries) {
      if (entry.kind === 'snapshot-request') {
        if (entry.users.includes(userId)) snapshotAsked = true;
      } else if (entry.kind === 'state' && entry.notify) {
        latest.delete(entry.state.userId);
        latest.set(entry.state.userId, entry.state);
        if (latest.size > MAX_FEED_SENDERS) {
          tooMany = true;
          return false;
        }
      }
    }
    return true;
  };
  try {
    // From this instance's memory when it reaches back that far, else from the store.
    const recent = service.recentFeed(after, through);
    if (recent !== undefined) {
      visit(recent);
      outcome = 'complete';
    } else {
      outcome = await service.store.readRange(after, through, visit);
    }
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    throw new MatrixError(503, 'M_UNKNOWN', 'Presence cannot be read right now; retry', {
      retryAfterMs: 2000,
    });
  }
  if (outcome === 'trimmed' || tooMany) return { kind: 'snapshot', includeOffline: true };
  if (snapshotAsked) return { kind: 'snapshot', includeOffline: true };
  if (latest.size === 0) return { kind: 'changes', states: [] };
  return { kind: 'changes', states: await service.receivedBy(userId, [...latest.values()]) };
}
