/**
 * Test and demo tooling: create Synapse's membership tables and write membership changes the
 * way Synapse writes them, on SQLite or PostgreSQL. NOT for production homeserver databases:
 * it writes to the tables Synapse owns.
 *
 * Each change, as `sql/README.md` describes Synapse's own writes: a row in `events` and one in
 * `room_memberships`; the old `current_state_events` row of `(room, 'm.room.member', user)`
 * deleted and the new one inserted; the same in `local_current_membership` for local users;
 * a row appended to `current_state_delta_stream` (the rows of each table are built in
 * `internal/fixture/member-event-rows.ts`). When the server leaves a room entirely, all of
 * the room's current state is deleted (the `rooms` row stays).
 *
 * It needs no driver of its own: hand it a `better-sqlite3` database or a `pg` pool or client.
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3';
 * import { createSynapseSchema, SynapseFixtureWriter } from '@presence-router/membership/testing';
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
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { MembershipError } from '../errors.ts';
import { checkRoomId, checkUserId } from '../internal/checked-ids.ts';
import {
  CURRENT_STATE_COLUMNS,
  currentStateRow,
  DELTA_STREAM_COLUMNS,
  deltaStreamRow,
  EVENTS_COLUMNS,
  eventsRow,
  LOCAL_MEMBERSHIP_COLUMNS,
  localMembershipRow,
  MEMBER,
  type MemberEvent,
  ROOM_MEMBERSHIPS_COLUMNS,
  roomMembershipsRow,
} from '../internal/fixture/member-event-rows.ts';
import {
  EVENT_JSON_COLUMNS,
  eventJsonRow,
  REDACTIONS_COLUMNS,
  type StateEvent,
  stateCurrentRow,
  stateDeltaRow,
  stateEventsRow,
} from '../internal/fixture/state-event-rows.ts';
import type {
  FixtureConnection,
  FixtureValue,
} from '../internal/fixture/synapse-fixture-connection.ts';
import { fixtureConnection } from '../internal/fixture/synapse-fixture-connection.ts';
import { isMembership } from '../internal/membership-values.ts';
import type { Membership } from '../room-status.ts';

/** A database the fixture tools write to: `better-sqlite3`, or a `pg` pool or client. */
export type FixtureDatabase = Database.Database | pg.Pool | pg.PoolClient | pg.Client;

/** Where the schema copies live: `packages/membership/sql/`, beside `src/` and `dist/`. */
const SCHEMA_DIRECTORY = new URL('../../sql/', import.meta.url);

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

  /**
   * Writes a state event other than a membership (such as MSC4495's
   * `m.room.presence_sharing` hint, state key `''`): rows in `events` and `event_json`, the
   * room's current `(type, stateKey)` state replaced, a delta row. Resolves to its event ID.
   */
  async writeStateEvent(
    roomId: string,
    type: string,
    content: unknown,
    options: { stateKey?: string; sender?: string } = {},
  ): Promise<string> {
    checkRoomId(roomId);
    if (typeof type !== 'string' || type === '' || type === MEMBER) {
      throw new MembershipError(
        'INVALID_OPTIONS',
        `writeStateEvent needs a state event type other than ${MEMBER}`,
      );
    }
    const stateKey = options.stateKey ?? '';
    return this.#connection.transaction(async (tx) => {
      await this.#ensureRoom(tx, roomId, null, undefined);
      const stream = (await this.#maxStreamId(tx)) + 1;
      const [previous] = await tx.run<{ event_id: string }>(
        'SELECT event_id FROM current_state_events WHERE room_id = ? AND type = ? AND state_key = ?',
        [roomId, type, stateKey],
      );
      const event: StateEvent = {
        stream,
        eventId: `$fixture${stream}_${(++this.#eventCounter).toString(36)}`,
        roomId,
        type,
        stateKey,
        content,
        sender: options.sender ?? `@admin:${this.serverName}`,
        timestamp: this.#now(),
        instanceName: this.#instanceName,
        previousEventId: previous?.event_id ?? null,
      };
      await tx.insert('events', EVENTS_COLUMNS, [stateEventsRow(event)]);
      await tx.insert('event_json', EVENT_JSON_COLUMNS, [eventJsonRow(event)]);
      await tx.run(
        'DELETE FROM current_state_events WHERE room_id = ? AND type = ? AND state_key = ?',
        [roomId, type, stateKey],
      );
      await tx.insert('current_state_events', CURRENT_STATE_COLUMNS, [stateCurrentRow(event)]);
      await tx.insert('current_state_delta_stream', DELTA_STREAM_COLUMNS, [stateDeltaRow(event)]);
      return event.eventId;
    });
  }

  /** Redacts `eventId`: a redaction event in `events` and its `redactions` row. */
  async redact(roomId: string, eventId: string, options: { sender?: string } = {}): Promise<void> {
    checkRoomId(roomId);
    await this.#connection.transaction(async (tx) => {
      const stream = (await this.#maxStreamId(tx)) + 1;
      const redaction: StateEvent = {
        stream,
        eventId: `$fixture${stream}_${(++this.#eventCounter).toString(36)}`,
        roomId,
        type: 'm.room.redaction',
        stateKey: '',
        content: {},
        sender: options.sender ?? `@admin:${this.serverName}`,
        timestamp: this.#now(),
        instanceName: this.#instanceName,
        previousEventId: null,
      };
      const row = stateEventsRow(redaction);
      row[14] = null; // a redaction is not a state event
      await tx.insert('events', EVENTS_COLUMNS, [row]);
      await tx.insert('redactions', REDACTIONS_COLUMNS, [
        [redaction.eventId, eventId, false, redaction.timestamp],
      ]);
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
    await this.#ensureRoom(tx, roomId, changes[0]?.userId ?? null, undefined);
    const events = await this.#memberEvents(tx, roomId, changes);
    await tx.insert('events', EVENTS_COLUMNS, events.map(eventsRow));
    await tx.insert('room_memberships', ROOM_MEMBERSHIPS_COLUMNS, events.map(roomMembershipsRow));
    // Current state: each user's last event replaces the one before.
    const current = new Map(events.map((event) => [event.userId, currentStateRow(event)]));
    await this.#deleteMembers(tx, 'current_state_events', 'state_key', roomId, [...current.keys()]);
    await tx.insert('current_state_events', CURRENT_STATE_COLUMNS, [...current.values()]);
    const local = new Map<string, FixtureValue[]>();
    const isLocal = (userId: string) => serverNameOf(userId) === this.serverName;
    for (const event of events) {
      const row = localMembershipRow(event, isLocal);
      if (row !== undefined) local.set(event.userId, row);
    }
    if (local.size > 0) {
      await this.#deleteMembers(tx, 'local_current_membership', 'user_id', roomId, [
        ...local.keys(),
      ]);
      await tx.insert('local_current_membership', LOCAL_MEMBERSHIP_COLUMNS, [...local.values()]);
    }
    await tx.insert('current_state_delta_stream', DELTA_STREAM_COLUMNS, events.map(deltaStreamRow));
  }

  /** The events of `changes`, numbered after the highest stream ID, each replacing the last. */
  async #memberEvents(
    tx: FixtureConnection,
    roomId: string,
    changes: readonly MemberChange[],
  ): Promise<MemberEvent[]> {
    const base = (await this.#maxStreamId(tx)) + 1;
    const userIds = [...new Set(changes.map((change) => change.userId))];
    const previous = await this.#currentMemberEvents(tx, roomId, userIds);
    const timestamp = this.#now();
    return changes.map((change, index) => {
      const stream = base + index;
      const eventId = `$fixture${stream}_${(++this.#eventCounter).toString(36)}`;
      const event: MemberEvent = {
        stream,
        eventId,
        roomId,
        userId: change.userId,
        membership: change.membership,
        sender: change.options.sender ?? change.userId,
        displayName: change.options.displayName ?? null,
        avatarUrl: change.options.avatarUrl ?? null,
        timestamp,
        instanceName: this.#instanceName,
        previousEventId: previous.get(change.userId) ?? null,
      };
      previous.set(change.userId, eventId);
      return event;
    });
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
