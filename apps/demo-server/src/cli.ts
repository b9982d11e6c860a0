/**
 * The `presence-router` command line:
 *
 * ```
 * presence-router serve [--config <file>] [--host <addr>] [--port <n>]
 * presence-router check <config>
 * presence-router explain --config <file> --from <@user> --to <@user> [--json]
 * ```
 *
 * Exit codes: 0 success; 1 invalid configuration, a server that could not start, or a failed
 * explanation; 2 wrong usage.
 *
 * @example
 * ```ts
 * const code = await runCli(['check', 'homeserver.yaml'], { stdout, stderr });
 * ```
 * @module
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, DEFAULT_YAML_LIMITS, formatConfigWarning } from '@presence-router/config';
import { assertUserId, PresenceRouterError, userPresenceState } from '@presence-router/core';
import { MembershipError } from '@presence-router/membership';
import {
  createDemoDatabase,
  DEMO_ADMIN_TOKEN,
  DEMO_LARGE_ROOM,
  DEMO_TOKENS,
  embeddedConfigYaml,
} from './demo-database.ts';
import { CliUsageError, messageOf, ServerStartError } from './errors.ts';
import { JsonLogger } from './json-logger.ts';
import { createServerFromConfig, loadServerConfig, type ServerConfig } from './load-server.ts';
import { openMembership } from './membership-from-settings.ts';
import { listen } from './node-listener.ts';
import { openSelectivePresence } from './selective-presence.ts';

/** Where the CLI writes, and how it waits for a stop signal (injectable for tests). */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Resolves when the server should stop (default: SIGTERM or SIGINT). */
  readonly stopSignal?: Promise<string>;
  /** Told the URL once `serve` listens. */
  readonly onListening?: (url: string) => void;
}

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The help text. */
export const HELP = `presence-router — a Matrix presence server with routing modules

Usage:
  presence-router serve [--config <file>] [--host <addr>] [--port <n>]
      Serve the Matrix client-server presence API, the admin API, /metrics and the live
      page. Without --config: the embedded demo (a Synapse-schema SQLite database with demo
      users and rooms, the ExamplePresenceRouter) on 127.0.0.1:8008.
  presence-router check <config>
      Validate a configuration file. Errors are printed as file:line:column: path: message.
  presence-router explain --config <file> --from <@user:server> --to <@user:server> [--json]
      Explain why the --to user does or does not receive the --from user's presence.
  presence-router --help

Exit codes:
  0  success (check: the configuration is valid)
  1  invalid configuration, the server could not start, or the explanation failed
  2  wrong usage (unknown command or option, missing argument)
`;

/** Runs the CLI with `args` (without `node` and the script); resolves to the exit code. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  try {
    const [command, ...rest] = args;
    switch (command) {
      case undefined:
        throw new CliUsageError('a command is required: serve, check or explain');
      case '--help':
      case '-h':
      case 'help':
        io.stdout(HELP);
        return EXIT_OK;
      case 'serve':
        return await serveCommand(rest, io);
      case 'check':
        return await checkCommand(rest, io);
      case 'explain':
        return await explainCommand(rest, io);
      default:
        throw new CliUsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.stderr(`presence-router: ${error.message}\nRun presence-router --help for usage.\n`);
      return EXIT_USAGE;
    }
    if (error instanceof ConfigError) {
      io.stderr(configErrorText(error));
      return EXIT_FAILURE;
    }
    if (
      error instanceof ServerStartError ||
      error instanceof MembershipError ||
      error instanceof PresenceRouterError
    ) {
      io.stderr(`presence-router: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    io.stderr(`presence-router: unexpected error: ${messageOf(error)}\n`);
    return EXIT_FAILURE;
  }
}

/** At most this many of a check's further problems are printed. */
const MORE_PROBLEMS_SHOWN = 20;

/** `error`'s message, then those of the other problems the same check found, a line each. */
function configErrorText(error: ConfigError): string {
  const lines = [error.message];
  for (const other of error.more.slice(0, MORE_PROBLEMS_SHOWN)) lines.push(other.message);
  const hidden = error.more.length - MORE_PROBLEMS_SHOWN;
  if (hidden > 0) lines.push(`... and ${hidden} more problem${hidden === 1 ? '' : 's'}`);
  return `${lines.join('\n')}\n`;
}

function parse(
  args: readonly string[],
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>,
  allowPositionals: boolean,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const parsed = parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
    return {
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
    };
  } catch (error) {
    throw new CliUsageError(messageOf(error), { cause: error });
  }
}

async function readConfigFile(path: string, logger?: JsonLogger): Promise<ServerConfig> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readAtMost(absolute, DEFAULT_YAML_LIMITS.maxBytes);
  } catch (cause) {
    const reason =
      (cause as { code?: string }).code === 'ENOENT' ? 'no such file' : messageOf(cause);
    throw new ConfigError('FILE_UNREADABLE', `cannot read the configuration file: ${reason}`, {
      sourceName: path,
      cause,
    });
  }
  return loadServerConfig(text, { sourceName: path, baseDir: dirname(absolute), logger });
}

/**
 * The file's text, read no further than one byte past `maxBytes` (a larger file is refused
 * as too large by the loader without being read whole).
 */
async function readAtMost(path: string, maxBytes: number): Promise<string> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await file.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await file.close();
  }
}

function port(value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new CliUsageError(
      `--port must be a number from 0 to 65535, found ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

function stopSignal(): Promise<string> {
  return new Promise((resolveSignal) => {
    const onSignal = (signal: string): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolveSignal(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

async function serveCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(
    args,
    { config: { type: 'string', short: 'c' }, host: { type: 'string' }, port: { type: 'string' } },
    false,
  );
  if (values.help) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  const logger = new JsonLogger({ level: 'info', write: io.stdout });
  let config: ServerConfig;
  let demoDir: string | undefined;
  if (typeof values.config === 'string') {
    config = await readConfigFile(values.config, logger);
  } else {
    demoDir = await mkdtemp(join(tmpdir(), 'presence-router-demo-'));
    const database = await createDemoDatabase(join(demoDir, 'homeserver.db'));
    config = await loadServerConfig(embeddedConfigYaml(database.path), {
      sourceName: '<embedded default>',
      logger,
    });
  }
  const cleanup = async (): Promise<void> => {
    if (demoDir !== undefined) await rm(demoDir, { recursive: true, force: true });
  };
  let running: Awaited<ReturnType<typeof listen>>;
  try {
    const server = await createServerFromConfig(config, {
      logger: new JsonLogger({ level: config.settings.logLevel, write: io.stdout }),
    });
    try {
      running = await listen(server, {
        host: typeof values.host === 'string' ? values.host : undefined,
        port: port(values.port),
        // For measuring the Node fast path against the plain Hono app (bench/load.ts).
        hotRoutes: process.env.PRESENCE_ROUTER_HOT_ROUTES !== 'off',
      });
    } catch (error) {
      await server.shutdown();
      throw error;
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  io.stdout(banner(running.url, config, demoDir !== undefined));
  io.onListening?.(running.url);
  const signal = await (io.stopSignal ?? stopSignal());
  logger.info('shutting down', { signal });
  await running.close();
  await cleanup();
  return EXIT_OK;
}

function livePageLine(url: string, config: ServerConfig, embedded: boolean): string {
  switch (config.settings.livePage) {
    case 'off':
      return '  live page:  disabled (live_page: false)';
    case 'public':
      return `  live page:  ${url}/ (public: anyone who can reach the port sees everyone's presence)`;
    case 'admin':
      return embedded
        ? `  live page:  ${url}/?access_token=${DEMO_ADMIN_TOKEN}`
        : `  live page:  ${url}/?access_token=<admin_token>`;
  }
}

function banner(url: string, config: ServerConfig, embedded: boolean): string {
  const lines = [
    '',
    `presence-router is listening on ${url} (server_name ${config.serverName})`,
    livePageLine(url, config, embedded),
    `  metrics:    ${url}/metrics`,
  ];
  if (embedded) {
    lines.push(
      '',
      `Embedded demo: a Synapse-schema SQLite database with ${Object.keys(DEMO_TOKENS).length} demo users,`,
      `rooms !lobby, !ops, !quiet (excluded from presence) and ${DEMO_LARGE_ROOM} (5,000+ members);`,
      "the ExamplePresenceRouter sends everything to @auditor and dave's presence to !lobby.",
      '',
      'Access tokens:',
      ...Object.entries(DEMO_TOKENS).map(([user, token]) => `  ${user.padEnd(22)} ${token}`),
      `  admin API              ${DEMO_ADMIN_TOKEN}`,
      '',
      'Try:',
      `  curl -X PUT -H 'Authorization: Bearer alice-demo-token' -d '{"presence":"online","status_msg":"hi"}' \\`,
      `    '${url}/_matrix/client/v3/presence/@alice:demo.local/status'`,
      `  curl -H 'Authorization: Bearer bob-demo-token' '${url}/_matrix/client/v3/sync?timeout=0'`,
      '  # long-poll as the auditor from the current position (answers within 30 s, or on news):',
      `  since=$(curl -s -H 'Authorization: Bearer auditor-demo-token' '${url}/_matrix/client/v3/sync?timeout=0' | sed -E 's/.*"next_batch":"([^"]+)".*/\\1/'); \\`,
      `    curl -H 'Authorization: Bearer auditor-demo-token' "${url}/_matrix/client/v3/sync?timeout=30000&since=$since"`,
      `  curl -H 'Authorization: Bearer ${DEMO_ADMIN_TOKEN}' '${url}/_presence_router/admin/v1/explain?from=@dave:demo.local&to=@alice:demo.local'`,
      `  curl -X POST -H 'Authorization: Bearer ${DEMO_ADMIN_TOKEN}' -d '{"users":["@bob:demo.local"]}' \\`,
      `    '${url}/_presence_router/admin/v1/send_local_online_presence_to'`,
    );
  }
  lines.push('', 'Stop with Ctrl-C (SIGINT) or SIGTERM.', '');
  return `${lines.join('\n')}\n`;
}

async function checkCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {}, true);
  if (values.help) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 1) {
    throw new CliUsageError(
      'check takes exactly one configuration file: presence-router check <config>',
    );
  }
  const path = positionals[0] as string;
  const warnings: string[] = [];
  const config = await readConfigFile(path);
  for (const warning of config.routing.warnings) warnings.push(formatConfigWarning(warning));
  // Constructing the modules checks what parseConfig alone cannot.
  const { modules } = config.routing.instantiate({
    serverName: config.serverName,
    sendLocalOnlinePresenceTo: async () => {},
  });
  for (const warning of warnings) io.stderr(`warning: ${warning}\n`);
  const membership = config.settings.membership;
  const store = config.settings.store;
  const storeText =
    store.kind === 'redis'
      ? `; presence in redis ${store.host}:${store.port}/${store.dbid} (${store.keyPrefix})`
      : '';
  io.stdout(
    `${path}: valid (server_name ${config.serverName}; ${modules.length} routing module${modules.length === 1 ? '' : 's'}; membership: ${membership.kind}; listening on ${config.settings.listen.host}:${config.settings.listen.port}${storeText})\n`,
  );
  return EXIT_OK;
}

async function explainCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(
    args,
    {
      config: { type: 'string', short: 'c' },
      from: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean' },
    },
    false,
  );
  if (values.help) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  for (const name of ['config', 'from', 'to'] as const) {
    if (typeof values[name] !== 'string') {
      throw new CliUsageError(
        `explain needs --${name}: presence-router explain --config <file> --from <@user> --to <@user>`,
      );
    }
  }
  const logger = new JsonLogger({ level: 'error', write: io.stderr });
  const config = await readConfigFile(values.config as string, logger);
  const membership = await openMembership(config.settings.membership, config.serverName, logger);
  // With MSC4495 on, the server routes through its selective presence module (users' settings
  // from the store: with Redis, what the running servers hold).
  const selective = config.settings.experimentalFeatures.msc4495Enabled
    ? await openSelectivePresence({
        serverName: config.serverName,
        store: config.settings.store,
        hints: membership.hints,
        logger,
        federation: false,
      })
    : undefined;
  try {
    // The same wiring from configuration to router as the server's.
    const moduleApi = { sendLocalOnlinePresenceTo: async () => {} };
    const router =
      selective?.createRouter(config.routing, {
        membership: membership.source,
        api: { serverName: config.serverName, membership: membership.source, ...moduleApi },
        logger,
      }) ??
      config.routing.createPresenceRouter({ membership: membership.source, moduleApi, logger })
        .router;
    const from = values.from as string;
    const explanation = await router.explain(
      from,
      values.to as string,
      userPresenceState(assertUserId(from), { state: 'online' }),
    );
    if (values.json) {
      io.stdout(`${JSON.stringify(explanation, null, 2)}\n`);
    } else {
      const lines = [explanation.summary];
      if (explanation.sharedRooms.length > 0)
        lines.push(`  shared rooms: ${explanation.sharedRooms.join(', ')}`);
      if (explanation.excludedSharedRooms.length > 0) {
        lines.push(
          `  shared but excluded from presence: ${explanation.excludedSharedRooms.join(', ')}`,
        );
      }
      for (const denial of explanation.denials) lines.push(`  ${denial}`);
      for (const limit of explanation.limits) lines.push(`  ${limit}`);
      for (const verdict of explanation.modules) {
        const parts = [
          verdict.routesUpdates ? 'routes the updates' : 'does not route the updates',
          verdict.interested === 'all'
            ? 'read side: interested in everyone'
            : verdict.interested
              ? 'read side: interested'
              : 'read side: not interested',
          ...verdict.rules,
          ...verdict.denies.map((denial) => `denies ${denial}`),
          ...(verdict.error ? [`failed: ${verdict.error}`] : []),
        ];
        lines.push(`  module ${verdict.module}: ${parts.join('; ')}`);
      }
      io.stdout(`${lines.join('\n')}\n`);
    }
    return EXIT_OK;
  } finally {
    await selective?.close();
    await membership.close();
  }
}
