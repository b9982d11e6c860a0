/**
 * The presence part of `GET /sync`: initial syncs answer a snapshot of the current
 * non-offline presence the user is interested in; incremental syncs answer every change
 * routed to the user since the token (offline included), each sender once with its latest
 * state, long-polling up to `timeout` when there is nothing yet. A snapshot requested with
 * `sendLocalOnlinePresenceTo` is merged into the next sync of every older token, once.
 *
 * @example
 * ```ts
 * const handler = new SyncHandler(service);
 * const first = await handler.sync('@bob:hs', { setPresence: 'online', timeoutMs: 0 });
 * const next = await handler.sync('@bob:hs', { since: first.next_batch, setPresence: 'online', timeoutMs: 30000 });
 * ```
 * @module
 */
import type { UserPresenceState } from '@presence-router/core';
import { MatrixError } from './errors.ts';
import { changesFromFeed } from './feed-changes.ts';
import { type PresenceEvent, presenceEvent } from './presence-event.ts';
import type { SetPresence } from './presence-rules.ts';
import type { PresenceService } from './presence-service.ts';
import type { AbortSignalLike } from './sync-streams.ts';

/** What a sync asks for. */
export interface SyncRequest {
  readonly since?: string | undefined;
  /** Long-poll for at most this long (ms) when there is nothing new. */
  readonly timeoutMs: number;
  readonly setPresence: SetPresence;
  /** Answer a snapshot even with a since token (changes since the token are merged in). */
  readonly fullState?: boolean;
  /** Aborts the long-poll (client gone, shutdown). */
  readonly signal?: AbortSignalLike | undefined;
}

/** The presence part of a sync response, plus the token. */
export interface SyncPresenceResponse {
  readonly next_batch: string;
  readonly presence: { readonly events: PresenceEvent[] };
}

/** Serves the presence part of `/sync`. */
export class SyncHandler {
  readonly #service: PresenceService;
  #stopping = false;

  constructor(service: PresenceService) {
    this.#service = service;
  }

  /**
   * Makes every waiting and later long-poll answer at once (graceful shutdown, once the
   * pipeline has delivered everything accepted).
   */
  stop(): void {
    this.#stopping = true;
    this.#service.streams.close();
  }

  /** One sync of `userId`. Throws {@link MatrixError} `M_INVALID_PARAM` for a bad token. */
  async sync(userId: string, request: SyncRequest): Promise<SyncPresenceResponse> {
    const streams = this.#service.streams;
    let since: number | undefined;
    let feedSeq: number | undefined;
    if (request.since !== undefined) {
      const parsed = streams.parseToken(request.since);
      if (parsed.kind === 'malformed') {
        throw new MatrixError(
          400,
          'M_INVALID_PARAM',
          `Invalid since token ${JSON.stringify(request.since)}`,
        );
      }
      if (parsed.kind === 'position') since = parsed.position;
      // Another instance's token (or an earlier run's): with a shared store it continues
      // from the feed position it carries; else the sync starts over with a snapshot.
      else if (this.#service.store.shared) feedSeq = parsed.feedSeq;
    }
    await this.#service.syncStarted(userId, request.setPresence);
    try {
      // What was accepted before this sync (its own presence included) is routed first.
      await this.#service.caughtUp();
      streams.open(userId, this.#service.now());
      if (feedSeq !== undefined) return await this.#hop(userId, feedSeq, request);
      if (since === undefined) return await this.#initial(userId, undefined);
      if (request.fullState === true) return await this.#initial(userId, since);
      return await this.#incremental(userId, since, request);
    } finally {
      this.#service.syncEnded(userId, request.setPresence);
    }
  }

  /** A snapshot of non-offline presence, plus the changes after `since` when given. */
  async #initial(userId: string, since: number | undefined): Promise<SyncPresenceResponse> {
    const interest = await this.#service.interestedUsers(userId);
    // Synchronous: the snapshot and its position belong together.
    const mark = this.#mark();
    const candidates = this.#service.snapshot(interest, false);
    const changes =
      since === undefined ? [] : this.#service.streams.changesSince(userId, since).states;
    // The policy and the modules' denials only remove states: the position stays right.
    const states = await this.#service.seenBy(userId, candidates);
    return this.#respond(userId, mark, mergeLatest(changes, states));
  }

  /** The stream position and the feed position it covers, read together. */
  #mark(): SyncMark {
    return {
      position: this.#service.streams.position,
      feedSeq: this.#service.feedWatermark(),
    };
  }

  /**
   * A token of another instance, at feed position `feedSeq`: what the feed holds after it
   * for this user (read from the store up to what this instance has delivered), then this
   * instance's own stream from there.
   */
  async #hop(userId: string, feedSeq: number, request: SyncRequest): Promise<SyncPresenceResponse> {
    const service = this.#service;
    const streams = service.streams;
    // The token may be ahead of this instance: let the feed catch up (bounded).
    await service.consumed(feedSeq);
    await service.caughtUp();
    // Synchronously: the local position and the feed position it covers belong together.
    const start = this.#mark();
    const from = start.position;
    const through = start.feedSeq ?? 0;
    if (feedSeq > through) {
      // Still ahead (the feed is slow here): the safe answer is a full snapshot.
      return this.#snapshotFrom(userId, from, true);
    }
    const found = await changesFromFeed(service, userId, feedSeq, through);
    if (found.kind === 'snapshot') return this.#snapshotFrom(userId, from, found.includeOffline);
    if (found.states.length === 0) return this.#incremental(userId, from, request);
    const mark = this.#mark();
    const local = streams.changesSince(userId, from).states;
    streams.markAnswered(userId);
    return this.#respond(userId, mark, mergeLatest(found.states, local));
  }

  /** A snapshot of the user's interest, plus what this instance delivered after `from`. */
  async #snapshotFrom(
    userId: string,
    from: number,
    includeOffline: boolean,
  ): Promise<SyncPresenceResponse> {
    const interest = await this.#service.interestedUsers(userId);
    const mark = this.#mark();
    const candidates = this.#service.snapshot(interest, includeOffline);
    const local = this.#service.streams.changesSince(userId, from).states;
    const states = await this.#service.seenBy(userId, candidates);
    return this.#respond(userId, mark, mergeLatest(local, states));
  }

  async #incremental(
    userId: string,
    since: number,
    request: SyncRequest,
  ): Promise<SyncPresenceResponse> {
    const streams = this.#service.streams;
    const deadline = Date.now() + request.timeoutMs;
    for (;;) {
      let changes = streams.changesSince(userId, since);
      if (changes.snapshotDue || changes.truncated) {
        const interest = await this.#service.interestedUsers(userId);
        const mark = this.#mark();
        changes = streams.changesSince(userId, since);
        // A log that no longer reaches the token: every interested user's latest state,
        // offline included, stands in for the changes that were dropped.
        const candidates = this.#service.snapshot(interest, changes.truncated);
        const snapshot = await this.#service.seenBy(userId, candidates);
        streams.markAnswered(userId);
        return this.#respond(userId, mark, mergeLatest(changes.states, snapshot));
      }
      const mark = this.#mark();
      const position = mark.position;
      const remaining = deadline - Date.now();
      const ready = changes.states.length > 0;
      if (
        (ready && !streams.answeredRecently(userId)) ||
        remaining <= 0 ||
        this.#stopping ||
        request.signal?.aborted === true
      ) {
        if (ready) streams.markAnswered(userId);
        return this.#respond(userId, mark, changes.states);
      }
      // Nothing yet, or answered a moment ago: wait for news, or for the window to end.
      await streams.wait(userId, ready ? since : position, remaining, request.signal);
    }
  }

  #respond(
    userId: string,
    mark: SyncMark,
    states: readonly UserPresenceState[],
  ): SyncPresenceResponse {
    const now = this.#service.now();
    this.#service.streams.noteAnswer(userId, mark.position);
    return {
      next_batch: this.#service.streams.tokenOf(mark.position, mark.feedSeq),
      presence: { events: states.map((state) => presenceEvent(state, now)) },
    };
  }
}

/** Where an answer stands: the stream position and the feed position it covers. */
interface SyncMark {
  readonly position: number;
  readonly feedSeq: number | undefined;
}

/** `first` then `second`, one state per user: the later list wins for a user in both. */
function mergeLatest(
  first: readonly UserPresenceState[],
  second: readonly UserPresenceState[],
): UserPresenceState[] {
  const latest = new Map<string, UserPresenceState>();
  for (const state of first) latest.set(state.userId, state);
  for (const state of second) {
    latest.delete(state.userId);
    latest.set(state.userId, state);
  }
  return [...latest.values()];
}
