/**
 * `LoadedConfig`: what `loadConfig` returns: the server name, excluded rooms, the presence
 * switch, the resolved routing modules with their parsed configuration, the warnings, and
 * ways to construct the modules and a ready `PresenceRouter`.
 *
 * @example
 * ```ts
 * const config = await loadConfig(yamlText, { registry });
 * const router = config.createPresenceRouter({ membership });
 * const result = await router.fanOut([userPresenceState('@alice:hs.example', { state: 'online' })]);
 * ```
 * @module
 */
import {
  type Logger,
  type MembershipSource,
  PresenceRouter,
  type PresenceRouterModule,
} from '@presence-router/core';
import type { ConfigWarning } from './config-warning.ts';
import { ConfigError } from './errors.ts';
import {
  type InstantiatedModules,
  instantiateRoutingModules,
  type LoadedRoutingModule,
  type ModuleApiHost,
} from './module-instantiation.ts';
import type { YamlSource } from './yaml-source.ts';

/** The parts of a loaded configuration. */
export interface LoadedConfigParts {
  readonly serverName: string | undefined;
  readonly presenceEnabled: boolean;
  readonly presenceUntracked: boolean;
  readonly excludeRoomsFromPresence: readonly string[];
  readonly routingModules: readonly LoadedRoutingModule[];
  readonly warnings: readonly ConfigWarning[];
  readonly sourceName: string | undefined;
  readonly logger: Logger;
  /** The parsed source, to locate errors that modules raise when constructed. */
  readonly source?: YamlSource | undefined;
}

/** Options of {@link LoadedConfig.createPresenceRouter}. */
export interface CreatePresenceRouterOptions {
  /** Where room members come from. */
  readonly membership: MembershipSource;
  /** Receives routing warnings and module warnings; default: the logger given to `loadConfig`. */
  readonly logger?: Logger | undefined;
  /**
   * What modules' `sendLocalOnlinePresenceTo` does; default: logs a warning that the host
   * delivers no snapshots.
   */
  readonly sendLocalOnlinePresenceTo?: ((users: Iterable<string>) => Promise<void>) | undefined;
  /** This homeserver's name; default: the configuration's `server_name`. */
  readonly serverName?: string | undefined;
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
   * The routing modules in order: `presence.presence_router` (legacy), then
   * `presence.routing_modules`, then the top-level `modules:` list.
   */
  readonly routingModules: readonly LoadedRoutingModule[];
  /** Warnings found while loading (unknown keys inside `presence` and module entries). */
  readonly warnings: readonly ConfigWarning[];
  /** The source label given to `loadConfig`. */
  readonly sourceName: string | undefined;
  readonly #logger: Logger;
  readonly #source: YamlSource | undefined;

  constructor(parts: LoadedConfigParts) {
    this.serverName = parts.serverName;
    this.presenceEnabled = parts.presenceEnabled;
    this.presenceUntracked = parts.presenceUntracked;
    this.excludeRoomsFromPresence = Object.freeze([...parts.excludeRoomsFromPresence]);
    this.routingModules = Object.freeze([...parts.routingModules]);
    this.warnings = Object.freeze([...parts.warnings]);
    this.sourceName = parts.sourceName;
    this.#logger = parts.logger;
    this.#source = parts.source;
  }

  /**
   * Constructs every module with `(config, moduleApi)` and returns the routing modules and
   * the warnings for skipped `modules:` entries. Each call constructs new instances. Throws
   * {@link ConfigError} `INVALID_MODULE` or `MODULE_INIT_FAILED`, located at the entry; a
   * `ConfigError` a constructor throws is relocated under the entry's `config`.
   */
  instantiate(api: ModuleApiHost, logger: Logger = this.#logger): InstantiatedModules {
    const source = this.#source;
    return instantiateRoutingModules(this.routingModules, api, {
      logger,
      locate: source && ((path) => source.locateNearest(path)),
    });
  }

  /** {@link LoadedConfig.instantiate}, returning only the routing modules. */
  instantiateModules(api: ModuleApiHost, logger: Logger = this.#logger): PresenceRouterModule[] {
    return this.instantiate(api, logger).modules;
  }

  /**
   * A core `PresenceRouter` with this configuration's server name, excluded rooms and
   * modules (constructed with a module API built from `options`). Throws {@link ConfigError}
   * `MISSING_KEY` when there is no server name in the configuration or the options.
   */
  createPresenceRouter(options: CreatePresenceRouterOptions): PresenceRouter {
    const serverName = options.serverName ?? this.serverName;
    if (serverName === undefined) {
      throw new ConfigError(
        'MISSING_KEY',
        'no server name: set server_name in the configuration or pass serverName to createPresenceRouter',
        { path: ['server_name'], sourceName: this.sourceName },
      );
    }
    const logger = options.logger ?? this.#logger;
    const sendLocalOnlinePresenceTo =
      options.sendLocalOnlinePresenceTo ??
      (async (users: Iterable<string>) => {
        logger.warn(
          'A module called sendLocalOnlinePresenceTo, but this host delivers no presence snapshots (pass sendLocalOnlinePresenceTo to createPresenceRouter)',
          { users: [...users] },
        );
      });
    const modules = this.instantiateModules(
      { serverName, membership: options.membership, sendLocalOnlinePresenceTo },
      logger,
    );
    return new PresenceRouter({
      serverName,
      membership: options.membership,
      modules,
      logger,
      excludeRoomsFromPresence: this.excludeRoomsFromPresence,
    });
  }
}
