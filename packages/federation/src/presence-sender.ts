/**
 * {@link FederationPresenceSender}: outbound presence, one queue per destination server, as
 * Synapse's federation sender does it for presence:
 *
 * - only local users' states are sent (others are dropped and counted); while waiting, the
 *   latest state of each user replaces the older one in place;
 * - one transaction in flight per destination; a transaction carries up to
 *   `maxEdusPerTransaction` (100) `m.presence` EDUs of up to `maxStatesPerEdu` (50) states
 *   each, i.e. up to 5,000 states, oldest first; `last_active_ago` is computed when the
 *   transaction is built; each transaction has a new txnId, unique per origin (a counter
 *   starting at the clock's milliseconds, as Synapse does, after an optional prefix);
 * - a failure (no answer, a timeout, 5xx, 401, 404, 408, 429) puts the states back, except
 *   users who have a newer state waiting, and backs off as Synapse does: 10 minutes
 *   (`destination_min_retry_interval`), then times 2 (`destination_retry_multiplier`) times a
 *   random factor in [0.8, 1.4), at most 1 week (`destination_max_retry_interval`); a success
 *   or {@link FederationPresenceSender.destinationIsUp} (a valid request from that server)
 *   ends the backoff, and the destination then gets the latest state of each user, once;
 * - another 4xx answer rejects the transaction: its states are dropped (and counted), without
 *   backoff;
 * - keep-alive: the latest non-offline state of each user sent to a destination is re-sent
 *   every 25 minutes (Synapse's FEDERATION_PING_INTERVAL, under the remote's 30-minute
 *   timeout), each (destination, user) at its own phase of the interval so pings spread
 *   evenly over time; an offline state ends it.
 *
 * Memory is bounded: per destination, at most `maxUsersPerDestination` (100,000) pending
 * states and as many keep-alive entries (one per local user), plus one transaction in
 * flight (up to 5,000 states); at most `maxDestinations` (10,000) destinations. States beyond
 * a bound are dropped and counted in `statesDropped`. A destination with nothing pending, in
 * flight or kept alive, and not backing off, is forgotten.
 *
 * @example
 * ```ts
 * const sender = new FederationPresenceSender({ serverName: 'hs.example', transport });
 * const result = await router.fanOut(states);
 * sender.sendRemote(result.remote);          // or sender.send('remote.example', states)
 * console.log(sender.snapshot().destinationsInBackoff);
 * await sender.close();
 * ```
 * @module
 */
import {
  consoleLogger,
  type Logger,
  serverNameOf,
  serverNameProblem,
  type UserPresenceState,
} from '@presence-router/core';
import type { JsonObject } from './canonical-json.ts';
import { type Clock, systemClock, type TimerHandle } from './clock.ts';
import { FederationError } from './errors.ts';
import { DestinationQueue } from './internal/destination-queue.ts';
import { KeepAliveSchedule } from './internal/keep-alive-schedule.ts';
import {
  isDestinationFailure,
  nextRetryInterval,
  type RetryPolicy,
} from './internal/retry-backoff.ts';
import { MAX_PRESENCE_STATES_PER_EDU, presenceEdu } from './presence-edu.ts';
import {
  MAX_EDUS_PER_TRANSACTION,
  type OutgoingTransaction,
  type TransactionResponse,
  type TransactionTransport,
} from './transaction.ts';

const MINUTE = 60_000;

/** The sender's defaults (Synapse's values where Synapse has one). */
export const PRESENCE_SENDER_DEFAULTS = Object.freeze({
  /** Synapse's `federation.destination_min_retry_interval` (10m). */
  minRetryIntervalMs: 10 * MINUTE,
  /** Synapse's `federation.destination_max_retry_interval` (1w). */
  maxRetryIntervalMs: 7 * 24 * 60 * MINUTE,
  /** Synapse's `federation.destination_retry_multiplier`. */
  retryMultiplier: 2,
  /** Synapse's FEDERATION_PING_INTERVAL. */
  keepAliveIntervalMs: 25 * MINUTE,
  /** Keep-alives are due on ticks this far apart (at most this late). */
  keepAliveTickMs: MINUTE,
  maxStatesPerEdu: MAX_PRESENCE_STATES_PER_EDU,
  maxEdusPerTransaction: MAX_EDUS_PER_TRANSACTION,
  maxDestinations: 10_000,
  maxUsersPerDestination: 100_000,
  /** An attempt that has no answer after this long counts as failed. */
  transactionTimeoutMs: 2 * MINUTE,
});

/** Options of {@link FederationPresenceSender}. */
export interface PresenceSenderOptions {
  /** Our server name: the origin of transactions; only its users' states are sent. */
  readonly serverName: string;
  readonly transport: TransactionTransport;
  readonly clock?: Clock;
  /** Backoff jitter; defaults to `Math.random`. */
  readonly random?: () => number;
  readonly logger?: Logger;
  readonly minRetryIntervalMs?: number;
  readonly maxRetryIntervalMs?: number;
  readonly retryMultiplier?: number;
  /** 0 turns keep-alive off. */
  readonly keepAliveIntervalMs?: number;
  readonly keepAliveTickMs?: number;
  readonly maxStatesPerEdu?: number;
  /** At most 100 (the specification's limit). */
  readonly maxEdusPerTransaction?: number;
  readonly maxDestinations?: number;
  readonly maxUsersPerDestination?: number;
  readonly transactionTimeoutMs?: number;
  /** Put before every txnId, e.g. an instance name when several processes send for one origin. */
  readonly transactionIdPrefix?: string;
  /** Synapse's `federation_domain_whitelist`: when given, only these destinations are sent to. */
  readonly federationDomainWhitelist?: readonly string[];
  /**
   * Extra fields of each entry for `destination`, computed when its transaction is built (again
   * for a retry), e.g. MSC4495's `stream_id`/`prev_id`/`recipients`; the standard fields win.
   */
  readonly entryFields?: (destination: string, state: UserPresenceState) => JsonObject | undefined;
  /**
   * Called when `destination` accepted a transaction (2xx), with each state sent and the extra
   * fields its entry carried — e.g. to acknowledge MSC4495 stream IDs. Errors are logged.
   */
  readonly onAccepted?: (destination: string, sent: readonly SentPresenceEntry[]) => void;
}

/** One entry of an accepted transaction (see {@link PresenceSenderOptions.onAccepted}). */
export interface SentPresenceEntry {
  readonly state: UserPresenceState;
  /** What {@link PresenceSenderOptions.entryFields} gave for it. */
  readonly fields: JsonObject | undefined;
}

/** One destination in a {@link PresenceSenderSnapshot}. */
export interface DestinationSnapshot {
  readonly destination: string;
  /** States waiting (not counting those in flight). */
  readonly pending: number;
  /** States of the transaction in flight (0 when none). */
  readonly inFlight: number;
  readonly keepAliveUsers: number;
  /** The current backoff wait (0 when up). */
  readonly retryIntervalMs: number;
  /** When the next attempt may start, while backing off. */
  readonly retryAt: number | undefined;
  readonly transactionsSent: number;
  readonly transactionsFailed: number;
  readonly transactionsRetried: number;
  readonly transactionsRejected: number;
  readonly lastError: string | undefined;
}

/** Why states were not queued, with counts. */
export interface DroppedStates {
  /** States of users of other servers. */
  readonly notLocal: number;
  /** States for a destination outside `federationDomainWhitelist`, or for ourselves. */
  readonly notAllowed: number;
  /** States for a new destination while `maxDestinations` were queued. */
  readonly tooManyDestinations: number;
  /** States of a new user while `maxUsersPerDestination` were pending. */
  readonly tooManyUsers: number;
  /** States of transactions the destination rejected (a 4xx other than 401/404/408/429). */
  readonly rejected: number;
}

/** Metrics of a {@link FederationPresenceSender}, for the server to render. */
export interface PresenceSenderSnapshot {
  readonly destinations: readonly DestinationSnapshot[];
  readonly destinationsInBackoff: number;
  readonly pendingStates: number;
  readonly transactionsInFlight: number;
  readonly transactionsSent: number;
  readonly transactionsFailed: number;
  /** Attempts made while a destination was backing off (after at least one failure). */
  readonly transactionsRetried: number;
  readonly transactionsRejected: number;
  readonly statesSent: number;
  readonly keepAlivesQueued: number;
  readonly statesDropped: DroppedStates;
}

type Outcome =
  | { readonly kind: 'sent' }
  | { readonly kind: 'rejected'; readonly status: number }
  | { readonly kind: 'failed'; readonly error: string; readonly retryAfterMs: number };

function positive(name: string, value: number, allowZero = false): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (!allowZero && value === 0)
  ) {
    throw new FederationError(
      'INVALID_OPTIONS',
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`,
    );
  }
  return value;
}

/** Sends local users' presence to remote servers; see the module documentation. */
export class FederationPresenceSender {
  readonly #serverName: string;
  readonly #transport: TransactionTransport;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logger: Logger;
  readonly #policy: RetryPolicy;
  readonly #keepAliveIntervalMs: number;
  readonly #maxStatesPerEdu: number;
  readonly #maxEdus: number;
  readonly #maxDestinations: number;
  readonly #maxUsers: number;
  readonly #timeoutMs: number;
  readonly #txnPrefix: string;
  readonly #whitelist: ReadonlySet<string> | undefined;
  readonly #queues = new Map<string, DestinationQueue>();
  readonly #transmissions = new Map<string, Promise<void>>();
  /** Attempts in flight, each with the function that ends it as failed (on timeout or close). */
  readonly #attempts = new Map<AbortController, (outcome: Outcome) => void>();
  readonly #schedule: KeepAliveSchedule;
  readonly #entryFields: PresenceSenderOptions['entryFields'];
  readonly #onAccepted: PresenceSenderOptions['onAccepted'];
  #keepAliveTimer: TimerHandle | undefined;
  #keepAliveTimerAt: number | undefined;
  #nextTxnId: number;
  #closed = false;
  #sent = 0;
  #failed = 0;
  #retried = 0;
  #rejected = 0;
  #statesSent = 0;
  #keepAlives = 0;
  readonly #dropped = {
    notLocal: 0,
    notAllowed: 0,
    tooManyDestinations: 0,
    tooManyUsers: 0,
    rejected: 0,
  };

  constructor(options: PresenceSenderOptions) {
    const d = PRESENCE_SENDER_DEFAULTS;
    const problem = serverNameProblem(options.serverName);
    if (problem !== undefined) {
      throw new FederationError('INVALID_SERVER_NAME', `Invalid serverName: ${problem}`);
    }
    this.#serverName = options.serverName;
    this.#transport = options.transport;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#logger = options.logger ?? consoleLogger;
    this.#policy = {
      minRetryIntervalMs: positive(
        'minRetryIntervalMs',
        options.minRetryIntervalMs ?? d.minRetryIntervalMs,
      ),
      maxRetryIntervalMs: positive(
        'maxRetryIntervalMs',
        options.maxRetryIntervalMs ?? d.maxRetryIntervalMs,
      ),
      retryMultiplier: positive('retryMultiplier', options.retryMultiplier ?? d.retryMultiplier),
    };
    this.#keepAliveIntervalMs = positive(
      'keepAliveIntervalMs',
      options.keepAliveIntervalMs ?? d.keepAliveIntervalMs,
      true,
    );
    const tick = positive('keepAliveTickMs', options.keepAliveTickMs ?? d.keepAliveTickMs);
    this.#entryFields = options.entryFields;
    this.#onAccepted = options.onAccepted;
    this.#schedule = new KeepAliveSchedule(Math.max(1, this.#keepAliveIntervalMs), tick);
    this.#maxStatesPerEdu = Math.floor(
      positive('maxStatesPerEdu', options.maxStatesPerEdu ?? d.maxStatesPerEdu),
    );
    this.#maxEdus = Math.floor(
      positive('maxEdusPerTransaction', options.maxEdusPerTransaction ?? d.maxEdusPerTransaction),
    );
    if (this.#maxEdus > MAX_EDUS_PER_TRANSACTION) {
      throw new FederationError(
        'INVALID_OPTIONS',
        `maxEdusPerTransaction cannot exceed ${MAX_EDUS_PER_TRANSACTION}`,
      );
    }
    this.#maxDestinations = positive(
      'maxDestinations',
      options.maxDestinations ?? d.maxDestinations,
    );
    this.#maxUsers = positive(
      'maxUsersPerDestination',
      options.maxUsersPerDestination ?? d.maxUsersPerDestination,
    );
    this.#timeoutMs = positive(
      'transactionTimeoutMs',
      options.transactionTimeoutMs ?? d.transactionTimeoutMs,
    );
    this.#txnPrefix = options.transactionIdPrefix ?? '';
    this.#whitelist =
      options.federationDomainWhitelist === undefined
        ? undefined
        : new Set(options.federationDomainWhitelist);
    this.#nextTxnId = Math.floor(this.#clock.now());
  }

  /**
   * Queues `states` for `destination`. States of users of other servers are dropped, as are
   * states for our own server name or a destination outside the whitelist.
   */
  send(destination: string, states: Iterable<UserPresenceState>): void {
    if (this.#closed) throw new FederationError('SENDER_CLOSED', 'The presence sender is closed');
    const list = [...states];
    if (list.length === 0) return;
    if (
      destination === this.#serverName ||
      serverNameProblem(destination) !== undefined ||
      (this.#whitelist !== undefined && !this.#whitelist.has(destination))
    ) {
      this.#dropped.notAllowed += list.length;
      this.#logger.debug('Presence not sent to a destination that is not allowed', { destination });
      return;
    }
    let queue = this.#queues.get(destination);
    if (queue === undefined) {
      if (this.#queues.size >= this.#maxDestinations) {
        this.#dropped.tooManyDestinations += list.length;
        this.#logger.warn('Presence dropped: too many destinations queued', {
          destination,
          maxDestinations: this.#maxDestinations,
        });
        return;
      }
      queue = new DestinationQueue(destination);
      this.#queues.set(destination, queue);
    }
    const now = this.#clock.now();
    let tooMany = 0;
    for (const state of list) {
      if (serverNameOf(state.userId) !== this.#serverName) {
        this.#dropped.notLocal++;
        continue;
      }
      const userId = state.userId;
      if (queue.pending.has(userId) || queue.pending.size < this.#maxUsers) {
        queue.pending.set(userId, state);
      } else {
        tooMany++;
      }
      this.#trackKeepAlive(queue, state, now);
    }
    if (tooMany > 0) {
      this.#dropped.tooManyUsers += tooMany;
      this.#logger.warn('Presence dropped: too many users pending for a destination', {
        destination,
        dropped: tooMany,
      });
    }
    this.#armKeepAlive();
    this.#kick(queue);
    this.#forgetIfEmpty(queue);
  }

  /** Queues each destination of a fan-out's `remote` map (`FanOutResult.remote` in core). */
  sendRemote(
    remote: Iterable<readonly [string, { readonly states: readonly UserPresenceState[] }]>,
  ): void {
    for (const [destination, { states }] of remote) this.send(destination, states);
  }

  /**
   * Tells the sender that `serverName` is reachable (it just sent us a valid request, which
   * is when Synapse resets its backoff): the backoff ends and what waits is sent now.
   */
  destinationIsUp(serverName: string): void {
    const queue = this.#queues.get(serverName);
    if (queue === undefined || this.#closed) return;
    if (queue.retryTimer !== undefined) this.#clock.clearTimeout(queue.retryTimer);
    queue.retryTimer = undefined;
    queue.retryAt = 0;
    queue.retryIntervalMs = 0;
    this.#kick(queue);
    this.#forgetIfEmpty(queue);
  }

  /** Queue lengths, backoffs and counters. */
  snapshot(): PresenceSenderSnapshot {
    const destinations: DestinationSnapshot[] = [];
    let pendingStates = 0;
    let inBackoff = 0;
    let inFlight = 0;
    for (const q of this.#queues.values()) {
      pendingStates += q.pending.size;
      if (q.retryAt !== 0) inBackoff++;
      if (q.inFlight !== undefined) inFlight++;
      destinations.push({
        destination: q.destination,
        pending: q.pending.size,
        inFlight: q.inFlight?.size ?? 0,
        keepAliveUsers: q.keepAlive.size,
        retryIntervalMs: q.retryIntervalMs,
        retryAt: q.retryAt === 0 ? undefined : q.retryAt,
        transactionsSent: q.transactionsSent,
        transactionsFailed: q.transactionsFailed,
        transactionsRetried: q.transactionsRetried,
        transactionsRejected: q.transactionsRejected,
        lastError: q.lastError,
      });
    }
    return {
      destinations,
      destinationsInBackoff: inBackoff,
      pendingStates,
      transactionsInFlight: inFlight,
      transactionsSent: this.#sent,
      transactionsFailed: this.#failed,
      transactionsRetried: this.#retried,
      transactionsRejected: this.#rejected,
      statesSent: this.#statesSent,
      keepAlivesQueued: this.#keepAlives,
      statesDropped: { ...this.#dropped },
    };
  }

  /** Resolves once no transaction is in flight (backoff timers may still be waiting). */
  async idle(): Promise<void> {
    while (this.#transmissions.size > 0)
      await Promise.allSettled([...this.#transmissions.values()]);
  }

  /**
   * Stops: no new transaction starts, attempts in flight are aborted, timers are cleared and
   * what waits is discarded. Resolves when the last attempt has settled.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const [controller, end] of this.#attempts) {
      controller.abort();
      end({ kind: 'failed', error: 'the sender was closed', retryAfterMs: 0 });
    }
    if (this.#keepAliveTimer !== undefined) this.#clock.clearTimeout(this.#keepAliveTimer);
    this.#keepAliveTimer = undefined;
    for (const queue of this.#queues.values()) {
      if (queue.retryTimer !== undefined) this.#clock.clearTimeout(queue.retryTimer);
    }
    await this.idle();
    this.#queues.clear();
  }

  #trackKeepAlive(queue: DestinationQueue, state: UserPresenceState, now: number): void {
    if (this.#keepAliveIntervalMs === 0) return;
    const key = `${queue.destination}\u0000${state.userId}`;
    if (state.state === 'offline') {
      queue.keepAlive.delete(state.userId);
      this.#schedule.cancel(key);
      return;
    }
    if (!queue.keepAlive.has(state.userId) && queue.keepAlive.size >= this.#maxUsers) return;
    queue.keepAlive.set(state.userId, state);
    this.#schedule.schedule(key, now);
  }

  #armKeepAlive(): void {
    if (this.#closed) return;
    const due = this.#schedule.nextDueAt();
    if (due === undefined) return;
    if (this.#keepAliveTimerAt !== undefined && this.#keepAliveTimerAt <= due) return;
    if (this.#keepAliveTimer !== undefined) this.#clock.clearTimeout(this.#keepAliveTimer);
    this.#keepAliveTimerAt = due;
    this.#keepAliveTimer = this.#clock.setTimeout(
      () => this.#onKeepAlive(),
      Math.max(0, due - this.#clock.now()),
    );
  }

  #onKeepAlive(): void {
    this.#keepAliveTimer = undefined;
    this.#keepAliveTimerAt = undefined;
    if (this.#closed) return;
    const now = this.#clock.now();
    const touched = new Set<DestinationQueue>();
    for (const key of this.#schedule.takeDue(now)) {
      const separator = key.indexOf('\u0000');
      const queue = this.#queues.get(key.slice(0, separator));
      const userId = key.slice(separator + 1);
      const state = queue?.keepAlive.get(userId);
      if (queue === undefined || state === undefined) continue;
      if (!queue.pending.has(userId)) {
        queue.pending.set(userId, state);
        this.#keepAlives++;
        touched.add(queue);
      }
      this.#schedule.schedule(key, now);
    }
    for (const queue of touched) this.#kick(queue);
    this.#armKeepAlive();
  }

  #kick(queue: DestinationQueue): void {
    if (
      this.#closed ||
      this.#transmissions.has(queue.destination) ||
      queue.retryAt !== 0 ||
      queue.pending.size === 0
    ) {
      return;
    }
    const run = this.#transmit(queue).finally(() => {
      this.#transmissions.delete(queue.destination);
      this.#forgetIfEmpty(queue);
    });
    this.#transmissions.set(queue.destination, run);
  }

  #forgetIfEmpty(queue: DestinationQueue): void {
    if (queue.isEmpty && !this.#transmissions.has(queue.destination)) {
      this.#queues.delete(queue.destination);
    }
  }

  async #transmit(queue: DestinationQueue): Promise<void> {
    // Let the caller finish queueing (one send() call, one fan-out) before taking states.
    await Promise.resolve();
    const perTransaction = this.#maxStatesPerEdu * this.#maxEdus;
    while (!this.#closed && queue.pending.size > 0 && queue.retryAt === 0) {
      const batch = new Map<string, UserPresenceState>();
      for (const [userId, state] of queue.pending) {
        if (batch.size >= perTransaction) break;
        batch.set(userId, state);
      }
      for (const userId of batch.keys()) queue.pending.delete(userId);
      queue.inFlight = batch;
      const now = this.#clock.now();
      const states = [...batch.values()];
      const sentFields = new Map<string, JsonObject | undefined>();
      const entryFields = this.#entryFields;
      const extra =
        entryFields === undefined
          ? undefined
          : (state: UserPresenceState): JsonObject | undefined => {
              const fields = entryFields(queue.destination, state);
              sentFields.set(state.userId, fields);
              return fields;
            };
      const edus = [];
      for (let i = 0; i < states.length; i += this.#maxStatesPerEdu) {
        edus.push(presenceEdu(states.slice(i, i + this.#maxStatesPerEdu), now, extra));
      }
      if (queue.retryIntervalMs > 0) {
        queue.transactionsRetried++;
        this.#retried++;
      }
      const outcome = await this.#attempt({
        destination: queue.destination,
        txnId: `${this.#txnPrefix}${this.#nextTxnId++}`,
        body: { origin: this.#serverName, origin_server_ts: now, pdus: [], edus },
      });
      if (this.#closed) {
        queue.inFlight = undefined;
        return;
      }
      if (outcome.kind === 'sent') {
        queue.inFlight = undefined;
        queue.retryIntervalMs = 0;
        queue.lastError = undefined;
        queue.transactionsSent++;
        queue.statesSent += batch.size;
        this.#sent++;
        this.#statesSent += batch.size;
        this.#notifyAccepted(queue.destination, states, sentFields);
      } else if (outcome.kind === 'rejected') {
        queue.inFlight = undefined;
        queue.transactionsRejected++;
        queue.lastError = `HTTP ${outcome.status}`;
        this.#rejected++;
        this.#dropped.rejected += batch.size;
        this.#logger.warn(
          'Transaction rejected by the destination; its presence states are dropped',
          {
            destination: queue.destination,
            status: outcome.status,
            states: batch.size,
          },
        );
      } else {
        queue.requeueInFlight();
        queue.transactionsFailed++;
        queue.lastError = outcome.error;
        this.#failed++;
        this.#backOff(queue, outcome.retryAfterMs);
      }
    }
  }

  #notifyAccepted(
    destination: string,
    states: readonly UserPresenceState[],
    fields: ReadonlyMap<string, JsonObject | undefined>,
  ): void {
    if (this.#onAccepted === undefined) return;
    try {
      this.#onAccepted(
        destination,
        states.map((state) => ({ state, fields: fields.get(state.userId) })),
      );
    } catch (error) {
      this.#logger.error('onAccepted failed', {
        destination,
        error: (error as Error)?.message ?? String(error),
      });
    }
  }

  #backOff(queue: DestinationQueue, retryAfterMs: number): void {
    queue.retryIntervalMs = nextRetryInterval(queue.retryIntervalMs, this.#policy, this.#random);
    const wait = Math.max(queue.retryIntervalMs, retryAfterMs);
    queue.retryAt = this.#clock.now() + wait;
    this.#logger.warn('Transaction failed; backing off', {
      destination: queue.destination,
      error: queue.lastError,
      retryInMs: wait,
    });
    queue.retryTimer = this.#clock.setTimeout(() => {
      queue.retryTimer = undefined;
      queue.retryAt = 0;
      this.#kick(queue);
      this.#forgetIfEmpty(queue);
    }, wait);
  }

  async #attempt(transaction: Omit<OutgoingTransaction, 'signal'>): Promise<Outcome> {
    const controller = new AbortController();
    let timer: TimerHandle | undefined;
    const ended = new Promise<Outcome>((resolve) => {
      this.#attempts.set(controller, resolve);
      timer = this.#clock.setTimeout(() => {
        controller.abort();
        resolve({
          kind: 'failed',
          error: `no answer within ${this.#timeoutMs} ms`,
          retryAfterMs: 0,
        });
      }, this.#timeoutMs);
    });
    const answered = (async (): Promise<Outcome> => {
      let response: TransactionResponse;
      try {
        response = await this.#transport({ ...transaction, signal: controller.signal });
      } catch (error) {
        return {
          kind: 'failed',
          error: (error as Error)?.message ?? String(error),
          retryAfterMs: 0,
        };
      }
      if (response.status >= 200 && response.status < 300) return { kind: 'sent' };
      if (isDestinationFailure(response.status)) {
        return {
          kind: 'failed',
          error: `HTTP ${response.status}`,
          retryAfterMs: response.retryAfterMs ?? 0,
        };
      }
      return { kind: 'rejected', status: response.status };
    })();
    try {
      return await Promise.race([answered, ended]);
    } finally {
      this.#clock.clearTimeout(timer);
      this.#attempts.delete(controller);
    }
  }
}
