/**
 * The demo server's own configuration keys, in homeserver style, validated with zod through
 * `@presence-router/config`'s helpers so every error carries file:line:column and the path.
 * (`server_name` and `presence.routing_modules` are read by `@presence-router/config`'s
 * `loadConfig`; this file reads everything else.)
 *
 * ```yaml
 * server_name: demo.local
 * listeners: [{ port: 8008, bind_addresses: ['127.0.0.1'], type: http }]
 * access_tokens: { '@alice:demo.local': alice-token }
 * app_service: { token: as-token, sender_localpart: presence-bridge }
 * admin_token: admin-token
 * presence: { sync_online_timeout: 30s, idle_timeout: 5m, routing_modules: [...] }
 * rc_presence: { per_user: { per_second: 1, burst_count: 5 } }
 * max_request_body_size: 64K
 * membership: { rooms: { '!lobby:demo.local': ['@alice:demo.local'] } }
 * ```
 *
 * @example
 * ```ts
 * const source = parseYamlSource(text, 'homeserver.yaml');
 * const settings = parseServerSettings(source, { baseDir: '/etc/presence' });
 * settings.listen; // { host: '127.0.0.1', port: 8008 }
 * ```
 * @module
 */
import { ConfigError, parseWithSchema, type YamlSource } from '@presence-router/config';
import {
  roomIdProblem,
  serverNameOf,
  serverNameProblem,
  userIdProblem,
} from '@presence-router/core';
import { z } from 'zod';
import type { LogLevel } from './json-logger.ts';
import { DEFAULT_PRESENCE_TIMERS, type PresenceTimerSettings } from './presence-rules.ts';
import type { RateLimitSettings } from './rate-limiter.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './routing-retries.ts';

/** Where room membership comes from. */
export type MembershipSettings =
  | {
      readonly kind: 'rooms';
      readonly rooms: ReadonlyMap<string, readonly string[]>;
      /**
       * MSC4495 room hints of inline rooms (`membership.presence_sharing`), as an
       * `m.room.presence_sharing` state event would give them; present only when configured.
       */
      readonly presenceSharing?: ReadonlyMap<string, 'suggest' | 'forbid'>;
    }
  | { readonly kind: 'sqlite'; readonly path: string; readonly pollIntervalMs: number }
  | { readonly kind: 'postgres'; readonly url: string; readonly pollIntervalMs: number }
  | {
      readonly kind: 'http';
      readonly baseUrl: string;
      readonly accessToken: string;
      /** `admin`: Synapse admin API (every room and user); `user`: client-server API. */
      readonly auth: 'admin' | 'user';
    };

/** How membership lookups are bounded and retried. */
export interface LookupSettings {
  /** The longest one lookup may take at the source, retries included (ms). */
  readonly timeoutMs: number;
  /** How long a batch waits for a slow lookup before routing the rest (ms). */
  readonly answerWithinMs: number;
  /** Backoff of retries of what failed lookups left unrouted. */
  readonly retry: RetryPolicy;
}

/** Default of `sync_batch_window`. */
export const DEFAULT_SYNC_BATCH_WINDOW_MS = 50;

/**
 * Default of `sync_answer_budget`: about what one server process and its clients on 2 cores
 * sustain (see the README's load figures).
 */
export const DEFAULT_SYNC_ANSWER_BUDGET = 10_000;

/** Defaults of {@link LookupSettings}. */
export const DEFAULT_LOOKUP_SETTINGS: LookupSettings = {
  timeoutMs: 5000,
  answerWithinMs: 250,
  retry: DEFAULT_RETRY_POLICY,
};

/** The demo server's settings (everything but routing, which `loadConfig` reads). */
export interface ServerSettings {
  readonly listen: { readonly host: string; readonly port: number };
  /** Access token -> user ID. */
  readonly accessTokens: ReadonlyMap<string, string>;
  readonly appService:
    | { readonly token: string; readonly senderLocalpart: string | undefined }
    | undefined;
  readonly adminToken: string | undefined;
  readonly timers: PresenceTimerSettings;
  readonly rateLimit: RateLimitSettings;
  readonly maxRequestBodyBytes: number;
  /** Longest `/sync` long-poll honoured, in ms. */
  readonly maxSyncTimeoutMs: number;
  /** Shortest time between two answers to one user's long-polls, in ms (see `SyncStreams`). */
  readonly syncBatchWindowMs: number;
  /** Answers per second all long-polls together should stay under; the window grows to fit. */
  readonly syncAnswerBudget: number;
  /** The live page: off, on behind the admin token, or public (demos). */
  readonly livePage: LivePageAccess;
  readonly logLevel: LogLevel;
  readonly membership: MembershipSettings;
  readonly lookups: LookupSettings;
  readonly federation: FederationSettings;
  readonly store: StoreSettings;
  /** Synapse's `experimental_features` block: the MSCs turned on. */
  readonly experimentalFeatures: ExperimentalFeatures;
}

/** Unstable features (Synapse's `experimental_features`), each off by default. */
export interface ExperimentalFeatures {
  /** MSC4495 Selective Presence (`msc4495_enabled`): account data, routing, `/versions`. */
  readonly msc4495Enabled: boolean;
}

/**
 * Where presence lives: this process's memory (the default), or Redis shared by every
 * instance (Synapse's `redis:` block, plus `instance_name`).
 */
export type StoreSettings =
  | { readonly kind: 'memory'; readonly instanceName: string | undefined }
  | {
      readonly kind: 'redis';
      readonly instanceName: string | undefined;
      readonly host: string;
      readonly port: number;
      readonly dbid: number;
      readonly password: string | undefined;
      /** Our own: every key starts with it (several deployments on one Redis). */
      readonly keyPrefix: string;
      /** Our own: the change feed's `MAXLEN` (entries kept for late and moving readers). */
      readonly streamMaxLength: number;
    };

/** Federation: Synapse's keys where Synapse has them, plus our own `federation.enabled/destinations`. */
export interface FederationSettings {
  /** Off by default: remote recipients are then logged, not sent to. */
  readonly enabled: boolean;
  /** Synapse's `signing_key_path`: generated on first start when missing. */
  readonly signingKeyPath: string;
  /** Synapse's `federation_domain_whitelist`: only these servers are sent to and accepted from. */
  readonly domainWhitelist: readonly string[] | undefined;
  /** Base URLs by server name (private federations, tests); the only place for `http://`. */
  readonly destinations: Readonly<Record<string, string>>;
  /** Synapse's `federation.destination_min_retry_interval` (10m). */
  readonly minRetryIntervalMs: number;
  /** Synapse's `federation.destination_retry_multiplier` (2). */
  readonly retryMultiplier: number;
  /** Synapse's `federation.destination_max_retry_interval` (1w). */
  readonly maxRetryIntervalMs: number;
}

/** Who may open the live page and its event stream. */
export type LivePageAccess = 'off' | 'admin' | 'public';

/** Options of {@link parseServerSettings}. */
export interface ServerSettingsOptions {
  /** Relative paths (the SQLite database) are resolved against this directory. */
  readonly baseDir?: string;
  /** The configuration's `server_name`, to check that token users are local. */
  readonly serverName?: string;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)?$/;
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/** A duration: a number of milliseconds or Synapse's `30s` / `5m` / `1h` / `2d` form. */
const durationSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
  } else {
    const match = DURATION.exec(value.trim());
    if (match) return Number(match[1]) * (UNIT_MS[match[2] ?? 'ms'] as number);
  }
  ctx.issues.push({
    code: 'custom',
    input: value,
    message: `expected a duration: milliseconds or a number with s, m, h or d (e.g. 30s), found ${JSON.stringify(value)}`,
  });
  return z.NEVER;
});

const SIZE = /^(\d+)\s*([KMG])?B?$/i;
const SIZE_FACTOR: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** A size in bytes: a number or `64K` / `1M`. */
const sizeSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value > 0) return value;
  } else {
    const match = SIZE.exec(value.trim());
    if (match) {
      return Number(match[1]) * (match[2] ? (SIZE_FACTOR[match[2].toUpperCase()] as number) : 1);
    }
  }
  ctx.issues.push({
    code: 'custom',
    input: value,
    message: `expected a size in bytes: a positive integer or a number with K, M or G (e.g. 64K), found ${JSON.stringify(value)}`,
  });
  return z.NEVER;
});

const userIdSchema = z.string({ error: 'a user ID like "@alice:example.org"' }).check((ctx) => {
  const problem = userIdProblem(ctx.value);
  if (problem !== undefined) {
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: `invalid user ID ${JSON.stringify(ctx.value)}: ${problem}`,
    });
  }
});

const tokenSchema = z
  .string({ error: 'a token (a string)' })
  .regex(/^[\x21-\x7e]{8,512}$/, 'a token of 8 to 512 visible ASCII characters (no spaces)');

const listenerSchema = z.strictObject({
  port: z
    .number({ error: 'a port number' })
    .int('a whole port number')
    .min(0, 'a port from 0 to 65535')
    .max(65535, 'a port from 0 to 65535'),
  bind_addresses: z.array(z.string(), { error: 'a list of addresses' }).min(1).optional(),
  type: z.literal('http', { error: 'http (the only listener type served)' }).optional(),
  tls: z.literal(false, { error: 'false (TLS is not served; put a proxy in front)' }).optional(),
  x_forwarded: z.boolean().optional(),
  resources: z.unknown().optional(),
});

/** Inline rooms; room IDs (the keys) are checked after parsing, to point at the key. */
const roomsSchema = z.record(z.string(), z.array(userIdSchema, { error: 'a list of user IDs' }), {
  error: 'a mapping of room ID to a list of user IDs',
});

const membershipSchema = z
  .strictObject(
    {
      rooms: roomsSchema.optional(),
      presence_sharing: z
        .record(z.string(), z.enum(['suggest', 'forbid'], { error: 'suggest or forbid' }), {
          error: 'a mapping of inline room ID to suggest or forbid (MSC4495 room hints)',
        })
        .optional(),
      sqlite: z.string({ error: 'the path of a Synapse SQLite database' }).min(1).optional(),
      postgres: z
        .string({ error: 'a PostgreSQL URL like postgresql://user@127.0.0.1/synapse' })
        .regex(/^postgres(ql)?:\/\//, 'a URL starting with postgresql://')
        .optional(),
      http: z
        .strictObject({
          base_url: z.url({ error: 'the homeserver URL, like http://127.0.0.1:8008' }),
          access_token: tokenSchema,
          auth: z.enum(['admin', 'user'], { error: 'admin or user' }).optional(),
        })
        .optional(),
      poll_interval: durationSchema.optional(),
      lookup_timeout: durationSchema.optional(),
      wait_for_slow_lookups: durationSchema.optional(),
      retry_min_interval: durationSchema.optional(),
      retry_max_interval: durationSchema.optional(),
    },
    { error: 'a mapping with one of rooms, sqlite, postgres or http' },
  )
  .check((ctx) => {
    const given = (['rooms', 'sqlite', 'postgres', 'http'] as const).filter(
      (key) => ctx.value[key] !== undefined,
    );
    const { retry_min_interval: min, retry_max_interval: max } = ctx.value;
    if (min !== undefined && max !== undefined && min > max) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['retry_min_interval'],
        message: `retry_min_interval (${min} ms) is longer than retry_max_interval (${max} ms)`,
      });
    }
    if (given.length !== 1) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        params: { configCode: given.length === 0 ? 'MISSING_KEY' : 'CONFLICTING_KEYS' },
        message:
          given.length === 0
            ? 'give one membership source: rooms, sqlite, postgres or http'
            : `give only one membership source, found ${given.join(' and ')}`,
      });
    }
  });

const serverNameKeySchema = z.string().check((ctx) => {
  const problem = serverNameProblem(ctx.value);
  if (problem !== undefined) {
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: `invalid server name ${JSON.stringify(ctx.value)}: ${problem}`,
    });
  }
});

const federationSchema = z.strictObject(
  {
    enabled: z.boolean({ error: 'true or false' }).optional(),
    destinations: z
      .record(
        serverNameKeySchema,
        z
          .url({ error: 'a base URL like http://127.0.0.1:8448' })
          .regex(/^https?:\/\/[^/]+\/?$/, 'a base URL with no path, like http://127.0.0.1:8448'),
        { error: 'a mapping of server name to base URL' },
      )
      .optional(),
    destination_min_retry_interval: durationSchema.optional(),
    destination_retry_multiplier: z
      .number({ error: 'a number greater than 1' })
      .gt(1, 'a number greater than 1')
      .optional(),
    destination_max_retry_interval: durationSchema.optional(),
  },
  { error: 'a mapping with enabled, destinations and the destination_* retry settings' },
);

const settingsSchema = z.looseObject({
  listeners: z.array(listenerSchema, { error: 'a list of listeners' }).min(1).optional(),
  access_tokens: z
    .record(z.string(), tokenSchema, { error: 'a mapping of user ID to access token' })
    .optional(),
  app_service: z
    .strictObject({ token: tokenSchema, sender_localpart: z.string().min(1).optional() })
    .optional(),
  admin_token: tokenSchema.optional(),
  presence: z
    .looseObject({
      sync_online_timeout: durationSchema.optional(),
      idle_timeout: durationSchema.optional(),
      last_active_granularity: durationSchema.optional(),
    })
    .nullish(),
  rc_presence: z
    .strictObject({
      per_user: z.strictObject({
        per_second: z.number().positive(),
        burst_count: z.number().int().min(1),
      }),
    })
    .optional(),
  max_request_body_size: sizeSchema.optional(),
  max_sync_timeout: durationSchema.optional(),
  sync_batch_window: durationSchema.optional(),
  sync_answer_budget: z
    .number({ error: 'answers per second (a whole number; 0: no budget)' })
    .int('a whole number of answers per second')
    .min(0, 'a whole number of answers per second (0: no budget)')
    .optional(),
  live_page: z
    .union([z.boolean(), z.literal('public')], {
      error: 'true (behind the admin token), false, or public',
    })
    .optional(),
  log_level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).optional(),
  membership: membershipSchema.optional(),
  signing_key_path: z.string({ error: 'the path of a signing key file' }).min(1).optional(),
  federation_domain_whitelist: z
    .array(serverNameKeySchema, { error: 'a list of server names' })
    .optional(),
  federation: federationSchema.optional(),
  experimental_features: z
    .looseObject(
      { msc4495_enabled: z.boolean({ error: 'true or false' }).optional() },
      { error: 'a mapping of experimental features (msc4495_enabled: true)' },
    )
    .nullish(),
  instance_name: z
    .string({ error: 'a name for this instance' })
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" and "-", at most 64')
    .optional(),
  redis: z
    .strictObject(
      {
        enabled: z.boolean({ error: 'true or false' }).optional(),
        host: z.string({ error: 'a host name or address' }).min(1).optional(),
        port: z
          .number({ error: 'a port from 1 to 65535' })
          .int('a port from 1 to 65535')
          .min(1, 'a port from 1 to 65535')
          .max(65_535, 'a port from 1 to 65535')
          .optional(),
        dbid: z
          .number({ error: 'a database number (0-15 on a default Redis)' })
          .int('a whole database number')
          .min(0, 'a database number from 0')
          .optional(),
        password: z.string({ error: 'the password (a string)' }).min(1).optional(),
        key_prefix: z
          .string({ error: 'a key prefix' })
          .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'letters, digits, ".", "_", ":" and "-", at most 64')
          .optional(),
        stream_max_length: z
          .number({ error: 'a number of entries (at least 1000)' })
          .int('a whole number of entries')
          .min(1000, 'at least 1000 entries')
          .optional(),
      },
      {
        error: 'a mapping with enabled, host, port, dbid, password, key_prefix, stream_max_length',
      },
    )
    .optional(),
});

/** Joins a relative path to `baseDir` without Node's `path` (the app stays web-standard). */
function resolvePath(baseDir: string | undefined, path: string): string {
  if (path.startsWith('/') || baseDir === undefined || path === ':memory:') return path;
  return `${baseDir.replace(/\/+$/, '')}/${path.replace(/^\.\//, '')}`;
}

/**
 * Reads the demo server's keys from a parsed YAML source.
 * @throws ConfigError (with path, line and column).
 */
export function parseServerSettings(
  source: YamlSource,
  options: ServerSettingsOptions = {},
): ServerSettings {
  const raw = parseWithSchema(settingsSchema, source.value, { source, path: [] });
  const accessTokens = new Map<string, string>();
  for (const [userId, token] of Object.entries(raw.access_tokens ?? {})) {
    const path = ['access_tokens', userId];
    const problem = userIdProblem(userId);
    if (problem !== undefined) {
      throw keyError(source, path, `invalid user ID ${JSON.stringify(userId)}: ${problem}`);
    }
    if (options.serverName !== undefined && serverNameOf(userId) !== options.serverName) {
      throw keyError(
        source,
        path,
        `${userId} is not a user of this server (${options.serverName}); access tokens are for local users`,
      );
    }
    if (accessTokens.has(token)) {
      throw source.errorAt(
        'CONFLICTING_KEYS',
        path,
        `the same token is given to ${accessTokens.get(token)} and ${userId}`,
      );
    }
    accessTokens.set(token, userId);
  }
  const reserved = [raw.admin_token, raw.app_service?.token].filter((t) => t !== undefined);
  for (const token of reserved) {
    if (accessTokens.has(token)) {
      throw source.errorAt(
        'CONFLICTING_KEYS',
        ['access_tokens'],
        'a user access token equals the admin or application-service token',
      );
    }
  }
  if (raw.admin_token !== undefined && raw.admin_token === raw.app_service?.token) {
    throw source.errorAt(
      'CONFLICTING_KEYS',
      ['admin_token'],
      'the admin token equals the application-service token',
    );
  }
  for (const roomId of Object.keys(raw.membership?.rooms ?? {})) {
    const problem = roomIdProblem(roomId);
    if (problem !== undefined) {
      throw keyError(
        source,
        ['membership', 'rooms', roomId],
        `invalid room ID ${JSON.stringify(roomId)}: ${problem}`,
      );
    }
  }
  for (const roomId of Object.keys(raw.membership?.presence_sharing ?? {})) {
    const path = ['membership', 'presence_sharing', roomId];
    if (raw.membership?.rooms?.[roomId] === undefined) {
      throw keyError(
        source,
        path,
        `${JSON.stringify(roomId)} is not an inline room (membership.rooms): only inline rooms take hints here`,
      );
    }
  }
  const listener = raw.listeners?.[0];
  const presence = raw.presence ?? {};
  return {
    listen: {
      host: listener?.bind_addresses?.[0] ?? '127.0.0.1',
      port: listener?.port ?? 8008,
    },
    accessTokens,
    appService:
      raw.app_service === undefined
        ? undefined
        : { token: raw.app_service.token, senderLocalpart: raw.app_service.sender_localpart },
    adminToken: raw.admin_token,
    timers: {
      syncOnlineTimeoutMs:
        presence.sync_online_timeout ?? DEFAULT_PRESENCE_TIMERS.syncOnlineTimeoutMs,
      idleTimeoutMs: presence.idle_timeout ?? DEFAULT_PRESENCE_TIMERS.idleTimeoutMs,
      lastActiveGranularityMs:
        presence.last_active_granularity ?? DEFAULT_PRESENCE_TIMERS.lastActiveGranularityMs,
    },
    rateLimit: {
      perSecond: raw.rc_presence?.per_user.per_second ?? 1,
      burstCount: raw.rc_presence?.per_user.burst_count ?? 5,
    },
    maxRequestBodyBytes: raw.max_request_body_size ?? 64 * 1024,
    maxSyncTimeoutMs: Math.min(raw.max_sync_timeout ?? 120_000, 3_600_000),
    syncBatchWindowMs: Math.min(raw.sync_batch_window ?? DEFAULT_SYNC_BATCH_WINDOW_MS, 10_000),
    syncAnswerBudget: raw.sync_answer_budget ?? DEFAULT_SYNC_ANSWER_BUDGET,
    livePage: raw.live_page === 'public' ? 'public' : raw.live_page === true ? 'admin' : 'off',
    logLevel: raw.log_level ?? 'info',
    membership: membershipSettings(raw.membership, options.baseDir),
    lookups: lookupSettings(raw.membership),
    federation: federationSettings(raw, options),
    store: storeSettings(raw),
    experimentalFeatures: {
      msc4495Enabled: raw.experimental_features?.msc4495_enabled ?? false,
    },
  };
}

/** Defaults of the Redis store (Synapse's host, port and dbid). */
export const DEFAULT_REDIS = {
  host: 'localhost',
  port: 6379,
  dbid: 0,
  keyPrefix: 'presence-router',
  streamMaxLength: 100_000,
} as const;

function storeSettings(raw: z.output<typeof settingsSchema>): StoreSettings {
  const redis = raw.redis;
  if (redis === undefined || redis.enabled !== true) {
    return { kind: 'memory', instanceName: raw.instance_name };
  }
  return {
    kind: 'redis',
    instanceName: raw.instance_name,
    host: redis.host ?? DEFAULT_REDIS.host,
    port: redis.port ?? DEFAULT_REDIS.port,
    dbid: redis.dbid ?? DEFAULT_REDIS.dbid,
    password: redis.password,
    keyPrefix: redis.key_prefix ?? DEFAULT_REDIS.keyPrefix,
    streamMaxLength: redis.stream_max_length ?? DEFAULT_REDIS.streamMaxLength,
  };
}

/** Synapse's federation retry defaults. */
export const DEFAULT_FEDERATION_RETRY = {
  minRetryIntervalMs: 10 * 60_000,
  retryMultiplier: 2,
  maxRetryIntervalMs: 7 * 86_400_000,
} as const;

function federationSettings(
  raw: z.output<typeof settingsSchema>,
  options: ServerSettingsOptions,
): FederationSettings {
  const federation = raw.federation ?? {};
  const minRetryIntervalMs =
    federation.destination_min_retry_interval ?? DEFAULT_FEDERATION_RETRY.minRetryIntervalMs;
  return {
    enabled: federation.enabled ?? false,
    // Synapse's default: <config folder>/<server_name>.signing.key.
    signingKeyPath: resolvePath(
      options.baseDir,
      raw.signing_key_path ?? `${options.serverName ?? 'homeserver'}.signing.key`,
    ),
    domainWhitelist: raw.federation_domain_whitelist,
    destinations: federation.destinations ?? {},
    minRetryIntervalMs,
    retryMultiplier:
      federation.destination_retry_multiplier ?? DEFAULT_FEDERATION_RETRY.retryMultiplier,
    maxRetryIntervalMs: Math.max(
      minRetryIntervalMs,
      federation.destination_max_retry_interval ?? DEFAULT_FEDERATION_RETRY.maxRetryIntervalMs,
    ),
  };
}

function lookupSettings(raw: z.output<typeof membershipSchema> | undefined): LookupSettings {
  const defaults = DEFAULT_LOOKUP_SETTINGS;
  const minDelayMs = raw?.retry_min_interval ?? defaults.retry.minDelayMs;
  return {
    timeoutMs: raw?.lookup_timeout ?? defaults.timeoutMs,
    answerWithinMs: raw?.wait_for_slow_lookups ?? defaults.answerWithinMs,
    retry: {
      ...defaults.retry,
      minDelayMs,
      maxDelayMs: Math.max(minDelayMs, raw?.retry_max_interval ?? defaults.retry.maxDelayMs),
    },
  };
}

function keyError(source: YamlSource, path: (string | number)[], detail: string): ConfigError {
  const position = source.locateKey(path) ?? source.locateNearest(path);
  return new ConfigError('INVALID_VALUE', detail, {
    path,
    line: position.line,
    column: position.column,
    sourceName: source.sourceName,
  });
}

function membershipSettings(
  raw: z.output<typeof membershipSchema> | undefined,
  baseDir: string | undefined,
): MembershipSettings {
  if (raw === undefined) return { kind: 'rooms', rooms: new Map() };
  const pollIntervalMs = raw.poll_interval ?? 1000;
  if (raw.sqlite !== undefined) {
    return { kind: 'sqlite', path: resolvePath(baseDir, raw.sqlite), pollIntervalMs };
  }
  if (raw.postgres !== undefined) return { kind: 'postgres', url: raw.postgres, pollIntervalMs };
  if (raw.http !== undefined) {
    return {
      kind: 'http',
      baseUrl: raw.http.base_url,
      accessToken: raw.http.access_token,
      auth: raw.http.auth ?? 'admin',
    };
  }
  const rooms = new Map(Object.entries(raw.rooms ?? {}));
  if (raw.presence_sharing === undefined) return { kind: 'rooms', rooms };
  return { kind: 'rooms', rooms, presenceSharing: new Map(Object.entries(raw.presence_sharing)) };
}
