/**
 * From YAML to a running `PresenceServer`: `loadServerConfig` validates the whole file
 * (routing through `@presence-router/config`'s `loadConfig` with the example router
 * registered, the server's own keys through `parseServerSettings`), and
 * `createServerFromConfig` opens the membership source and builds the server.
 *
 * @example
 * ```ts
 * const config = await loadServerConfig(text, { sourceName: 'homeserver.yaml', baseDir: '/etc/pr' });
 * const server = await createServerFromConfig(config);
 * ```
 * @module
 */
import { type LoadedConfig, loadConfig, ModuleRegistry } from '@presence-router/config';
import type { Logger } from '@presence-router/core';
import { registerExampleRouter } from '@presence-router/example-router';
import { messageOf, ServerStartError } from './errors.ts';
import { openFederation } from './federation-node.ts';
import type { Federation } from './federation-wiring.ts';
import { JsonLogger } from './json-logger.ts';
import { type MembershipHandle, openMembership } from './membership-from-settings.ts';
import { PresenceServer } from './presence-server.ts';
import type { PresenceStore } from './presence-store.ts';
import { RedisPresenceStore } from './redis-presence-store.ts';
import { openSelectivePresence, type SelectivePresence } from './selective-presence.ts';
import { parseServerSettings, type ServerSettings, type StoreSettings } from './server-settings.ts';

/** A validated server configuration. */
export interface ServerConfig {
  readonly serverName: string;
  readonly settings: ServerSettings;
  /** The routing part, as `@presence-router/config` loaded it. */
  readonly routing: LoadedConfig;
  readonly sourceName: string | undefined;
}

/** Options of {@link loadServerConfig}. */
export interface LoadServerConfigOptions {
  /** The file name, for messages (`homeserver.yaml:12:5: ...`). */
  readonly sourceName?: string;
  /** Relative paths (SQLite file, module files) resolve against this directory. */
  readonly baseDir?: string;
  /** Modules by name; default: a registry with the example router. */
  readonly registry?: ModuleRegistry;
  /** Receives configuration warnings. */
  readonly logger?: Logger;
}

/** A registry with the example router's names registered. */
export function defaultRegistry(): ModuleRegistry {
  return registerExampleRouter(new ModuleRegistry());
}

/**
 * Validates a server configuration.
 * @throws ConfigError with file, line, column and path.
 */
export async function loadServerConfig(
  text: string,
  options: LoadServerConfigOptions = {},
): Promise<ServerConfig> {
  const routing = await loadConfig(text, {
    sourceName: options.sourceName,
    registry: options.registry ?? defaultRegistry(),
    baseDir: options.baseDir,
    logger: options.logger,
  });
  // The one parse of the file: the server's own keys are read from the same source.
  const source = routing.source;
  if (routing.serverName === undefined) {
    throw source.errorAt(
      'MISSING_KEY',
      ['server_name'],
      'server_name is required (e.g. server_name: example.org)',
    );
  }
  const settings = parseServerSettings(source, {
    baseDir: options.baseDir,
    serverName: routing.serverName,
  });
  return { serverName: routing.serverName, settings, routing, sourceName: options.sourceName };
}

/** Options of {@link createServerFromConfig}. */
export interface CreateServerOptions {
  readonly logger?: Logger;
  /** Overrides the configured port (0: any free port). */
  readonly port?: number;
  /** Called on shutdown after the membership source is closed. */
  readonly onClose?: () => Promise<void> | void;
}

/** Opens the membership source and builds the server (not yet listening). */
export async function createServerFromConfig(
  config: ServerConfig,
  options: CreateServerOptions = {},
): Promise<PresenceServer> {
  const logger =
    options.logger ??
    new JsonLogger({
      level: config.settings.logLevel,
      write: (line) => process.stdout.write(line),
    });
  const membership: MembershipHandle = await openMembership(
    config.settings.membership,
    config.serverName,
    logger,
    config.settings.lookups.timeoutMs,
  );
  const settings: ServerSettings =
    options.port === undefined
      ? config.settings
      : { ...config.settings, listen: { ...config.settings.listen, port: options.port } };
  let federation: Federation | undefined;
  let store: PresenceStore | undefined;
  let selective: SelectivePresence | undefined;
  try {
    store = await openStore(settings.store, logger);
    selective = settings.experimentalFeatures.msc4495Enabled
      ? await openSelectivePresence({
          serverName: config.serverName,
          store: settings.store,
          hints: membership.hints,
          logger,
          federation: settings.federation.enabled,
        })
      : undefined;
    const selectivePresence = selective;
    federation = settings.federation.enabled
      ? await openFederation(
          config.serverName,
          settings.federation,
          logger,
          selectivePresence?.entryExtensions(),
        )
      : undefined;
    if (federation !== undefined) selectivePresence?.connectFederation(federation);
    const server = await PresenceServer.create({
      serverName: config.serverName,
      settings,
      federation,
      store,
      membership: membership.source,
      editableMembership: membership.editable,
      // MSC4495: the room's members' recipient sets follow a membership change.
      watchMembership:
        selectivePresence === undefined || membership.watch === undefined
          ? membership.watch
          : selectivePresence.watching(membership.watch),
      // The one wiring from configuration to router (the CLI's explain uses it too).
      // MSC4495: the same modules, behind the selective presence module (default_routing off).
      createRouter: (parts) =>
        selectivePresence?.createRouter(config.routing, parts) ??
        config.routing.createPresenceRouter({
          membership: parts.membership,
          moduleApi: parts.api,
          logger: parts.logger,
        }).router,
      selectivePresence,
      knownUsers: membership.knownUsers,
      logger,
      close: async () => {
        await selectivePresence?.close();
        await membership.close();
        await options.onClose?.();
      },
    });
    // A viewer an MSC4495 sender dropped loses the read-side interest its last sync computed.
    selectivePresence?.onInterestDropped((users) => server.service.refreshInterest(users));
    logger.info('presence server configured', {
      serverName: config.serverName,
      membership: membership.description,
      routingModules: config.routing.routingModules.map((entry) => entry.module),
      federation: settings.federation.enabled
        ? {
            signingKey: settings.federation.signingKeyPath,
            destinations: settings.federation.destinations,
          }
        : 'disabled',
      msc4495: settings.experimentalFeatures.msc4495Enabled,
    });
    return server;
  } catch (error) {
    await federation?.close();
    await selective?.close();
    await store?.close();
    await membership.close();
    throw error;
  }
}

/**
 * The configured presence store: undefined for memory (the server's default), a connected
 * Redis store for `redis.enabled`.
 * @throws ServerStartError `STORE_SETUP_FAILED` when Redis cannot be reached.
 */
async function openStore(
  settings: StoreSettings,
  logger: Logger,
): Promise<PresenceStore | undefined> {
  if (settings.kind === 'memory') return undefined;
  try {
    const store = await RedisPresenceStore.connect({ ...settings, logger });
    logger.info('presence store: redis', {
      redis: `${settings.host}:${settings.port}/${settings.dbid}`,
      keyPrefix: settings.keyPrefix,
      instance: store.instanceName,
    });
    return store;
  } catch (cause) {
    throw new ServerStartError(
      'STORE_SETUP_FAILED',
      `Could not connect to Redis at ${settings.host}:${settings.port} (redis.enabled): ${messageOf(cause)}`,
      { cause },
    );
  }
}
