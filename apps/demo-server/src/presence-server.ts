/**
 * `PresenceServer`: wires the presence engine, the routing modules, authentication, rate
 * limiting, metrics, timers and the Hono app together, independent of how membership is
 * obtained and of how HTTP is served (see `load-server.ts` and `node-listener.ts`).
 *
 * @example
 * ```ts
 * const membership = new InMemoryMembership({ serverName: 'hs' });
 * const server = await PresenceServer.create({
 *   serverName: 'hs', settings, membership,
 *   // From a configuration: ({ membership, api, logger }) => loaded.createPresenceRouter({ membership, moduleApi: api, logger }).router
 *   createRouter: ({ membership, api }) =>
 *     new PresenceRouter({ serverName: 'hs', membership, modules: [new ExamplePresenceRouter(config, api)] }),
 * });
 * const response = await server.app.request('/_matrix/client/versions');
 * await server.shutdown();
 * ```
 * @module
 */
import {
  ConfigError,
  type Logger,
  type MembershipSource,
  type ModuleApi,
  PresenceRouter,
} from '@presence-router/core';
import type { Hono } from 'hono';
import { createApp } from './app.ts';
import type { AppContext, EditableMembership } from './app-context.ts';
import { Authenticator } from './auth.ts';
import { messageOf, ServerStartError } from './errors.ts';
import { EventLoopLag } from './event-loop-lag.ts';
import { registerFederationMetrics } from './federation-metrics.ts';
import { type FederationSender, LoggingFederationSender } from './federation-sender.ts';
import type { Federation } from './federation-wiring.ts';
import { JsonLogger } from './json-logger.ts';
import { GuardedMembership } from './membership-guard.ts';
import { MemoryPresenceStore } from './memory-presence-store.ts';
import { ServerMetrics } from './metrics.ts';
import { PresenceService } from './presence-service.ts';
import type { PresenceStore } from './presence-store.ts';
import { RateLimiter } from './rate-limiter.ts';
import type { SelectivePresence } from './selective-presence.ts';
import type { ServerSettings } from './server-settings.ts';
import { registerStoreMetrics } from './store-metrics.ts';
import { SyncHandler } from './sync-handler.ts';
import { SyncStreams } from './sync-streams.ts';

/** What modules are constructed with: the host's `ModuleApi` minus callback registration. */
export type HostModuleApi = Omit<ModuleApi, 'registerPresenceRouterCallbacks'>;

/** What {@link PresenceServerOptions.createRouter} builds the router from. */
export interface RouterParts {
  /** The server's membership source, every lookup bounded (see `GuardedMembership`). */
  readonly membership: MembershipSource;
  /** The `ModuleApi` host part for the modules (`sendLocalOnlinePresenceTo` reaches the server). */
  readonly api: HostModuleApi;
  readonly logger: Logger;
}

/** Options of {@link PresenceServer.create}. */
export interface PresenceServerOptions {
  readonly serverName: string;
  readonly settings: ServerSettings;
  readonly membership: MembershipSource;
  /**
   * Builds the router (with its modules, constructed with the server's `ModuleApi`) over the
   * server's guarded membership source. A configuration's is
   * `loaded.createPresenceRouter({ membership, moduleApi: api, logger }).router`; the default
   * is a router with no modules.
   */
  readonly createRouter?: (parts: RouterParts) => PresenceRouter | Promise<PresenceRouter>;
  /** Users to list on the live page besides those with tokens (inline room members). */
  readonly knownUsers?: readonly string[];
  /** Inline rooms the admin API may change. */
  readonly editableMembership?: EditableMembership;
  /**
   * Subscribes to membership changes (room, changed users); the server invalidates nothing
   * itself but tells newly joined users and rooms about each other's presence.
   */
  readonly watchMembership?: (
    listener: (roomId: string, changedUsers: readonly string[]) => void,
  ) => () => void;
  /** Called on shutdown after everything else (close databases, pollers). */
  readonly close?: () => Promise<void> | void;
  readonly logger?: Logger;
  /**
   * Federation (`federation.enabled`): remote recipients are sent signed EDUs and other
   * servers' presence comes in. Without it, presence for remote users is logged, not sent.
   */
  readonly federation?: Federation;
  /** The clock (default `Date.now`). */
  readonly now?: () => number;
  /** How often the presence timers run, in ms (default: a tenth of the shortest timer, 1-5 s). */
  readonly timerIntervalMs?: number;
  /**
   * Where presence is kept (default: this process's memory). `redis.enabled` in the settings
   * needs the store built by the Node entry (`createServerFromConfig`).
   */
  readonly store?: PresenceStore;
  /**
   * MSC4495 selective presence (`experimental_features.msc4495_enabled`): its account data
   * routes, `/versions` flag and capability. `createRouter` should build its router
   * (`selectivePresence.createRouter`); the Node entry does.
   */
  readonly selectivePresence?: SelectivePresence;
}

/** A configured presence server; see the module documentation. */
export class PresenceServer {
  readonly serverName: string;
  readonly settings: ServerSettings;
  readonly app: Hono;
  readonly service: PresenceService;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  readonly federation: FederationSender;
  /** What the HTTP routes use (the Hono app's, and the Node fast path's). */
  readonly context: AppContext;
  readonly #syncHandler: SyncHandler;
  readonly #shutdown = new AbortController();
  readonly #close: (() => Promise<void> | void) | undefined;
  readonly #federation: Federation | undefined;
  readonly #unwatch: (() => void) | undefined;
  readonly #timerIntervalMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #lag = new EventLoopLag({
    intervalMs: 100,
    onSample: (lagMs) => this.service.streams.reportLag(lagMs),
  });
  #stopping: Promise<void> | undefined;
  #finalSyncs: { users: readonly string[]; position: number } | undefined;
  #stopped: Promise<void> | undefined;

  private constructor(
    options: PresenceServerOptions,
    parts: {
      logger: Logger;
      federation: FederationSender;
      metrics: ServerMetrics;
      service: PresenceService;
      membership: GuardedMembership;
    },
  ) {
    this.serverName = options.serverName;
    this.settings = options.settings;
    this.logger = parts.logger;
    this.federation = parts.federation;
    this.metrics = parts.metrics;
    this.service = parts.service;
    this.#close = options.close;
    this.#federation = options.federation;
    const timers = options.settings.timers;
    this.#timerIntervalMs =
      options.timerIntervalMs ??
      Math.min(
        5000,
        Math.max(1000, Math.min(timers.syncOnlineTimeoutMs, timers.idleTimeoutMs) / 10),
      );
    this.#syncHandler = new SyncHandler(this.service);
    const knownUsers = [
      ...new Set([...options.settings.accessTokens.values(), ...(options.knownUsers ?? [])]),
    ].sort();
    const context: AppContext = {
      serverName: options.serverName,
      service: this.service,
      syncHandler: this.#syncHandler,
      auth: new Authenticator({
        serverName: options.serverName,
        accessTokens: options.settings.accessTokens,
        appService: options.settings.appService,
        adminToken: options.settings.adminToken,
      }),
      rateLimiter: new RateLimiter(options.settings.rateLimit),
      metrics: this.metrics,
      logger: this.logger,
      editableMembership: options.editableMembership,
      knownUsers: () => knownUsers,
      maxRequestBodyBytes: options.settings.maxRequestBodyBytes,
      maxSyncTimeoutMs: options.settings.maxSyncTimeoutMs,
      livePage: options.settings.livePage,
      federation: options.federation,
      shutdownSignal: this.#shutdown.signal,
      selectivePresence: options.selectivePresence,
    };
    this.context = context;
    this.app = createApp(context);
    this.metrics.gauge(
      'presence_router_active_long_polls',
      'Sync requests waiting for presence right now.',
      () => this.service.streams.waitingCount,
    );
    this.metrics.gauge(
      'presence_router_syncing_users',
      'Users with a sync in progress.',
      () => this.service.syncingCount,
    );
    if (options.federation !== undefined)
      registerFederationMetrics(this.metrics, options.federation);
    this.metrics.gauge(
      'presence_router_sync_window_seconds',
      'The coalescing window of long-poll answers now (sync_batch_window, adapted to sync_answer_budget).',
      () => this.service.streams.windowMs / 1000,
    );
    this.metrics.gauge(
      'presence_router_event_loop_lag_seconds',
      'How late the event loop ran at the last sample (every 100 ms).',
      () => this.#lag.latestMs / 1000,
    );
    this.metrics.counterFrom(
      'presence_router_sync_answers_total',
      'Sync answers carrying presence.',
      () => this.service.streams.answerCount,
    );
    this.metrics.gauge(
      'presence_router_pending_updates',
      'Accepted presence changes waiting for a routing batch.',
      () => this.service.pipeline.pendingCount,
    );
    this.metrics.gauge(
      'presence_router_routing_batches_in_flight',
      'Routing batches running now.',
      () => this.service.pipeline.batchesInFlight,
    );
    this.metrics.gauge(
      'presence_router_failing_lookups',
      'Rooms and users whose membership lookup fails (their presence waits for a retry).',
      () => this.service.retries.size,
    );
    this.metrics.gauge(
      'presence_router_updates_waiting_for_retry',
      '(failing room or user, sender) pairs waiting for a retry.',
      () => this.service.retries.waitingUsers,
    );
    this.metrics.counterFrom(
      'presence_router_slow_lookups_total',
      'Membership lookups not answered in time (routed later).',
      () => parts.membership.slowKeys,
    );
    this.metrics.counterFrom(
      'presence_router_malformed_lookups_total',
      'Membership answers refused as malformed.',
      () => parts.membership.malformedAnswers,
    );
    this.metrics.gauge(
      'presence_router_sync_streams',
      'Users with a presence stream (synced at least once).',
      () => this.service.streams.size,
    );
    registerStoreMetrics(this.metrics, this.service);
    this.#unwatch = options.watchMembership?.((roomId, users) => {
      this.service.membershipChanged(roomId, users).catch((error: unknown) => {
        this.logger.error('could not share presence after a membership change', {
          roomId,
          error: messageOf(error),
        });
      });
    });
  }

  /**
   * Builds a server: routing modules are constructed with a `ModuleApi` whose
   * `sendLocalOnlinePresenceTo` reaches this server.
   * @throws ServerStartError `MODULE_SETUP_FAILED` when a module cannot be built.
   */
  static async create(options: PresenceServerOptions): Promise<PresenceServer> {
    const logger =
      options.logger ??
      new JsonLogger({
        level: options.settings.logLevel,
        write: (line) => {
          (globalThis as { console?: { log(s: string): void } }).console?.log(line.trimEnd());
        },
      });
    const federation = options.federation?.sender ?? new LoggingFederationSender(logger);
    const metrics = new ServerMetrics();
    // Every lookup of the server and its modules answers in bounded time.
    const membership = new GuardedMembership(options.membership, {
      answerWithinMs: options.settings.lookups.answerWithinMs,
    });
    let service: PresenceService | undefined;
    const api: HostModuleApi = {
      serverName: options.serverName,
      membership,
      sendLocalOnlinePresenceTo: async (users) => {
        if (service === undefined) {
          throw new ServerStartError(
            'MODULE_SETUP_FAILED',
            'sendLocalOnlinePresenceTo was called before the server started',
          );
        }
        await service.sendLocalOnlinePresenceTo(users);
      },
    };
    let router: PresenceRouter;
    try {
      router =
        (await options.createRouter?.({ membership, api, logger })) ??
        new PresenceRouter({ serverName: options.serverName, membership, logger });
    } catch (cause) {
      if (cause instanceof ConfigError) throw cause;
      throw new ServerStartError(
        'MODULE_SETUP_FAILED',
        `Could not set up the routing modules: ${messageOf(cause)}`,
        { cause },
      );
    }
    const store = options.store ?? new MemoryPresenceStore(options.settings.store.instanceName);
    if (options.store === undefined && options.settings.store.kind === 'redis') {
      throw new ServerStartError(
        'STORE_SETUP_FAILED',
        'redis.enabled needs the Redis store, which the Node entry builds (createServerFromConfig)',
      );
    }
    service = new PresenceService({
      store,
      serverName: options.serverName,
      router,
      membership,
      streams: new SyncStreams({
        coalesceMs: options.settings.syncBatchWindowMs,
        answerBudget: options.settings.syncAnswerBudget,
      }),
      timers: options.settings.timers,
      retryPolicy: options.settings.lookups.retry,
      federation,
      federates: options.settings.federation.enabled,
      metrics,
      logger,
      now: options.now,
    });
    const presence = service;
    try {
      await presence.start();
    } catch (cause) {
      await store.close();
      throw new ServerStartError(
        'STORE_SETUP_FAILED',
        `Could not load presence from the store: ${messageOf(cause)}`,
        { cause },
      );
    }
    options.federation?.connect((states, origin) => presence.acceptRemote(states, origin));
    return new PresenceServer(options, {
      logger,
      federation,
      metrics,
      service,
      membership,
    });
  }

  /** Gives federation queues a moment to send what the drain handed them, then closes them. */
  async #closeFederation(): Promise<void> {
    const federation = this.#federation;
    if (federation === undefined) return;
    await Promise.race([federation.idle(), new Promise((resolve) => setTimeout(resolve, 2000))]);
    await federation.close();
  }

  /** Aborted when shutdown begins. */
  get shutdownSignal(): AbortSignal {
    return this.#shutdown.signal;
  }

  /** Starts the presence timers (idle, sync timeout); they stop on shutdown. */
  startTimers(): void {
    if (this.#timer !== undefined || this.#shutdown.signal.aborted) return;
    this.#lag.start();
    this.#timer = setInterval(() => {
      this.service.sweepTimers().catch((error: unknown) => {
        this.logger.error('presence timers failed', { error: messageOf(error) });
      });
    }, this.#timerIntervalMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /**
   * Stops the presence timers (until {@link startTimers}); on a shared store the instance
   * then no longer renews the sync marks of the syncs it holds open.
   */
  stopTimers(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#lag.stop();
  }

  /**
   * Stops taking work, losing nothing accepted, in this order: stop the timers and refuse
   * writes (`PUT` answers 503 with `Retry-After`; `/health` says stopping); route and
   * deliver every accepted update (failing lookups get one last attempt); then answer every
   * waiting long-poll with everything delivered, and from then on answer syncs at once. Live
   * page streams end. The membership source stays open (requests still in flight may use
   * it) until {@link shutdown}.
   */
  stop(): Promise<void> {
    if (this.#stopping === undefined) {
      this.#stopping = (async () => {
        this.stopTimers();
        this.#unwatch?.();
        this.service.stopAccepting();
        this.#shutdown.abort();
        // Who syncs now (long-polls, or a sync in the last ten seconds) is owed a final answer.
        const streams = this.service.streams;
        const owed = streams.activeSince(this.service.now() - 10_000);
        const started = Date.now();
        const failing = await this.service.drain();
        this.logger.info('presence pipeline drained', {
          ms: Date.now() - started,
          failingLookups: failing,
        });
        this.#syncHandler.stop();
        this.service.dispose();
        this.#finalSyncs = { users: owed, position: streams.position };
      })();
    }
    return this.#stopping;
  }

  /**
   * After {@link stop}: resolves once every user who was syncing when it began has been
   * answered with everything delivered (a token at the final position), or after
   * `timeoutMs`. Returns how many were still owed an answer.
   */
  async finalSyncs(timeoutMs: number): Promise<number> {
    await this.stop();
    const final = this.#finalSyncs;
    if (final === undefined) return 0;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const owed = this.service.streams.unansweredAt(final.users, final.position);
      if (owed === 0 || Date.now() >= deadline) return owed;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** {@link stop}, then closes the membership source (databases, pollers). */
  shutdown(): Promise<void> {
    if (this.#stopped === undefined) {
      this.#stopped = (async () => {
        await this.stop();
        await this.#closeFederation();
        await this.service.store.close();
        await this.#close?.();
      })();
    }
    return this.#stopped;
  }
}
