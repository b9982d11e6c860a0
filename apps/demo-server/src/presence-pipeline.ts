/**
 * `PresencePipeline`: accepted presence changes on their way to recipients.
 *
 * - `submit` accepts a change at once (the latest state per user waits in `pending`; a newer
 *   one replaces it) and returns its sequence number.
 * - Up to `maxConcurrentBatches` batches route at a time, so one slow batch (a slow
 *   membership lookup) does not hold up the others. A user is in at most one batch at a time:
 *   its states are routed in the order they were accepted.
 * - What a batch leaves unrouted (failed lookups) goes to {@link RoutingRetries} and is
 *   routed again, with backoff, by retry batches.
 * - `caughtUp(seq)` resolves once every change accepted up to `seq` has had its routing
 *   attempt (a sync calls it first, so a client sees what was accepted before it asked).
 * - `close` stops accepting (callers answer 503); `drain` resolves when everything accepted
 *   has been routed, giving failing parts one last attempt.
 *
 * @example
 * ```ts
 * const pipeline = new PresencePipeline({ route, retry, retries, now: Date.now, logger });
 * pipeline.submit(state);
 * await pipeline.caughtUp();
 * pipeline.close();
 * await pipeline.drain();
 * ```
 * @module
 */
import type { Logger, UnroutedParts, UserPresenceState } from '@presence-router/core';
import { messageOf, PipelineClosedError } from './errors.ts';
import type { DueRetries, RoutingRetries } from './routing-retries.ts';

/** Options of {@link PresencePipeline}. */
export interface PresencePipelineOptions {
  /** Routes and delivers fresh states; resolves to what could not be routed. */
  readonly route: (states: UserPresenceState[]) => Promise<UnroutedParts>;
  /** Routes retried parts again; resolves to what still could not be routed. */
  readonly retry: (due: DueRetries) => Promise<UnroutedParts>;
  readonly retries: RoutingRetries;
  readonly now: () => number;
  readonly logger: Logger;
  /** Batches routing at the same time (default 4). */
  readonly maxConcurrentBatches?: number;
  /** Most states in one batch (default 10,000). */
  readonly maxBatchSize?: number;
}

interface Pending {
  readonly state: UserPresenceState;
  readonly seq: number;
}

interface Batch {
  /** Lowest sequence number in the batch (retries: +Infinity, they hold no new changes). */
  readonly minSeq: number;
  readonly users: readonly string[];
}

/** A caller of {@link PresencePipeline.caughtUp} waiting for `seq`. */
interface Barrier {
  readonly seq: number;
  readonly resolve: () => void;
}

/** The pipeline; see the module documentation. */
export class PresencePipeline {
  readonly #options: PresencePipelineOptions;
  readonly #maxBatches: number;
  readonly #maxBatchSize: number;
  /** Insertion order is sequence order: a replaced entry is deleted and set again. */
  readonly #pending = new Map<string, Pending>();
  readonly #inFlight = new Set<string>();
  readonly #batches = new Set<Batch>();
  #seq = 0;
  #barriers: Barrier[] = [];
  #idle: (() => void)[] = [];
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryTimerAt = Number.POSITIVE_INFINITY;
  #closed = false;
  #batchesRun = 0;
  #batchFailures = 0;

  constructor(options: PresencePipelineOptions) {
    this.#options = options;
    this.#maxBatches = Math.max(1, options.maxConcurrentBatches ?? 4);
    this.#maxBatchSize = Math.max(1, options.maxBatchSize ?? 10_000);
  }

  /** States waiting for a batch. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Batches routing now. */
  get batchesInFlight(): number {
    return this.#batches.size;
  }

  /** Batches run so far (fresh and retries). */
  get batchesRun(): number {
    return this.#batchesRun;
  }

  /** Batches whose routing threw (not lookup failures: those are retried parts). */
  get batchFailures(): number {
    return this.#batchFailures;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether a state of `userId` is pending or routing. */
  holds(userId: string): boolean {
    return this.#pending.has(userId) || this.#inFlight.has(userId);
  }

  /** The sequence number of the latest accepted change. */
  get sequence(): number {
    return this.#seq;
  }

  /**
   * Accepts a change; returns its sequence number: `seq` when given (a shared store's feed
   * position, normally higher than every earlier one), else the next one.
   * @throws PipelineClosedError once the pipeline is closed.
   */
  submit(state: UserPresenceState, seq?: number): number {
    if (this.#closed) throw new PipelineClosedError('The server is shutting down');
    const entrySeq = seq ?? this.#seq + 1;
    this.#seq = Math.max(this.#seq, entrySeq);
    this.#pending.delete(state.userId);
    this.#pending.set(state.userId, { state, seq: entrySeq });
    queueMicrotask(() => this.#pump());
    return entrySeq;
  }

  /** The lowest sequence number waiting for a batch (+Infinity: none). */
  get firstPendingSeq(): number {
    const first = this.#pending.values().next();
    return first.done === true ? Number.POSITIVE_INFINITY : first.value.seq;
  }

  /** The lowest sequence number not yet routed once, pending or in a batch (+Infinity: none). */
  get lowestOutstandingSeq(): number {
    return this.#lowestOutstanding();
  }

  /** Resolves once every change accepted up to `seq` (default: now) has been routed once. */
  caughtUp(seq = this.#seq): Promise<void> {
    if (this.#lowestOutstanding() > seq) return Promise.resolve();
    return new Promise((resolve) => this.#barriers.push({ seq, resolve }));
  }

  /** Stops accepting changes. */
  close(): void {
    this.#closed = true;
  }

  /**
   * Resolves when nothing is pending or routing, after giving every failing part one last
   * attempt (bounded by the lookups' own timeouts). Returns how many keys still fail.
   */
  async drain(): Promise<number> {
    await this.#whenIdle();
    this.#options.retries.dueNow(this.#options.now());
    this.#pump();
    await this.#whenIdle();
    return this.#options.retries.size;
  }

  /** Stops the retry timer (after {@link drain}). */
  dispose(): void {
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  #whenIdle(): Promise<void> {
    if (this.#pending.size === 0 && this.#batches.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #lowestOutstanding(): number {
    let lowest = Number.POSITIVE_INFINITY;
    const first = this.#pending.values().next();
    if (first.done !== true) lowest = first.value.seq;
    for (const batch of this.#batches) if (batch.minSeq < lowest) lowest = batch.minSeq;
    return lowest;
  }

  /** Starts batches while there is room: due retries first, then fresh changes. */
  #pump(): void {
    while (this.#batches.size < this.#maxBatches) {
      const due = this.#options.retries.takeDue(this.#options.now(), (userId) =>
        this.#inFlight.has(userId),
      );
      if (due !== undefined) {
        this.#start([...due.allUsers], Number.POSITIVE_INFINITY, () => this.#runRetry(due));
        continue;
      }
      const states: UserPresenceState[] = [];
      let minSeq = Number.POSITIVE_INFINITY;
      for (const [userId, pending] of this.#pending) {
        if (this.#inFlight.has(userId)) continue;
        states.push(pending.state);
        if (pending.seq < minSeq) minSeq = pending.seq;
        if (states.length >= this.#maxBatchSize) break;
      }
      if (states.length === 0) break;
      for (const state of states) this.#pending.delete(state.userId);
      this.#start(
        states.map((state) => state.userId),
        minSeq,
        () => this.#runFresh(states),
      );
    }
    this.#scheduleRetries();
    this.#settleWaiters();
  }

  #start(users: readonly string[], minSeq: number, run: () => Promise<void>): void {
    const batch: Batch = { minSeq, users };
    this.#batches.add(batch);
    for (const userId of users) this.#inFlight.add(userId);
    this.#batchesRun++;
    void run().finally(() => {
      this.#batches.delete(batch);
      for (const userId of users) this.#inFlight.delete(userId);
      this.#pump();
    });
  }

  async #runFresh(states: UserPresenceState[]): Promise<void> {
    const { retries, now } = this.#options;
    try {
      retries.add(await this.#options.route(states), now());
    } catch (error) {
      this.#batchFailures++;
      this.#options.logger.error('routing a presence batch failed; its states are retried', {
        error: messageOf(error),
        users: states.length,
      });
      retries.add(failedWhole(states, error), now());
    }
  }

  async #runRetry(due: DueRetries): Promise<void> {
    const { retries, now } = this.#options;
    try {
      retries.settle(due, await this.#options.retry(due), now());
    } catch (error) {
      this.#batchFailures++;
      this.#options.logger.error('retrying unrouted presence failed', { error: messageOf(error) });
      retries.release(due);
    }
  }

  #scheduleRetries(): void {
    const next = this.#options.retries.nextDueAt();
    if (next === undefined || next >= this.#retryTimerAt) return;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimerAt = next;
    this.#retryTimer = setTimeout(
      () => {
        this.#retryTimer = undefined;
        this.#retryTimerAt = Number.POSITIVE_INFINITY;
        this.#pump();
      },
      Math.max(0, next - this.#options.now()),
    );
    (this.#retryTimer as { unref?: () => void }).unref?.();
  }

  #settleWaiters(): void {
    if (this.#barriers.length > 0) {
      const lowest = this.#lowestOutstanding();
      const waiting: Barrier[] = [];
      for (const barrier of this.#barriers) {
        if (barrier.seq < lowest) barrier.resolve();
        else waiting.push(barrier);
      }
      this.#barriers = waiting;
    }
    if (this.#idle.length > 0 && this.#pending.size === 0 && this.#batches.size === 0) {
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  }
}

/** A batch whose routing threw: every state's default routing is to be done again. */
function failedWhole(states: readonly UserPresenceState[], thrown: unknown): UnroutedParts {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  return {
    users: new Map(states.map((state) => [state.userId, state])),
    rooms: new Map(),
    errors: new Map(states.map((state) => [state.userId, error])),
    size: states.length,
  };
}
