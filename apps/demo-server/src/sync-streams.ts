/**
 * Per-user presence streams behind `/sync`: one global position counter, a bounded log of
 * delivered states per syncing user, since tokens, snapshot requests
 * (`sendLocalOnlinePresenceTo`) and long-poll waiters.
 *
 * Delivery is grouped: a fan-out group's members all receive one shared entry object (the
 * group's state list is shared too), so a 5,000-member room costs 5,000 pointer pushes.
 * Only users that have synced at least once have a stream: anyone else gets a full snapshot
 * on their first sync anyway.
 *
 * Answers are coalesced: a stream answered less than a window ago is not woken (nor
 * answered, if data is already there) before the window has passed; what arrives meanwhile
 * goes into the same answer. A client long-polling a busy room thus re-polls at most once per
 * window instead of once per batch, while a quiet stream is woken at once. The window is at
 * least `coalesceMs`; with an `answerBudget` (answers per second, all streams together) it
 * adapts every quarter second: it grows in proportion while answers run over the budget, or
 * by half while the process is overloaded (the event loop runs more than 20 ms late, see
 * {@link SyncStreams.reportLag}), and shrinks back while neither holds (at most 1 s).
 *
 * @example
 * ```ts
 * const streams = new SyncStreams();
 * streams.open('@bob:hs');
 * streams.deliver(streams.nextPosition(), ['@bob:hs'], [aliceOnline]);
 * streams.changesSince('@bob:hs', 0); // { states: [aliceOnline], snapshotDue: false, ... }
 * ```
 * @module
 */
import type { UserPresenceState } from '@presence-router/core';

interface StreamEntry {
  readonly position: number;
  readonly states: readonly UserPresenceState[];
}

interface UserStream {
  entries: StreamEntry[];
  /** Positions up to this one are no longer in `entries` (or predate the stream). */
  truncatedThrough: number;
  /** Position of the latest snapshot request; 0 when none. */
  snapshotAt: number;
  /** When the stream was last opened by a sync (ms, the caller's clock). */
  usedAt: number;
  /** When a sync last answered it with presence (ms, `performance.now()`). */
  answeredAt: number;
  /** The position of the last answer's token (0: never answered). */
  answeredPosition: number;
  /** A wake is scheduled for the end of the coalescing window. */
  wakeDue: boolean;
  readonly waiters: Set<() => void>;
}

/** What a user's stream holds after a since token. */
export interface StreamChanges {
  /** The latest state of each sender that changed after the token, in order of last change. */
  readonly states: readonly UserPresenceState[];
  /** A snapshot was requested after the token. */
  readonly snapshotDue: boolean;
  /** The log no longer reaches back to the token (or the token predates the stream). */
  readonly truncated: boolean;
}

/** What a long-poll needs of an abort signal (a DOM `AbortSignal` is one). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A parsed since token. */
export type ParsedToken =
  | { readonly kind: 'position'; readonly position: number }
  /**
   * A token of another instance, or of an earlier run of this one; `feedSeq` is the shared
   * feed's position it was issued at (tokens of a shared store only).
   */
  | { readonly kind: 'other-instance'; readonly feedSeq: number | undefined }
  | { readonly kind: 'malformed' };

/** Options of {@link SyncStreams}. */
export interface SyncStreamsOptions {
  /** Entries kept per user before the oldest half is dropped (default 1024). */
  readonly maxEntriesPerUser?: number;
  /** Distinguishes this process's tokens from a previous run's (default: random). */
  readonly instanceId?: string;
  /** Shortest time between two answers of one stream, in ms (default 0: no coalescing). */
  readonly coalesceMs?: number;
  /** Answers per second all long-polls together should stay under (default 0: no budget). */
  readonly answerBudget?: number;
}

/** The longest coalescing window the answer budget may ask for (ms). */
const MAX_WINDOW_MS = 1000;
/** How often the window is adapted to the answer budget (ms). */
const ADAPT_EVERY_MS = 250;
/** Event-loop lag (ms) above which the process counts as overloaded. */
const OVERLOAD_LAG_MS = 20;

const TOKEN = /^p(\d{1,15})(?:s(\d{1,15}))?_([A-Za-z0-9]{1,32})$/;

/** The per-user presence streams of one server process. */
export class SyncStreams {
  readonly instanceId: string;
  readonly #maxEntries: number;
  readonly #streams = new Map<string, UserStream>();
  readonly #coalesceMs: number;
  readonly #answerBudget: number;
  #windowMs: number;
  #answersSinceAdapt = 0;
  #answers = 0;
  #lagMs = 0;
  #adaptedAt = performance.now();
  /** Streams whose wake waits for the end of their window. */
  #deferred: UserStream[] = [];
  #deferredTimer: ReturnType<typeof setTimeout> | undefined;
  #position = 0;
  #waiting = 0;
  #closed = false;
  #wakes = 0;
  #version = 0;

  constructor(options: SyncStreamsOptions = {}) {
    this.#maxEntries = Math.max(2, options.maxEntriesPerUser ?? 1024);
    this.instanceId = options.instanceId ?? Math.random().toString(36).slice(2, 10);
    this.#coalesceMs = Math.max(0, options.coalesceMs ?? 0);
    this.#answerBudget = Math.max(0, options.answerBudget ?? 0);
    this.#windowMs = this.#coalesceMs;
  }

  /** The coalescing window now (ms): see the module documentation. */
  get windowMs(): number {
    return this.#windowMs;
  }

  /** How late the event loop runs now (ms): above 20 ms, the window widens. */
  reportLag(lagMs: number): void {
    this.#lagMs = lagMs;
  }

  /** Answers with presence so far. */
  get answerCount(): number {
    return this.#answers;
  }

  /** Counts an answer; every {@link ADAPT_EVERY_MS}, fits the window to the answer budget. */
  #countAnswer(now: number): void {
    this.#answers++;
    this.#answersSinceAdapt++;
    const elapsed = now - this.#adaptedAt;
    if (this.#answerBudget === 0 || elapsed < ADAPT_EVERY_MS) return;
    const rate = (this.#answersSinceAdapt * 1000) / elapsed;
    // Answers per second scale about inversely with the window: scale it by rate / budget,
    // halfway (a damped step), within [coalesceMs, MAX_WINDOW_MS]; overloaded, by 1.5 at least.
    const window = Math.max(this.#windowMs, 1);
    const byBudget = window * (rate / this.#answerBudget);
    const target = this.#lagMs > OVERLOAD_LAG_MS ? Math.max(byBudget, window * 2) : byBudget;
    const next = (this.#windowMs + target) / 2;
    this.#windowMs = Math.min(MAX_WINDOW_MS, Math.max(this.#coalesceMs, next));
    this.#answersSinceAdapt = 0;
    this.#adaptedAt = now;
  }

  /** Changes whenever a stream is created or dropped (to cache what depends on the set). */
  get version(): number {
    return this.#version;
  }

  /** Times waiters were woken (one per stream wake). */
  get wakeCount(): number {
    return this.#wakes;
  }

  /** The latest position handed out. */
  get position(): number {
    return this.#position;
  }

  /** Long-polls waiting right now. */
  get waitingCount(): number {
    return this.#waiting;
  }

  /** Number of users with a stream. */
  get size(): number {
    return this.#streams.size;
  }

  /** Hands out the next position. */
  nextPosition(): number {
    return ++this.#position;
  }

  /**
   * The since token of `position`: `p<position>_<instance>`, or `p<position>s<feedSeq>_<instance>`
   * with a shared store (the feed position everything up to which is in the answers so far, so another
   * instance can continue from it).
   */
  tokenOf(position: number, feedSeq?: number): string {
    const feed = feedSeq === undefined ? '' : `s${feedSeq}`;
    return `p${position}${feed}_${this.instanceId}`;
  }

  /** Parses a since token. */
  parseToken(token: string): ParsedToken {
    const match = TOKEN.exec(token);
    if (match === null) return { kind: 'malformed' };
    if (match[3] !== this.instanceId) {
      return {
        kind: 'other-instance',
        feedSeq: match[2] === undefined ? undefined : Number(match[2]),
      };
    }
    const position = Number(match[1]);
    return position > this.#position ? { kind: 'malformed' } : { kind: 'position', position };
  }

  /** The users with a stream. */
  userIds(): IterableIterator<string> {
    return this.#streams.keys();
  }

  /** Whether a user has a stream (has synced). */
  has(userId: string): boolean {
    return this.#streams.has(userId);
  }

  /** The user's stream, created at the current position when missing. */
  open(userId: string, now = 0): void {
    const stream = this.#streams.get(userId);
    if (stream === undefined) {
      this.#version++;
      this.#streams.set(userId, {
        entries: [],
        truncatedThrough: this.#position,
        snapshotAt: 0,
        usedAt: now,
        answeredAt: Number.NEGATIVE_INFINITY,
        answeredPosition: 0,
        wakeDue: false,
        waiters: new Set(),
      });
    } else if (now > stream.usedAt) {
      stream.usedAt = now;
    }
  }

  /**
   * Drops the streams not opened since `before` (ms) and not waited on: users who stopped
   * syncing stop costing memory and delivery work. A later sync with an old token finds no
   * log and is answered as after a truncation. Returns how many were dropped.
   */
  evictIdle(before: number): number {
    let dropped = 0;
    for (const [userId, stream] of this.#streams) {
      if (stream.usedAt < before && stream.waiters.size === 0) {
        this.#streams.delete(userId);
        dropped++;
      }
    }
    if (dropped > 0) this.#version++;
    return dropped;
  }

  /**
   * Appends `states` at `position` to the streams of those `userIds` that have one, and wakes
   * their long-polls. All of them share one entry. Returns how many streams received it.
   */
  deliver(
    position: number,
    userIds: Iterable<string>,
    states: readonly UserPresenceState[],
  ): number {
    if (states.length === 0) return 0;
    const entry: StreamEntry = { position, states };
    let count = 0;
    for (const userId of userIds) {
      const stream = this.#streams.get(userId);
      if (stream === undefined) continue;
      count++;
      stream.entries.push(entry);
      if (stream.entries.length > this.#maxEntries) {
        const drop = stream.entries.length >> 1;
        stream.truncatedThrough = (stream.entries[drop - 1] as StreamEntry).position;
        stream.entries = stream.entries.slice(drop);
      }
      this.#wakeSoon(stream);
    }
    return count;
  }

  /**
   * Makes the user's next sync (per since token) a full snapshot: any token handed out before
   * this call sees `snapshotDue`. Creates the stream when missing.
   */
  requestSnapshot(userId: string): void {
    this.open(userId);
    const stream = this.#streams.get(userId) as UserStream;
    stream.snapshotAt = this.nextPosition();
    this.#wakeSoon(stream);
  }

  /** What the user's stream holds after `since` (synchronous: read it with the position). */
  changesSince(userId: string, since: number): StreamChanges {
    const stream = this.#streams.get(userId);
    if (stream === undefined) return { states: [], snapshotDue: false, truncated: true };
    const truncated = since < stream.truncatedThrough;
    const latest = new Map<string, UserPresenceState>();
    const entries = stream.entries;
    let start = entries.length;
    while (start > 0 && (entries[start - 1] as StreamEntry).position > since) start--;
    for (let i = start; i < entries.length; i++) {
      for (const state of (entries[i] as StreamEntry).states) {
        latest.delete(state.userId);
        latest.set(state.userId, state);
      }
    }
    return { states: [...latest.values()], snapshotDue: stream.snapshotAt > since, truncated };
  }

  /**
   * Waits until the user's stream gets something after `since`, `timeoutMs` passes, `signal`
   * aborts or the streams close. Resolves at once when something is already there, unless the
   * stream was answered within the coalescing window: then at the window's end.
   */
  wait(userId: string, since: number, timeoutMs: number, signal?: AbortSignalLike): Promise<void> {
    this.open(userId);
    const stream = this.#streams.get(userId) as UserStream;
    const last = stream.entries[stream.entries.length - 1];
    const ready = (last !== undefined && last.position > since) || stream.snapshotAt > since;
    if (this.#closed || timeoutMs <= 0 || signal?.aborted === true) return Promise.resolve();
    if (ready && !this.#inWindow(stream)) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiting++;
      const done = (): void => {
        if (!stream.waiters.delete(done)) return;
        this.#waiting--;
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done);
      stream.waiters.add(done);
      // Data already there, but the stream was answered within the window: answer at its end.
      if (ready) this.#defer(stream);
    });
  }

  /** Answers every waiting long-poll now and makes later waits return at once (shutdown). */
  close(): void {
    this.#closed = true;
    if (this.#deferredTimer !== undefined) clearTimeout(this.#deferredTimer);
    this.#deferredTimer = undefined;
    this.#deferred = [];
    for (const stream of this.#streams.values()) this.#wake(stream);
  }

  /**
   * Whether the user's stream was answered with presence less than `coalesceMs` ago: an
   * answer now would come too soon, so the sync waits (see {@link wait}).
   */
  answeredRecently(userId: string): boolean {
    const stream = this.#streams.get(userId);
    return stream !== undefined && this.#inWindow(stream);
  }

  /** Records the position of an answer's token (every answer, with presence or not). */
  noteAnswer(userId: string, position: number): void {
    const stream = this.#streams.get(userId);
    if (stream !== undefined && position > stream.answeredPosition) {
      stream.answeredPosition = position;
    }
  }

  /** Users whose stream is waited on now, or was opened by a sync at `since` (ms) or later. */
  activeSince(since: number): string[] {
    const active: string[] = [];
    for (const [userId, stream] of this.#streams) {
      if (stream.waiters.size > 0 || stream.usedAt >= since) active.push(userId);
    }
    return active;
  }

  /** How many of `userIds` have not yet been answered with a token at `position` or later. */
  unansweredAt(userIds: Iterable<string>, position: number): number {
    let count = 0;
    for (const userId of userIds) {
      const stream = this.#streams.get(userId);
      if (stream !== undefined && stream.answeredPosition < position) count++;
    }
    return count;
  }

  /** Records that a sync answered the user's stream with presence now. */
  markAnswered(userId: string): void {
    const stream = this.#streams.get(userId);
    if (stream === undefined) return;
    const now = performance.now();
    stream.answeredAt = now;
    this.#countAnswer(now);
  }

  #inWindow(stream: UserStream): boolean {
    return this.#windowMs > 0 && performance.now() - stream.answeredAt < this.#windowMs;
  }

  /** Wakes the stream's waiters now, or at the end of its coalescing window. */
  #wakeSoon(stream: UserStream): void {
    if (stream.waiters.size === 0) return;
    if (this.#inWindow(stream)) this.#defer(stream);
    else this.#wake(stream);
  }

  #defer(stream: UserStream): void {
    if (stream.wakeDue) return;
    stream.wakeDue = true;
    this.#deferred.push(stream);
    if (this.#deferredTimer !== undefined) return;
    const wait = Math.max(1, stream.answeredAt + this.windowMs - performance.now());
    this.#deferredTimer = setTimeout(() => this.#wakeDeferred(), wait);
  }

  /** Wakes the deferred streams whose window has ended; re-arms for the others. */
  #wakeDeferred(): void {
    this.#deferredTimer = undefined;
    const deferred = this.#deferred;
    this.#deferred = [];
    const now = performance.now();
    const window = this.windowMs;
    let next = Number.POSITIVE_INFINITY;
    for (const stream of deferred) {
      const end = stream.answeredAt + window;
      if (end <= now + 1) {
        stream.wakeDue = false;
        this.#wake(stream);
      } else {
        this.#deferred.push(stream);
        next = Math.min(next, end);
      }
    }
    if (this.#deferred.length > 0) {
      this.#deferredTimer = setTimeout(() => this.#wakeDeferred(), Math.max(1, next - now));
    }
  }

  #wake(stream: UserStream): void {
    if (stream.waiters.size === 0) return;
    this.#wakes++;
    for (const waiter of [...stream.waiters]) waiter();
  }
}
