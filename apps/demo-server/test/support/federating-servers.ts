/**
 * Homeservers federating on 127.0.0.1 for tests: each is the real server built from YAML
 * (`createServerFromConfig`, so the signing key file, the override map and the federation
 * routes are the ones an operator gets), listening on a port chosen before any of them
 * starts, so every server's `federation.destinations` can name the others.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModuleRegistry } from '@presence-router/config';
import { JsonLogger } from '../../src/json-logger.ts';
import { createServerFromConfig, loadServerConfig } from '../../src/load-server.ts';
import { listen, type RunningServer } from '../../src/node-listener.ts';
import { freePort } from './free-port.ts';
import { MatrixTestClient, type SyncReply } from './test-server.ts';
import { withTestStore } from './test-store.ts';

export { freePort };

/** A directory for signing keys, removed by `remove()`. */
export async function keyDirectory(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'presence-federation-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** One homeserver of a test federation. */
export interface HomeserverSpec {
  readonly name: string;
  readonly port: number;
  /** `user ID: access token` of its local users. */
  readonly users: Readonly<Record<string, string>>;
  /** Rooms as this server's membership knows them (local and remote members). */
  readonly rooms: Readonly<Record<string, readonly string[]>>;
  /** Other servers by name: the override map. */
  readonly peers: Readonly<Record<string, number>>;
  /** YAML appended verbatim (routing modules, whitelist, ...). */
  readonly extra?: string;
  readonly registry?: ModuleRegistry;
}

/** Synapse-style YAML for `spec`, with retry intervals short enough for a test. */
export function homeserverYaml(spec: HomeserverSpec, keyDir: string): string {
  const tokens = Object.entries(spec.users)
    .map(([user, token]) => `  '${user}': ${token}`)
    .join('\n');
  const rooms = Object.entries(spec.rooms)
    .map(([room, members]) => `    '${room}': [${members.map((m) => `'${m}'`).join(', ')}]`)
    .join('\n');
  const peers = Object.entries(spec.peers)
    .map(([name, port]) => `    ${name}: http://127.0.0.1:${port}`)
    .join('\n');
  return `server_name: ${spec.name}
access_tokens:
${tokens}
admin_token: admin-token-${spec.name}
rc_presence: { per_user: { per_second: 1000, burst_count: 1000 } }
membership:
  rooms:
${rooms.length > 0 ? rooms : '    {}'}
signing_key_path: ${join(keyDir, `${spec.name}.signing.key`)}
federation:
  enabled: true
  destinations:
${peers.length > 0 ? peers : '    {}'}
  destination_min_retry_interval: 100ms
  destination_max_retry_interval: 400ms
${spec.extra ?? ''}`;
}

/** A running homeserver of a test federation. */
export interface Homeserver extends RunningServer {
  readonly name: string;
  as(token: string): MatrixTestClient;
  admin(): MatrixTestClient;
}

/**
 * The value of metric `name` on `server`'s `/metrics` (its first series when labeled; NaN
 * when absent).
 */
export async function metric(server: RunningServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Starts `spec` on its port. */
export async function startHomeserver(spec: HomeserverSpec, keyDir: string): Promise<Homeserver> {
  const logger = new JsonLogger({ level: 'silent', write: () => {} });
  const config = await loadServerConfig(withTestStore(homeserverYaml(spec, keyDir)), {
    sourceName: `${spec.name}.yaml`,
    logger,
    ...(spec.registry === undefined ? {} : { registry: spec.registry }),
  });
  const server = await createServerFromConfig(config, { logger });
  const running = await listen(server, {
    host: '127.0.0.1',
    port: spec.port,
    gracePeriodMs: 500,
  });
  return Object.assign(running, {
    name: spec.name,
    as: (token: string) => new MatrixTestClient(running.url, token),
    admin: () => new MatrixTestClient(running.url, `admin-token-${spec.name}`),
  });
}

/**
 * Long-polls from `since` until `accept` holds for an event of `sender`; returns that
 * event's content and the token after it. Fails after `deadlineMs`.
 */
export async function waitForEvent(
  client: MatrixTestClient,
  since: string,
  sender: string,
  accept: (content: SyncReply['events'][number]['content']) => boolean = () => true,
  deadlineMs = 10_000,
): Promise<{ content: SyncReply['events'][number]['content']; nextBatch: string }> {
  const until = Date.now() + deadlineMs;
  let token = since;
  while (Date.now() < until) {
    const reply = await client.sync({ since: token, timeout: '2000', set_presence: 'offline' });
    token = reply.nextBatch;
    const event = reply.events.findLast((e) => e.sender === sender && accept(e.content));
    if (event !== undefined) return { content: event.content, nextBatch: token };
  }
  throw new Error(`no matching presence of ${sender} within ${deadlineMs} ms`);
}
