/**
 * `LoadedConfig`: what `loadConfig` returns: the server name, excluded rooms, the presence
 * switch, the resolved routing modules with their parsed configuration, the warnings, the
 * parsed YAML itself (so an application validates its own keys from the same parse), and
 * the one wiring from configuration to a core `PresenceRouter`.
 *
 * @example
 * ```ts
 * const config = await loadConfigFile('/etc/presence-router/homeserver.yaml');
 * const mine = parseWithSchema(myAppSchema, config.source.value, { source: config.source });
 * const { router, moduleNames } = config.createPresenceRouter({ membership });
 * const result = await router.fanOut([userPresenceState('@alice:hs.example', { state: 'online' })]);
 * ```
 * @module
 */
import {
  type Logger,
  type MembershipSource,
  type ModuleApi,
  type PresencePolicy,
  PresenceRouter,
  type PresenceRouterModule,
} from '@presence-router/core';
import type { ConfigWarning } from './config-warning.ts';
import { instantiateRoutingModules } from './internal/module-instantiation.ts';
import type { LoadedRoutingModule } from './loaded-routing-module.ts';
import type { YamlSource } from './yaml-source.ts';

/**
 * What the host gives modules: a {@link ModuleApi} whose `registerPresenceRouterCallbacks` is
 * optional (each module gets its own, which collects its callbacks).
 */
export type ModuleApiHost = Omit<ModuleApi, 'registerPresenceRouterCallbacks'> &
  Partial<Pick<ModuleApi, 'registerPresenceRouterCallbacks'>>;

/** The routing modules a configuration's entries contribute, and what was skipped. */
export interface InstantiatedModules {
  /** Routing modules in configuration order, ready for core's `PresenceRouter`. */
  readonly modules: PresenceRouterModule[];
  /**
   * A name for logs of each of `modules`, at the same index: its `moduleName` when it has
   * one, else `module (path)`, e.g. `audit.AuditRouter (presence.routing_modules[0])`.
   */
  readonly moduleNames: readonly string[];
  /** Skipped entries (non-routing `modules:` entries), also sent to the logger. */
  readonly warnings: ConfigWarning[];
}

/** Options of {@link LoadedConfig.createPresenceRouter}. */
export interface CreatePresenceRouterOptions {
  /** Where room members come from, for the router and (unless `moduleApi` gives one) the modules. */
  readonly membership: MembershipSource;
  /**
   * The host's part of the `ModuleApi` the modules are constructed with (its `serverName` is
   * the router's). Without `sendLocalOnlinePresenceTo`, a module calling it gets a warning in
   * the log that this host delivers no presence snapshots.
   */
  readonly moduleApi?:
    | Partial<Pick<ModuleApi, 'sendLocalOnlinePresenceTo' | 'membership'>>
    | undefined;
  /** Receives routing warnings and module warnings; default: the logger given to `loadConfig`. */
  readonly logger?: Logger | undefined;
  /** This homeserver's name; default: the configuration's `server_name`. */
  readonly serverName?: string | undefined;
}

/** What {@link LoadedConfig.createPresenceRouter} builds. */
export interface ConfiguredPresenceRouter {
  /** Core's router, with the configuration's server name, excluded rooms, policy and modules. */
  readonly router: PresenceRouter;
  /** The routing modules the router runs, in order, each with its `moduleName`. */
  readonly modules: readonly PresenceRouterModule[];
  /** The names of `modules`, at the same index (what the router's logs call them). */
  readonly moduleNames: readonly string[];
  /** Skipped `modules:` entries that route no presence (also logged). */
  readonly warnings: readonly ConfigWarning[];
}

/** What {@link LoadedConfig} is built from (by `loadConfig`). */
export interface LoadedConfigParts {
  readonly serverName: string | undefined;
  readonly presenceEnabled: boolean;
  readonly presenceUntracked: boolean;
  readonly excludeRoomsFromPresence: readonly string[];
  readonly policy: PresencePolicy;
  readonly routingModules: readonly LoadedRoutingModule[];
  readonly warnings: readonly ConfigWarning[];
  readonly logger: Logger;
  readonly source: YamlSource;
}

/** A validated configuration with resolved modules. */
export class LoadedConfig {
  /** `server_name`, when the configuration sets it. */
  readonly serverName: string | undefined;
  /** `presence.enabled` (or Synapse's legacy `use_presence`); `true` when unset. */
  readonly presenceEnabled: boolean;
  /** `presence.enabled: untracked`: presence is served but local activity is not tracked. */
  readonly presenceUntracked: boolean;
  /**
   * Rooms left out of default presence routing: the top-level `exclude_rooms_from_presence`
   * (Synapse's key) followed by `presence.exclude_rooms_from_presence`, each room once.
   */
  readonly excludeRoomsFromPresence: readonly string[];
  /**
   * The operator's subtractive rules from `presence:` — `default_routing`, `local_only`,
   * `max_room_size`, `deny: { users, rooms, servers }` — as core's `PresencePolicy` (only the
   * keys set; `{}` when none is: Synapse's behaviour). `createPresenceRouter` gives it to the
   * router.
   */
  readonly policy: PresencePolicy;
  /**
   * The routing modules in order: `presence.presence_router` (legacy), then
   * `presence.routing_modules`, then the top-level `modules:` list.
   */
  readonly routingModules: readonly LoadedRoutingModule[];
  /** Warnings found while loading (unknown keys inside `presence` and module entries). */
  readonly warnings: readonly ConfigWarning[];
  /**
   * The parsed YAML: validate the application's own keys from it (`parseWithSchema(schema,
   * config.source.value, { source: config.source })`) rather than parsing the text again.
   */
  readonly source: YamlSource;
  /** The source label given to `loadConfig` (the file name, for `loadConfigFile`). */
  readonly sourceName: string | undefined;
  readonly #logger: Logger;

  constructor(parts: LoadedConfigParts) {
    this.serverName = parts.serverName;
    this.presenceEnabled = parts.presenceEnabled;
    this.presenceUntracked = parts.presenceUntracked;
    this.excludeRoomsFromPresence = Object.freeze([...parts.excludeRoomsFromPresence]);
    this.policy = Object.freeze({ ...parts.policy });
    this.routingModules = Object.freeze([...parts.routingModules]);
    this.warnings = Object.freeze([...parts.warnings]);
    this.source = parts.source;
    this.sourceName = parts.source.sourceName;
    this.#logger = parts.logger;
  }

  /**
   * Constructs every module with `(config, moduleApi)` and returns the routing modules, their
   * names and the warnings for skipped `modules:` entries. Each call constructs new
   * instances. Throws {@link ConfigError} `INVALID_MODULE` or `MODULE_INIT_FAILED`, located at
   * the entry; a `ConfigError` a constructor throws is relocated under the entry's `config`.
   */
  instantiate(api: ModuleApiHost, logger: Logger = this.#logger): InstantiatedModules {
    return instantiateRoutingModules(this.routingModules, api, {
      logger,
      locate: (path) => this.source.locateNearest(path),
    });
  }

  /** {@link LoadedConfig.instantiate}, returning only the routing modules. */
  instantiateModules(api: ModuleApiHost, logger: Logger = this.#logger): PresenceRouterModule[] {
    return this.instantiate(api, logger).modules;
  }

  /**
   * The one wiring from this configuration to a core `PresenceRouter`: constructs the modules
   * (as {@link LoadedConfig.instantiate}) with `options.moduleApi`, the server name and the
   * membership source, then builds the router with the membership source, the logger, the
   * excluded rooms, the policy and the modules, each named for the router's logs. Throws
   * {@link ConfigError} `MISSING_KEY` when neither the configuration nor the options name the
   * server, and what {@link LoadedConfig.instantiate} throws.
   */
  createPresenceRouter(options: CreatePresenceRouterOptions): ConfiguredPresenceRouter {
    const serverName = options.serverName ?? this.serverName;
    if (serverName === undefined) {
      throw this.source.errorAt(
        'MISSING_KEY',
        ['server_name'],
        'no server name: set server_name in the configuration or pass serverName to createPresenceRouter',
      );
    }
    const logger = options.logger ?? this.#logger;
    const host = options.moduleApi;
    const sendLocalOnlinePresenceTo = async (users: Iterable<string>): Promise<void> => {
      if (host?.sendLocalOnlinePresenceTo !== undefined) {
        return host.sendLocalOnlinePresenceTo(users);
      }
      logger.warn(
        'A module called sendLocalOnlinePresenceTo, but this host delivers no presence snapshots (pass moduleApi.sendLocalOnlinePresenceTo to createPresenceRouter)',
        { users: [...users] },
      );
    };
    const instantiated = this.instantiate(
      {
        serverName,
        membership: host?.membership ?? options.membership,
        sendLocalOnlinePresenceTo,
      },
      logger,
    );
    const { moduleNames, modules } = instantiated;
    // The router names the modules in its logs and explanations; the modules stay as built.
    const router = new PresenceRouter({
      serverName,
      membership: options.membership,
      modules,
      logger,
      excludeRoomsFromPresence: this.excludeRoomsFromPresence,
      policy: this.policy,
      moduleNames,
    });
    return { router, modules, moduleNames, warnings: instantiated.warnings };
  }
}
