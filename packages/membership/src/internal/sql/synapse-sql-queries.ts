/**
 * The SQL the Synapse adapter and the delta-stream poller run, written once for SQLite and
 * PostgreSQL (`?` placeholders; {@link IN_LIST} marks the list parameter).
 * All of them only read.
 *
 * @example
 * ```ts
 * const rows = await driver.selectByList(JOINED_MEMBERS, ['!room:hs.example']);
 * ```
 * @module
 */

/**
 * The marker of a list parameter in a query (as in `room_id IN_LIST`): `= ANY($n::text[])`
 * on PostgreSQL, chunked `IN (?, ?, ...)` on SQLite.
 */
export const IN_LIST = 'IN_LIST';

/** Tables and columns the adapter reads; `verifySchema` checks them. */
export const SYNAPSE_TABLES_READ: Readonly<Record<string, readonly string[]>> = Object.freeze({
  rooms: ['room_id'],
  current_state_events: ['room_id', 'type', 'state_key', 'membership'],
  local_current_membership: ['room_id', 'user_id', 'membership'],
  partial_state_rooms: ['room_id'],
  current_state_delta_stream: ['stream_id', 'room_id', 'type', 'state_key'],
});

/*
 * Participation is decided once per room, in a MATERIALIZED common table expression, never
 * once per member row: a correlated check per row made a 30,000-member room take seconds on
 * PostgreSQL tables without planner statistics (freshly written, not yet analyzed).
 * `AS MATERIALIZED` needs PostgreSQL 12+ and SQLite 3.35+ (better-sqlite3 bundles newer).
 */

/** Joined members of the listed rooms, for rooms with a local user joined. */
export const JOINED_MEMBERS = `WITH participating AS MATERIALIZED (
    SELECT r.room_id FROM rooms r
    WHERE r.room_id IN_LIST
      AND EXISTS (
        SELECT 1 FROM local_current_membership l
        WHERE l.room_id = r.room_id AND l.membership = 'join'
      )
  )
  SELECT c.room_id, c.state_key
  FROM participating p
  JOIN current_state_events c ON c.room_id = p.room_id
  WHERE c.type = 'm.room.member' AND c.membership = 'join'`;

/** Joined rooms of the listed users (`state_key`), among rooms with a local user joined. */
export const ROOMS_FOR_USERS = `WITH joined AS MATERIALIZED (
    SELECT c.room_id, c.state_key FROM current_state_events c
    WHERE c.type = 'm.room.member' AND c.membership = 'join' AND c.state_key IN_LIST
  ),
  participating AS MATERIALIZED (
    SELECT r.room_id FROM (SELECT DISTINCT room_id FROM joined) r
    WHERE EXISTS (
      SELECT 1 FROM local_current_membership l
      WHERE l.room_id = r.room_id AND l.membership = 'join'
    )
  )
  SELECT j.room_id, j.state_key
  FROM joined j
  JOIN participating p ON p.room_id = j.room_id`;

/** Status facts of the listed rooms that exist in `rooms`. */
export const ROOM_STATUSES = `SELECT r.room_id,
    EXISTS (SELECT 1 FROM partial_state_rooms p WHERE p.room_id = r.room_id) AS partial,
    EXISTS (
      SELECT 1 FROM local_current_membership l
      WHERE l.room_id = r.room_id AND l.membership = 'join'
    ) AS participating,
    (SELECT COUNT(*) FROM current_state_events c
      WHERE c.room_id = r.room_id AND c.type = 'm.room.member' AND c.membership = 'join') AS joined
  FROM rooms r
  WHERE r.room_id IN_LIST`;

/** The highest stream ID of the delta stream (NULL when empty). */
export const MAX_DELTA_STREAM_ID =
  'SELECT MAX(stream_id) AS max_id FROM current_state_delta_stream';

/**
 * Member state changes after a stream ID, in stream order. No LIMIT: Synapse writes all rows
 * of one stream ID in one transaction, so a read sees every row of an ID or none, and the
 * highest ID read is a safe resume point.
 */
export const MEMBER_DELTAS_AFTER = `SELECT stream_id, room_id, state_key
  FROM current_state_delta_stream
  WHERE type = 'm.room.member' AND stream_id > ?
  ORDER BY stream_id`;

/**
 * MSC4495 room hints of the listed rooms: the current `m.room.presence_sharing` state
 * (stable or unstable type, state key `''`) with the event's JSON, leaving out redacted
 * events (any redaction counts, so a redacted hint is absent: `forbid`).
 */
export const PRESENCE_SHARING_HINTS = `SELECT c.room_id, c.type, j.json
  FROM current_state_events c
  JOIN event_json j ON j.event_id = c.event_id
  WHERE c.room_id IN_LIST
    AND c.type IN ('m.room.presence_sharing', 'org.continuwuity.presence_v2.msc4495.room.presence_sharing')
    AND c.state_key = ''
    AND NOT EXISTS (SELECT 1 FROM redactions r WHERE r.redacts = c.event_id)`;
