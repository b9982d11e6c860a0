/**
 * Starts a real demo server on 127.0.0.1 (port 0) from YAML, with quiet logs, and gives
 * tests a small Matrix client per access token.
 */
import { JsonLogger } from '../../src/json-logger.ts';
import { createServerFromConfig, loadServerConfig } from '../../src/load-server.ts';
import { listen, type RunningServer } from '../../src/node-listener.ts';
import { withTestStore } from './test-store.ts';

export const HS = 'test.local';

/** A config with inline rooms: alice+bob in !lobby, carol+dave in !ops, bob+erin in !quiet (excluded); auditor routed everything. */
export function testConfigYaml(extra = ''): string {
  return `server_name: ${HS}
access_tokens:
  '@alice:${HS}': alice-token-123
  '@bob:${HS}': bob-token-123
  '@carol:${HS}': carol-token-123
  '@dave:${HS}': dave-token-123
  '@erin:${HS}': erin-token-123
  '@auditor:${HS}': auditor-token-123
  '@loner:${HS}': loner-token-123
app_service:
  token: appservice-token-123
admin_token: admin-token-123
live_page: true
membership:
  rooms:
    '!lobby:${HS}': ['@alice:${HS}', '@bob:${HS}']
    '!ops:${HS}': ['@carol:${HS}', '@dave:${HS}', '@zed:remote.example']
    '!quiet:${HS}': ['@bob:${HS}', '@erin:${HS}']
presence:
  exclude_rooms_from_presence: ['!quiet:${HS}']
  routing_modules:
    - module: '@presence-router/example-router.ExamplePresenceRouter'
      config:
        always_send_to_users: ['@auditor:${HS}']
${extra}`;
}

export interface TestServer extends RunningServer {
  logs: string[];
  as(token: string): MatrixTestClient;
}

export async function startTestServer(yaml = testConfigYaml()): Promise<TestServer> {
  const logs: string[] = [];
  const logger = new JsonLogger({ level: 'debug', write: (line) => logs.push(line) });
  const config = await loadServerConfig(withTestStore(yaml), { sourceName: 'test.yaml', logger });
  const server = await createServerFromConfig(config, { logger });
  const running = await listen(server, { host: '127.0.0.1', port: 0, gracePeriodMs: 1000 });
  return Object.assign(running, {
    logs,
    as: (token: string) => new MatrixTestClient(running.url, token),
  });
}

export interface JsonReply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export class MatrixTestClient {
  readonly base: string;
  readonly token: string;

  constructor(base: string, token: string) {
    this.base = base;
    this.token = token;
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    rawBody?: string,
  ): Promise<JsonReply> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body !== undefined || rawBody !== undefined
          ? { 'content-type': 'application/json' }
          : {}),
      },
      body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await response.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = { raw: text };
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }

  setPresence(userId: string, presence: string, statusMsg?: string): Promise<JsonReply> {
    return this.request('PUT', `/_matrix/client/v3/presence/${encodeURIComponent(userId)}/status`, {
      presence,
      ...(statusMsg === undefined ? {} : { status_msg: statusMsg }),
    });
  }

  async sync(params: Record<string, string> = {}): Promise<SyncReply> {
    const query = new URLSearchParams({ timeout: '0', ...params });
    const reply = await this.request('GET', `/_matrix/client/v3/sync?${query}`);
    if (reply.status !== 200)
      throw new Error(`sync failed: ${reply.status} ${JSON.stringify(reply.body)}`);
    const events = (reply.body.presence as { events: PresenceEventJson[] }).events;
    return { nextBatch: reply.body.next_batch as string, events };
  }
}

export interface PresenceEventJson {
  type: string;
  sender: string;
  content: {
    presence: string;
    status_msg?: string;
    last_active_ago?: number;
    currently_active?: boolean;
  };
}

export interface SyncReply {
  nextBatch: string;
  events: PresenceEventJson[];
}

/** sender -> presence of a sync's events. */
export function presenceBySender(events: readonly PresenceEventJson[]): Record<string, string> {
  return Object.fromEntries(events.map((event) => [event.sender, event.content.presence]));
}
