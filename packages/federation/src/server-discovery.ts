/**
 * Server discovery: where to connect for a server name, with which `Host` header and which
 * TLS server name (SNI), following the specification's order:
 *
 * 0. an explicit override (`{ "<server_name>": "<base URL>" }`) for private federations and
 *    tests, the only way to get plain `http://`;
 * 1. an IP literal: that address, the given port or 8448, `Host` = the server name, no SNI;
 * 2. an explicit port: that host and port, `Host` = the server name;
 * 3. `GET https://<hostname>/.well-known/matrix/server` (redirects followed, at most 50 KiB,
 *    cached as below); a valid `m.server` delegates to `<delegated>[:<port>]`: an IP literal
 *    or an explicit port is used directly (`Host` = the delegated name), else the SRV
 *    records of the delegated name (`Host` = the delegated hostname), else its port 8448;
 * 4. SRV `_matrix-fed._tcp.<hostname>`, then the deprecated `_matrix._tcp.<hostname>`
 *    (`Host` = the hostname, certificate for the hostname);
 * 5. the hostname on port 8448.
 *
 * The `.well-known` cache follows the specification and Synapse: a response's
 * `Cache-Control: max-age` / `Expires` clamped to [5 minutes, 48 hours], else 24 hours
 * (±10 % jitter); failures for 1 hour ±10 % (2 minutes if the name had a valid answer whose
 * cache period ended less than 2 hours ago); a cached answer is refreshed in the last 20 % of its lifetime and kept
 * while the refresh fails temporarily (network error or 5xx).
 *
 * @example
 * ```ts
 * const resolver = new ServerResolver({ lookupSrv: nodeSrvLookup() }); // from '/node'
 * const target = await resolver.resolve('hs.example');
 * // with {"m.server": "matrix.hs.example:443"} at https://hs.example/.well-known/matrix/server:
 * // { baseUrl: 'https://matrix.hs.example:443', hostHeader: 'matrix.hs.example:443',
 * //   tlsServerName: 'matrix.hs.example', via: 'well-known', ... }
 * ```
 * @module
 */
import { type Clock, systemClock } from './clock.ts';
import { FederationError } from './errors.ts';
import { cachePeriodFromHeaders } from './internal/cache-control.ts';
import { type HostPort, splitHostPort } from './internal/host-port.ts';
import { readLimitedBody } from './internal/limited-body.ts';
import { type SrvRecord, selectSrvRecord } from './internal/srv-selection.ts';

export type { SrvRecord } from './internal/srv-selection.ts';

/** Looks up the SRV records of a name; resolves to `[]` when there are none. */
export type SrvLookup = (name: string) => Promise<readonly SrvRecord[]>;

/** The subset of WHATWG `fetch` this package calls. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Which step of the resolution gave the answer. */
export type ResolutionStep =
  | 'override'
  | 'ip-literal'
  | 'explicit-port'
  | 'well-known'
  | 'well-known-srv'
  | 'well-known-legacy-srv'
  | 'srv'
  | 'legacy-srv'
  | 'default-port';

/** Where and how to send requests to a server. */
export interface ResolvedServer {
  /** The server name that was resolved (what requests are signed for). */
  readonly serverName: string;
  /** `scheme://host:port` of the connection, e.g. `https://[2001:db8::1]:8448`. */
  readonly baseUrl: string;
  /** The host to connect to: a DNS name (resolved with A/AAAA) or an IP (no brackets). */
  readonly connectHost: string;
  readonly port: number;
  /** The `Host` header to send. */
  readonly hostHeader: string;
  /**
   * The TLS server name (SNI) and the name the certificate must be valid for; `undefined`
   * when the certificate is expected for an IP address (no SNI is sent) or for plain HTTP.
   */
  readonly tlsServerName: string | undefined;
  /** The certificate must be valid for this name or IP address (`undefined` for HTTP). */
  readonly certificateName: string | undefined;
  /** False only for an `http://` override. */
  readonly secure: boolean;
  readonly via: ResolutionStep;
  /** The `m.server` of the `.well-known` answer, when delegation was used. */
  readonly delegatedServerName?: string;
}

/** Options of {@link ServerResolver}. */
export interface ServerResolverOptions {
  /** For `.well-known` requests; defaults to the global `fetch`. */
  readonly fetch?: FetchLike;
  /**
   * SRV lookups (`nodeSrvLookup()` from `@presence-router/federation/node` on Node). Without
   * one the SRV steps are skipped: a server delegating only through SRV is then not found.
   */
  readonly lookupSrv?: SrvLookup;
  /** Base URLs by server name, used before anything else; the only source of `http://`. */
  readonly overrides?: Readonly<Record<string, string>>;
  readonly clock?: Pick<Clock, 'now'>;
  /** Jitter of cache periods and SRV weights; defaults to `Math.random`. */
  readonly random?: () => number;
  /** Most server names whose `.well-known` answer is cached (least recently used dropped). */
  readonly maxCachedNames?: number;
  /** Abort a `.well-known` request after this long (default 10 s). */
  readonly wellKnownTimeoutMs?: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Discovery constants, from the specification's recommendations and Synapse. */
export const WELL_KNOWN_DEFAULTS = Object.freeze({
  /** Cache period of an answer without cache headers (jittered by ±10 %). */
  defaultCacheMs: 24 * HOUR,
  /** Bounds of a period read from `Cache-Control` / `Expires`. */
  minCacheMs: 5 * MINUTE,
  maxCacheMs: 48 * HOUR,
  /** Cache period of a failure (jittered by ±10 %). */
  failureCacheMs: HOUR,
  /** ... when the name had a valid answer recently. */
  recentlyValidFailureCacheMs: 2 * MINUTE,
  /** How long after a valid answer expires it still counts as "recently valid". */
  rememberValidMs: 2 * HOUR,
  /** Refresh a cached answer in the last 20 % of its lifetime. */
  refreshFraction: 0.2,
  jitter: 0.1,
  maxBytes: 50 * 1024,
  /** The port used when nothing else gives one. */
  defaultPort: 8448,
});

interface WellKnownEntry {
  readonly result: string | undefined;
  readonly expiresAt: number;
  readonly ttl: number;
}

type WellKnownOutcome =
  | { readonly ok: true; readonly server: string; readonly cacheMs: number }
  | { readonly ok: false; readonly temporary: boolean };

interface Override {
  readonly url: URL;
}

function bracketed(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Resolves server names to connection targets; see the module documentation. */
export class ServerResolver {
  readonly #fetch: FetchLike;
  readonly #lookupSrv: SrvLookup | undefined;
  readonly #overrides = new Map<string, Override>();
  readonly #clock: Pick<Clock, 'now'>;
  readonly #random: () => number;
  readonly #maxCachedNames: number;
  readonly #timeoutMs: number;
  readonly #wellKnown = new Map<string, WellKnownEntry>();
  readonly #hadValidUntil = new Map<string, number>();
  readonly #inFlight = new Map<string, Promise<string | undefined>>();

  constructor(options: ServerResolverOptions = {}) {
    const globalFetch = (globalThis as { fetch?: FetchLike }).fetch;
    this.#fetch = options.fetch ?? ((input, init) => globalFetch!(input, init));
    this.#lookupSrv = options.lookupSrv;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#maxCachedNames = options.maxCachedNames ?? 10_000;
    this.#timeoutMs = options.wellKnownTimeoutMs ?? 10_000;
    for (const [serverName, base] of Object.entries(options.overrides ?? {})) {
      if (splitHostPort(serverName) === undefined) {
        throw new FederationError(
          'INVALID_OPTIONS',
          `overrides: ${JSON.stringify(serverName)} is not a server name`,
        );
      }
      let url: URL;
      try {
        url = new URL(base);
      } catch {
        throw new FederationError(
          'INVALID_OPTIONS',
          `overrides.${serverName}: ${JSON.stringify(base)} is not a URL`,
        );
      }
      if (
        (url.protocol !== 'https:' && url.protocol !== 'http:') ||
        (url.pathname !== '/' && url.pathname !== '') ||
        url.search !== '' ||
        url.hash !== '' ||
        url.username !== '' ||
        url.password !== ''
      ) {
        throw new FederationError(
          'INVALID_OPTIONS',
          `overrides.${serverName}: ${JSON.stringify(base)} must be an http(s) origin such as https://hs.internal:8448`,
        );
      }
      this.#overrides.set(serverName, { url });
    }
  }

  /**
   * Where to send requests for `serverName`. Throws `INVALID_SERVER_NAME` for a name outside
   * the grammar and `DISCOVERY_FAILED` when an SRV lookup fails (not when it finds nothing).
   */
  async resolve(serverName: string): Promise<ResolvedServer> {
    const override = this.#overrides.get(serverName);
    if (override !== undefined) return this.#fromOverride(serverName, override.url);
    const parts = splitHostPort(serverName);
    if (parts === undefined) {
      throw new FederationError(
        'INVALID_SERVER_NAME',
        `Invalid server name ${JSON.stringify(serverName)}`,
        {
          serverName,
        },
      );
    }
    if (parts.ipLiteral) {
      return target(serverName, 'ip-literal', parts.bareHost, parts.port, serverName, undefined);
    }
    if (parts.port !== undefined) {
      return target(serverName, 'explicit-port', parts.host, parts.port, serverName, parts.host);
    }
    const delegated = await this.wellKnown(parts.host);
    if (delegated !== undefined) {
      const d = splitHostPort(delegated)!;
      const extra = { delegatedServerName: delegated };
      if (d.ipLiteral) {
        return target(serverName, 'well-known', d.bareHost, d.port, delegated, undefined, extra);
      }
      if (d.port !== undefined) {
        return target(serverName, 'well-known', d.host, d.port, delegated, d.host, extra);
      }
      const srv = await this.#srv(d);
      if (srv !== undefined) {
        const via = srv.legacy ? 'well-known-legacy-srv' : 'well-known-srv';
        return target(serverName, via, srv.record.name, srv.record.port, d.host, d.host, extra);
      }
      return target(serverName, 'well-known', d.host, undefined, d.host, d.host, extra);
    }
    const srv = await this.#srv(parts);
    if (srv !== undefined) {
      const via = srv.legacy ? 'legacy-srv' : 'srv';
      return target(serverName, via, srv.record.name, srv.record.port, parts.host, parts.host);
    }
    return target(serverName, 'default-port', parts.host, undefined, parts.host, parts.host);
  }

  /**
   * The `m.server` delegation of `hostname` from its (cached) `.well-known` answer, or
   * `undefined` when it has none or a bad one.
   */
  wellKnown(hostname: string): Promise<string | undefined> {
    const now = this.#clock.now();
    const entry = this.#wellKnown.get(hostname);
    let previous: string | undefined;
    if (entry !== undefined && entry.expiresAt > now) {
      this.#wellKnown.delete(hostname);
      this.#wellKnown.set(hostname, entry);
      if (now < entry.expiresAt - WELL_KNOWN_DEFAULTS.refreshFraction * entry.ttl) {
        return Promise.resolve(entry.result);
      }
      previous = entry.result;
    }
    const running = this.#inFlight.get(hostname);
    if (running !== undefined) return running;
    const lookup = this.#refreshWellKnown(hostname, previous).finally(() =>
      this.#inFlight.delete(hostname),
    );
    this.#inFlight.set(hostname, lookup);
    return lookup;
  }

  /** Forgets every cached `.well-known` answer. */
  clearCache(): void {
    this.#wellKnown.clear();
    this.#hadValidUntil.clear();
  }

  async #refreshWellKnown(
    hostname: string,
    previous: string | undefined,
  ): Promise<string | undefined> {
    const outcome = await this.#fetchWellKnown(hostname);
    const now = this.#clock.now();
    if (outcome.ok) {
      this.#remember(hostname, outcome.server, outcome.cacheMs, now);
      this.#hadValidUntil.set(
        hostname,
        now + outcome.cacheMs + WELL_KNOWN_DEFAULTS.rememberValidMs,
      );
      return outcome.server;
    }
    if (previous !== undefined && outcome.temporary) return previous;
    const recentlyValid = (this.#hadValidUntil.get(hostname) ?? 0) > now;
    const period = recentlyValid
      ? WELL_KNOWN_DEFAULTS.recentlyValidFailureCacheMs
      : WELL_KNOWN_DEFAULTS.failureCacheMs;
    this.#remember(hostname, undefined, this.#jittered(period), now);
    return undefined;
  }

  #remember(hostname: string, result: string | undefined, ttl: number, now: number): void {
    this.#wellKnown.delete(hostname);
    this.#wellKnown.set(hostname, { result, ttl, expiresAt: now + ttl });
    while (this.#wellKnown.size > this.#maxCachedNames) {
      const oldest = this.#wellKnown.keys().next().value as string;
      this.#wellKnown.delete(oldest);
      this.#hadValidUntil.delete(oldest);
    }
  }

  #jittered(period: number): number {
    const j = WELL_KNOWN_DEFAULTS.jitter;
    return period * (1 - j + 2 * j * this.#random());
  }

  async #fetchWellKnown(hostname: string): Promise<WellKnownOutcome> {
    let response: Response;
    try {
      const timeout = (AbortSignal as { timeout?: (ms: number) => AbortSignal }).timeout;
      response = await this.#fetch(`https://${hostname}/.well-known/matrix/server`, {
        method: 'GET',
        redirect: 'follow',
        headers: { accept: 'application/json' },
        ...(timeout === undefined ? {} : { signal: timeout(this.#timeoutMs) }),
      });
    } catch {
      return { ok: false, temporary: true };
    }
    if (response.status >= 500) {
      await response.body?.cancel().catch(() => {});
      return { ok: false, temporary: true };
    }
    let body: Uint8Array;
    try {
      body = await readLimitedBody(response, WELL_KNOWN_DEFAULTS.maxBytes);
    } catch {
      return { ok: false, temporary: true };
    }
    if (response.status !== 200) return { ok: false, temporary: false };
    let server: unknown;
    try {
      const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
      server = (parsed as Record<string, unknown> | null)?.['m.server'];
    } catch {
      return { ok: false, temporary: false };
    }
    if (typeof server !== 'string' || splitHostPort(server) === undefined) {
      return { ok: false, temporary: false };
    }
    const fromHeaders = cachePeriodFromHeaders(response.headers, this.#clock.now());
    const cacheMs =
      fromHeaders === undefined
        ? this.#jittered(WELL_KNOWN_DEFAULTS.defaultCacheMs)
        : Math.min(
            WELL_KNOWN_DEFAULTS.maxCacheMs,
            Math.max(WELL_KNOWN_DEFAULTS.minCacheMs, fromHeaders),
          );
    return { ok: true, server, cacheMs };
  }

  async #srv(parts: HostPort): Promise<{ record: SrvRecord; legacy: boolean } | undefined> {
    if (this.#lookupSrv === undefined) return undefined;
    for (const [service, legacy] of [
      ['_matrix-fed._tcp', false],
      ['_matrix._tcp', true],
    ] as const) {
      const name = `${service}.${parts.host}`;
      let records: readonly SrvRecord[];
      try {
        records = await this.#lookupSrv(name);
      } catch (error) {
        throw new FederationError(
          'DISCOVERY_FAILED',
          `SRV lookup of ${name} failed: ${(error as Error).message}`,
          {
            serverName: parts.host,
            cause: error,
          },
        );
      }
      const record = selectSrvRecord(records, this.#random);
      if (record !== undefined) {
        return { record: { ...record, name: record.name.replace(/\.$/, '') }, legacy };
      }
    }
    return undefined;
  }

  #fromOverride(serverName: string, url: URL): ResolvedServer {
    const secure = url.protocol === 'https:';
    const connectHost = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
    const ip = splitHostPort(bracketed(connectHost))?.ipLiteral === true;
    const tlsName = secure && !ip ? connectHost : undefined;
    return {
      serverName,
      baseUrl: `${url.protocol}//${bracketed(connectHost)}:${port}`,
      connectHost,
      port,
      hostHeader: url.host,
      tlsServerName: tlsName,
      certificateName: secure ? connectHost : undefined,
      secure,
      via: 'override',
    };
  }
}

function target(
  serverName: string,
  via: ResolutionStep,
  host: string,
  port: number | undefined,
  hostHeader: string,
  tlsServerName: string | undefined,
  extra: { delegatedServerName?: string } = {},
): ResolvedServer {
  const connectHost = host.replace(/^\[(.*)\]$/, '$1');
  const chosenPort = port ?? WELL_KNOWN_DEFAULTS.defaultPort;
  return {
    serverName,
    baseUrl: `https://${bracketed(connectHost)}:${chosenPort}`,
    connectHost,
    port: chosenPort,
    hostHeader,
    tlsServerName,
    certificateName: tlsServerName ?? connectHost,
    secure: true,
    via,
    ...extra,
  };
}
