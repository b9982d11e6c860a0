/**
 * The embedded default: a SQLite database in Synapse's schema filled with demo data, and the
 * homeserver-style configuration that serves it with the `ExamplePresenceRouter`.
 *
 * Demo data on `demo.local`: alice, bob, carol, dave, erin and an auditor; rooms `!lobby`
 * (alice, bob, carol), `!ops` (carol, dave), `!quiet` (bob, erin; excluded from presence) and
 * `!town-square` (alice, erin, a remote user and 5,000 generated members). The auditor is in
 * no room and receives everyone's presence (`always_send_to_users`); dave's presence also
 * goes to the lobby (`users_to_rooms`).
 *
 * @example
 * ```ts
 * const demo = await createDemoDatabase('/tmp/presence-demo.db');
 * const yaml = embeddedConfigYaml(demo.path);
 * ```
 * @module
 */
import { createSynapseSchema, SynapseFixtureWriter } from '@presence-router/membership/testing';
import Database from 'better-sqlite3';
import { messageOf, ServerStartError } from './errors.ts';

/** The demo server name. */
export const DEMO_SERVER_NAME = 'demo.local';

/** The demo users with tokens (user -> access token). */
export const DEMO_TOKENS: Readonly<Record<string, string>> = {
  '@alice:demo.local': 'alice-demo-token',
  '@bob:demo.local': 'bob-demo-token',
  '@carol:demo.local': 'carol-demo-token',
  '@dave:demo.local': 'dave-demo-token',
  '@erin:demo.local': 'erin-demo-token',
  '@auditor:demo.local': 'auditor-demo-token',
};

/** The admin token of the embedded default. */
export const DEMO_ADMIN_TOKEN = 'admin-demo-token';

/** The demo rooms and their named members (the big room also gets generated members). */
export const DEMO_ROOMS: Readonly<Record<string, readonly string[]>> = {
  '!lobby:demo.local': ['@alice:demo.local', '@bob:demo.local', '@carol:demo.local'],
  '!ops:demo.local': ['@carol:demo.local', '@dave:demo.local'],
  '!quiet:demo.local': ['@bob:demo.local', '@erin:demo.local'],
  '!town-square:demo.local': ['@alice:demo.local', '@erin:demo.local', '@zoe:remote.example'],
};

/** The large room. */
export const DEMO_LARGE_ROOM = '!town-square:demo.local';

/** Options of {@link createDemoDatabase}. */
export interface DemoDatabaseOptions {
  /** Generated members of the large room (default 5,000). */
  readonly largeRoomMembers?: number;
}

/** A created demo database. */
export interface DemoDatabase {
  readonly path: string;
  /** Joined members written, all rooms together. */
  readonly memberships: number;
}

/**
 * Creates the demo database at `path` (a new file).
 * @throws ServerStartError `DEMO_DATABASE_FAILED`.
 */
export async function createDemoDatabase(
  path: string,
  options: DemoDatabaseOptions = {},
): Promise<DemoDatabase> {
  const generated = options.largeRoomMembers ?? 5000;
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    await createSynapseSchema(db);
    const writer = new SynapseFixtureWriter(db, { serverName: DEMO_SERVER_NAME });
    let memberships = 0;
    for (const [roomId, members] of Object.entries(DEMO_ROOMS)) {
      const all = [...members];
      if (roomId === DEMO_LARGE_ROOM) {
        for (let i = 1; i <= generated; i++) {
          all.push(`@member${String(i).padStart(5, '0')}:${DEMO_SERVER_NAME}`);
        }
      }
      await writer.createRoom(roomId, { creator: members[0] });
      await writer.joinAll(roomId, all);
      memberships += all.length;
    }
    return { path, memberships };
  } catch (cause) {
    throw new ServerStartError(
      'DEMO_DATABASE_FAILED',
      `Could not create the demo database at ${path}: ${messageOf(cause)}`,
      { cause },
    );
  } finally {
    db?.close();
  }
}

/** The embedded default configuration, serving the demo database at `databasePath`. */
export function embeddedConfigYaml(databasePath: string, port = 8008): string {
  const tokens = Object.entries(DEMO_TOKENS)
    .map(([user, token]) => `  '${user}': ${token}`)
    .join('\n');
  return `# The embedded default of presence-router serve (no --config given).
server_name: ${DEMO_SERVER_NAME}
listeners:
  - port: ${port}
    bind_addresses: ['127.0.0.1']
    type: http
access_tokens:
${tokens}
admin_token: ${DEMO_ADMIN_TOKEN}
live_page: true
membership:
  sqlite: ${JSON.stringify(databasePath)}
presence:
  sync_online_timeout: 30s
  idle_timeout: 5m
  exclude_rooms_from_presence: ['!quiet:${DEMO_SERVER_NAME}']
  routing_modules:
    - module: '@presence-router/example-router.ExamplePresenceRouter'
      config:
        always_send_to_users: ['@auditor:${DEMO_SERVER_NAME}']
        users_to_rooms:
          '@dave:${DEMO_SERVER_NAME}': ['!lobby:${DEMO_SERVER_NAME}']
rc_presence:
  per_user: { per_second: 5, burst_count: 20 }
`;
}
