/**
 * Test and demo tooling: create Synapse's membership tables and write membership changes the
 * way Synapse writes them, on SQLite or PostgreSQL. NOT for production homeserver databases:
 * it writes to the tables Synapse owns.
 *
 * Each change, as `sql/README.md` describes Synapse's own writes: a row in `events` and one in
 * `room_memberships`; the old `current_state_events` row of `(room, 'm.room.member', user)`
 * deleted and the new one inserted; the same in `local_current_membership` for local users;
 * a row appended to `current_state_delta_stream`. When the server leaves a room entirely, all
 * of the room's current state is deleted (the `rooms` row stays).
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3';
 * import { createSynapseSchema, SynapseFixtureWriter } from '@presence-router/membership';
 *
 * const db = new Database('/tmp/demo-homeserver.db');
 * await createSynapseSchema(db);
 * const writer = new SynapseFixtureWriter(db, { serverName: 'hs.example' });
 * await writer.join('!room:hs.example', '@alice:hs.example', { displayName: 'Alice' });
 * await writer.joinAll('!room:hs.example', ['@bob:other.example', '@carol:hs.example']);
 * ```
 * @module
 */
import { readFile } from 'node:fs/promises';
import { assertServerName, serverNameOf } from '@presence-router/core';
import { MembershipError } from './errors.ts';
import type { Membership } from './room-status.ts';
import { checkRoomId, checkUserId, isMembership } from './room-status.ts';
import type {
  FixtureColumnType,
  FixtureConnection,
  FixtureDatabase,
  FixtureValue,
} from './synapse-fixture-connection.ts';
import { fixtureConnection } from './synapse-fixture-connection.ts';

export type { FixtureDatabase } from './synapse-fixture-connection.ts';

/** Columns of `current_state_delta_stream`, as the fixture writer fills them. */
const DELTA_STREAM_COLUMNS: readonly (readonly [string, FixtureColumnType])[] = [
  ['stream_id', 'bigint'],
  ['room_id', 'text'],
  ['type', 'text'],
  ['state_key', 'text'],
  ['event_id', 'text'],
  ['prev_event_id', 'text'],
  ['instance_name', 'text'],
];

/** Where the schema copies live: `packages/membership/sql/`, beside `src/` and `dist/`. */
const SCHEMA_DIRECTORY = new URL('../sql/', import.meta.url);

/**
 * Creates Synapse's membership tables (the copies in `sql/sqlite.sql` / `sql/postgres.sql`)
 * in an empty database. On PostgreSQL they go to the first schema of the `search_path`.
 */
export async function createSynapseSchema(db: FixtureDatabase): Promise<void> {
  const connection = fixtureConnection(db);
  const file = new URL(`${connection.dialect}.sql`, SCHEMA_DIRECTORY);
  let sql: string;
  try {
    sql = await readFile(file, 'utf8');
  } catch (cause) {
    throw new MembershipError('INVALID_OPTIONS', `Cannot read the schema copy ${file.pathname}`, {
      cause,
    });
  }
  try {
    await connection.script(sql);
  } catch (cause) {
    throw new MembershipError(
      'DATABASE_ERROR',
      `Creating the Synapse schema failed: ${String(cause)}`,
      {
        cause,
      },
    );
  }
}

/** Profile and sender of a membership event. */
export interface MemberEventOptions {
  /** Per-room display name (`room_memberships.display_name`, `content.displayname`). */
  readonly displayName?: string | null;
  /** Per-room avatar (`room_memberships.avatar_url`, `content.avatar_url`). */
  readonly avatarUrl?: string | null;
  /** Who sent the event; default the user itself (a ban or invite is sent by someone else). */
  readonly sender?: string;
}

/** Options of {@link SynapseFixtureWriter}. */
export interface SynapseFixtureWriterOptions {
  /** The homeserver's name: its users get `local_current_membership` rows. */
  readonly serverName: string;
  /** `instance_name` written to events and deltas; default `master`. */
  readonly instanceName?: string;
  /** Clock for `origin_server_ts`; default `Date.now`. */
  readonly now?: () => number;
  /** Room version of rooms the writer creates; default `10`. */
  readonly roomVersion?: string;
}

interface MemberChange {
  readonly userId: string;
  readonly membership: Membership | null;
  readonly options: MemberEventOptions;
}

const MEMBER = 'm.room.member';

/** Writes Synapse-shaped membership data; see the module documentation. Test/demo use only. */
export class SynapseFixtureWriter {
  readonly serverName: string;
  readonly #connection: FixtureConnection;
  readonly #instanceName: string;
  readonly #now: () => number;
  readonly #roomVersion: string;
  #eventCounter = 0;

  constructor(db: FixtureDatabase, options: SynapseFixtureWriterOptions) {
    this.#connection = fixtureConnection(db);
    try {
      this.serverName = assertServerName(options?.serverName);
    } catch (cause) {
      throw new MembershipError(
        'INVALID_OPTIONS',
        'SynapseFixtureWriter needs a valid serverName',
        {
          cause,
        },
      );
    }
    this.#instanceName = options.instanceName ?? 'master';
    this.#now = options.now ?? Date.now;
    this.#roomVersion = options.roomVersion ?? '10';
  }

  /** Adds the `rooms` row (no membership yet); nothing happens when it exists. */
  async createRoom(roomId: string, options: { creator?: string; roomVersion?: string } = {}) {
    checkRoomId(roomId);
    await this.#ensureRoom(this.#connection, roomId, options.creator ?? null, options.roomVersion);
  }

  /** `userId` joins; for a joined user this is a profile change (a new join event). */
  join(roomId: string, userId: string, options: MemberEventOptions = {}): Promise<void> {
    return this.setMembership(roomId, userId, 'join', options);
  }

  /** A profile change: a new join event for an already joined user. */
  changeProfile(roomId: string, userId: string, options: MemberEventOptions): Promise<void> {
    return this.setMembership(roomId, userId, 'join', options);
  }

  /** `userId` leaves (or, with another `sender`, is kicked). */
  leave(roomId: string, userId: string, options: MemberEventOptions = {}): Promise<void> {
    return this.setMembership(roomId, userId, 'leave', options);
  }

  /** `userId` is banned. */
  ban(roomId: string, userId: string, options: MemberEventOptions = {}): Promise<void> {
    return this.setMembership(roomId, userId, 'ban', options);
  }

  /** `userId` is invited. */
  invite(roomId: string, userId: string, options: MemberEventOptions = {}): Promise<void> {
    return this.setMembership(roomId, userId, 'invite', options);
  }

  /** `userId` knocks. */
  knock(roomId: string, userId: string, options: MemberEventOptions = {}): Promise<void> {
    return this.setMembership(roomId, userId, 'knock', options);
  }

  /** Writes one membership event for `userId` in `roomId`. */
  async setMembership(
    roomId: string,
    userId: string,
    membership: Membership,
    options: MemberEventOptions = {},
  ): Promise<void> {
    if (!isMembership(membership)) {
      throw new MembershipError(
        'INVALID_OPTIONS',
        `Unknown membership ${JSON.stringify(membership)}`,
      );
    }
    await this.#write(checkRoomId(roomId), [{ userId: checkUserId(userId), membership, options }]);
  }

  /** Joins many users in one transaction (one event and one delta row each). */
  async joinAll(roomId: string, userIds: Iterable<string>): Promise<void> {
    const changes: MemberChange[] = [];
    for (const userId of userIds) {
      changes.push({ userId: checkUserId(userId), membership: 'join', options: {} });
    }
    await this.#write(checkRoomId(roomId), changes);
  }

  /**
   * A member event that failed authorization: Synapse keeps it with `membership` NULL in
   * `current_state_events`. Readers must not count it as joined.
   */
  async rejectedMember(roomId: string, userId: string): Promise<void> {
    await this.#write(checkRoomId(roomId), [
      { userId: checkUserId(userId), membership: null, options: {} },
    ]);
  }

  /**
   * The server leaves the room entirely: local members get leave events, then every
   * `current_state_events` row of the room is deleted (a delta row each, `event_id` NULL);
   * the `rooms` row stays.
   */
  async serverLeave(roomId: string): Promise<void> {
    checkRoomId(roomId);
    await this.#connection.transaction(async (tx) => {
      const locals = await tx.run<{ user_id: string }>(
        "SELECT user_id FROM local_current_membership WHERE room_id = ? AND membership = 'join'",
        [roomId],
      );
      if (locals.length > 0) {
        await this.#writeIn(
          tx,
          roomId,
          locals.map((row) => ({ userId: row.user_id, membership: 'leave' as const, options: {} })),
        );
      }
      const state = await tx.run<{ type: string; state_key: string; event_id: string }>(
        'SELECT type, state_key, event_id FROM current_state_events WHERE room_id = ?',
        [roomId],
      );
      await tx.run('DELETE FROM current_state_events WHERE room_id = ?', [roomId]);
      const streamId = (await this.#maxStreamId(tx)) + 1;
      await tx.insert(
        'current_state_delta_stream',
        DELTA_STREAM_COLUMNS,
        state.map((row) => [
          streamId,
          roomId,
          row.type,
          row.state_key,
          null,
          row.event_id,
          this.#instanceName,
        ]),
      );
    });
  }

  /** Adds the room to or removes it from `partial_state_rooms` (creating the `rooms` row). */
  async setPartialState(roomId: string, partial: boolean): Promise<void> {
    checkRoomId(roomId);
    await this.#connection.transaction(async (tx) => {
      await this.#ensureRoom(tx, roomId, null, undefined);
      await tx.run('DELETE FROM partial_state_rooms WHERE room_id = ?', [roomId]);
      if (partial) await tx.run('INSERT INTO partial_state_rooms (room_id) VALUES (?)', [roomId]);
    });
  }

  /** Deletes the room's `rooms` row (and partial-state flag): the room becomes unknown. */
  async forgetRoom(roomId: string): Promise<void> {
    checkRoomId(roomId);
    await this.#connection.transaction(async (tx) => {
      await tx.run('DELETE FROM partial_state_rooms WHERE room_id = ?', [roomId]);
      await tx.run('DELETE FROM rooms WHERE room_id = ?', [roomId]);
    });
  }

  async #ensureRoom(
    tx: FixtureConnection,
    roomId: string,
    creator: string | null,
    roomVersion: string | undefined,
  ): Promise<void> {
    await tx.run(
      `INSERT INTO rooms (room_id, is_public, creator, room_version, has_auth_chain_index)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT (room_id) DO NOTHING`,
      [roomId, false, creator, roomVersion ?? this.#roomVersion, true],
    );
  }

  async #maxStreamId(tx: FixtureConnection): Promise<number> {
    const [row] = await tx.run<{
      events_max: number | string | null;
      deltas_max: number | string | null;
    }>(
      `SELECT (SELECT MAX(stream_ordering) FROM events) AS events_max,
              (SELECT MAX(stream_id) FROM current_state_delta_stream) AS deltas_max`,
      [],
    );
    return Math.max(Number(row?.events_max ?? 0), Number(row?.deltas_max ?? 0));
  }

  #write(roomId: string, changes: readonly MemberChange[]): Promise<void> {
    return this.#connection.transaction((tx) => this.#writeIn(tx, roomId, changes));
  }

  async #writeIn(
    tx: FixtureConnection,
    roomId: string,
    changes: readonly MemberChange[],
  ): Promise<void> {
    if (changes.length === 0) return;
    const firstCreator = changes[0]?.userId ?? null;
    await this.#ensureRoom(tx, roomId, firstCreator, undefined);
    const base = (await this.#maxStreamId(tx)) + 1;
    const userIds = changes.map((change) => change.userId);
    const previous = await this.#currentMemberEvents(tx, roomId, [...new Set(userIds)]);
    const now = this.#now();
    const events: FixtureValue[][] = [];
    const memberships: FixtureValue[][] = [];
    const current = new Map<string, FixtureValue[]>();
    const local = new Map<string, FixtureValue[]>();
    const deltas: FixtureValue[][] = [];
    changes.forEach((change, index) => {
      const stream = base + index;
      const eventId = `$fixture${stream}_${(++this.#eventCounter).toString(36)}`;
      const sender = change.options.sender ?? change.userId;
      const displayName = change.options.displayName ?? null;
      const avatarUrl = change.options.avatarUrl ?? null;
      const content: Record<string, unknown> = { membership: change.membership ?? 'join' };
      if (displayName !== null) content.displayname = displayName;
      if (avatarUrl !== null) content.avatar_url = avatarUrl;
      events.push([
        stream,
        stream,
        eventId,
        MEMBER,
        roomId,
        JSON.stringify(content),
        true,
        false,
        stream,
        now,
        now,
        sender,
        false,
        this.#instanceName,
        change.userId,
        change.membership === null ? 'auth_error' : null,
      ]);
      memberships.push([
        eventId,
        change.userId,
        sender,
        roomId,
        change.membership ?? 'join',
        0,
        displayName,
        avatarUrl,
        stream,
        false,
      ]);
      current.set(change.userId, [
        eventId,
        roomId,
        MEMBER,
        change.userId,
        change.membership,
        stream,
      ]);
      if (change.membership !== null && serverNameOf(change.userId) === this.serverName) {
        local.set(change.userId, [roomId, change.userId, eventId, change.membership, stream]);
      }
      deltas.push([
        stream,
        roomId,
        MEMBER,
        change.userId,
        eventId,
        previous.get(change.userId) ?? null,
        this.#instanceName,
      ]);
      previous.set(change.userId, eventId);
    });
    await tx.insert(
      'events',
      [
        ['stream_ordering', 'bigint'],
        ['topological_ordering', 'bigint'],
        ['event_id', 'text'],
        ['type', 'text'],
        ['room_id', 'text'],
        ['content', 'text'],
        ['processed', 'bool'],
        ['outlier', 'bool'],
        ['depth', 'bigint'],
        ['origin_server_ts', 'bigint'],
        ['received_ts', 'bigint'],
        ['sender', 'text'],
        ['contains_url', 'bool'],
        ['instance_name', 'text'],
        ['state_key', 'text'],
        ['rejection_reason', 'text'],
      ],
      events,
    );
    await tx.insert(
      'room_memberships',
      [
        ['event_id', 'text'],
        ['user_id', 'text'],
        ['sender', 'text'],
        ['room_id', 'text'],
        ['membership', 'text'],
        ['forgotten', 'int'],
        ['display_name', 'text'],
        ['avatar_url', 'text'],
        ['event_stream_ordering', 'bigint'],
        ['participant', 'bool'],
      ],
      memberships,
    );
    await this.#deleteMembers(tx, 'current_state_events', 'state_key', roomId, [...current.keys()]);
    await tx.insert(
      'current_state_events',
      [
        ['event_id', 'text'],
        ['room_id', 'text'],
        ['type', 'text'],
        ['state_key', 'text'],
        ['membership', 'text'],
        ['event_stream_ordering', 'bigint'],
      ],
      [...current.values()],
    );
    if (local.size > 0) {
      await this.#deleteMembers(tx, 'local_current_membership', 'user_id', roomId, [
        ...local.keys(),
      ]);
      await tx.insert(
        'local_current_membership',
        [
          ['room_id', 'text'],
          ['user_id', 'text'],
          ['event_id', 'text'],
          ['membership', 'text'],
          ['event_stream_ordering', 'bigint'],
        ],
        [...local.values()],
      );
    }
    await tx.insert('current_state_delta_stream', DELTA_STREAM_COLUMNS, deltas);
  }

  /** Event IDs of the current member state of `userIds` in the room. */
  async #currentMemberEvents(
    tx: FixtureConnection,
    roomId: string,
    userIds: readonly string[],
  ): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const select =
      'SELECT state_key, event_id FROM current_state_events WHERE room_id = ? AND type = ?';
    if (tx.dialect === 'postgres') {
      const rows = await tx.run<{ state_key: string; event_id: string }>(
        `${select} AND state_key = ANY(?::text[])`,
        [roomId, MEMBER, userIds],
      );
      for (const row of rows) found.set(row.state_key, row.event_id);
      return found;
    }
    for (const userId of userIds) {
      const [row] = await tx.run<{ state_key: string; event_id: string }>(
        `${select} AND state_key = ?`,
        [roomId, MEMBER, userId],
      );
      if (row !== undefined) found.set(row.state_key, row.event_id);
    }
    return found;
  }

  async #deleteMembers(
    tx: FixtureConnection,
    table: 'current_state_events' | 'local_current_membership',
    userColumn: 'state_key' | 'user_id',
    roomId: string,
    userIds: readonly string[],
  ): Promise<void> {
    const typeFilter = table === 'current_state_events' ? ` AND type = '${MEMBER}'` : '';
    if (tx.dialect === 'postgres') {
      await tx.run(
        `DELETE FROM ${table} WHERE room_id = ?${typeFilter} AND ${userColumn} = ANY(?::text[])`,
        [roomId, userIds],
      );
      return;
    }
    for (const userId of userIds) {
      await tx.run(`DELETE FROM ${table} WHERE room_id = ?${typeFilter} AND ${userColumn} = ?`, [
        roomId,
        userId,
      ]);
    }
  }
}
