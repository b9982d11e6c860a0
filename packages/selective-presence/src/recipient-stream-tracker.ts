/**
 * The sending side of MSC4495's recipient-set stream: for each local user, the current
 * recipient set and its `stream_id`; for each (user, destination server), the set the
 * destination is known to hold. From those it writes each EDU entry's fields:
 *
 * - the destination never acknowledged a set: the whole set as `add`, no `prev_id`;
 * - it holds the current version: `stream_id` alone (no `recipients`, no `prev_id`);
 * - it holds an older version: `prev_id` = that version, `stream_id` = the current one, and
 *   `recipients` = what changed for that destination (both lists empty when nothing did);
 * - its last recipient was removed and acknowledged: nothing more is sent to it (the
 *   proposal forbids updates without `add` after that), until a user there is added again.
 *
 * What a destination holds only moves on {@link RecipientStreamTracker.acknowledge}: call it
 * when the transaction carrying the entry was accepted (`200`). A lost transaction is then
 * simply computed again; a transaction applied whose answer was lost makes the destination
 * see an unknown `prev_id` and ask {@link RecipientStreamTracker.answerQuery}, which
 * resynchronizes it. State is in memory: after a restart every destination gets whole sets
 * again (no `prev_id`), which the receiving side takes as a replacement.
 *
 * @example
 * ```ts
 * const tracker = new RecipientStreamTracker({ serverName: 'matrix.org' });
 * const change = tracker.setRecipients('@john:matrix.org', recipients); // from selectiveRecipients
 * for (const destination of change.destinations) {
 *   const fields = tracker.entryFor('@john:matrix.org', destination); // merge into the EDU entry
 *   // ... after the transaction to `destination` succeeded:
 *   if (fields?.streamId !== undefined) tracker.acknowledge('@john:matrix.org', destination, fields.streamId);
 * }
 * ```
 * @module
 */
import { assertServerName, serverNameOf } from '@presence-router/core';
import { SelectivePresenceError } from './errors.ts';
import type { RecipientFields } from './recipient-fields.ts';
import type { RecipientsQueryResponse } from './recipients-query.ts';

/** Options of {@link RecipientStreamTracker}. */
export interface RecipientStreamTrackerOptions {
  /** This server's name: its users are local recipients, never sent over federation. */
  readonly serverName: string;
  /**
   * Makes a new `stream_id` for `userId`'s changed set. It must never repeat for a user,
   * across restarts too (the proposal only asks for uniqueness, not order). Default: the
   * larger of the last ID + 1 and `now() * 1000` (microsecond-like, a safe integer until 2255).
   */
  readonly newStreamId?: (userId: string) => number;
  /** The clock of the default `newStreamId`, in ms since the epoch. Default `Date.now`. */
  readonly now?: () => number;
}

/** What {@link RecipientStreamTracker.setRecipients} found. */
export interface RecipientSetChange {
  /** The user's `stream_id` after the call. */
  readonly streamId: number;
  /** Whether the set differs from the previous one (a new `stream_id` was made). */
  readonly changed: boolean;
  /** Local recipients, delivered by this server directly. */
  readonly local: readonly string[];
  /**
   * Destination servers that get the user's presence with MSC4495 fields: those with
   * recipients now, and those holding recipients that must be removed.
   */
  readonly destinations: readonly string[];
}

interface CurrentSet {
  readonly streamId: number;
  readonly local: readonly string[];
  /** Remote recipients by server. */
  readonly remote: ReadonlyMap<string, ReadonlySet<string>>;
}

interface HeldSet {
  readonly streamId: number;
  readonly recipients: ReadonlySet<string>;
}

/** Sent but not yet acknowledged sets per (user, destination), a few at most. */
const MAX_PENDING = 4;
const EMPTY: ReadonlySet<string> = new Set();

function sameSets(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const item of a) if (!b.has(item)) return false;
  return true;
}

/** Per-(sender, destination) recipient deltas; see the module documentation. */
export class RecipientStreamTracker {
  readonly serverName: string;
  readonly #newStreamId: (userId: string) => number;
  readonly #current = new Map<string, CurrentSet>();
  /** user -> destination -> the set the destination acknowledged. */
  readonly #held = new Map<string, Map<string, HeldSet>>();
  /** user -> destination -> sent, unacknowledged sets by stream ID. */
  readonly #pending = new Map<string, Map<string, Map<number, ReadonlySet<string>>>>();

  constructor(options: RecipientStreamTrackerOptions) {
    try {
      this.serverName = assertServerName(options?.serverName);
    } catch (cause) {
      throw new SelectivePresenceError('INVALID_OPTIONS', 'RecipientStreamTracker options', [
        { path: '$.serverName', message: cause instanceof Error ? cause.message : String(cause) },
      ]);
    }
    if (options.newStreamId !== undefined) this.#newStreamId = options.newStreamId;
    else {
      const now = options.now ?? Date.now;
      let last = 0;
      this.#newStreamId = () => {
        last = Math.max(last + 1, Math.floor(now()) * 1000);
        return last;
      };
    }
  }

  /**
   * Records `userId`'s recipient set (from `selectiveRecipients`); makes a new `stream_id`
   * when it differs from the last one. Returns where the user's presence goes.
   */
  setRecipients(userId: string, recipients: Iterable<string>): RecipientSetChange {
    const local: string[] = [];
    const remote = new Map<string, Set<string>>();
    for (const recipient of recipients) {
      const server = serverNameOf(recipient);
      if (server === undefined) continue;
      if (server === this.serverName) local.push(recipient);
      else {
        let users = remote.get(server);
        if (users === undefined) {
          users = new Set();
          remote.set(server, users);
        }
        users.add(recipient);
      }
    }
    const previous = this.#current.get(userId);
    const changed = previous === undefined || !this.#sameAs(previous, local, remote);
    const streamId = changed ? this.#newStreamId(userId) : previous.streamId;
    this.#current.set(userId, { streamId, local, remote });
    const destinations = new Set(remote.keys());
    for (const destination of this.#held.get(userId)?.keys() ?? []) destinations.add(destination);
    return { streamId, changed, local, destinations: [...destinations] };
  }

  /**
   * The MSC4495 fields of `userId`'s next EDU entry to `destination`, or `undefined` when
   * nothing is to be sent there (no recipients there now, none held there).
   */
  entryFor(userId: string, destination: string): RecipientFields | undefined {
    const current = this.#current.get(userId);
    if (current === undefined) return undefined;
    const wanted = current.remote.get(destination) ?? EMPTY;
    const held = this.#held.get(userId)?.get(destination);
    if (held === undefined) {
      if (wanted.size === 0) return undefined;
      this.#remember(userId, destination, current.streamId, wanted);
      return { streamId: current.streamId, recipients: { add: [...wanted], delete: [] } };
    }
    if (held.streamId === current.streamId) return { streamId: current.streamId };
    this.#remember(userId, destination, current.streamId, wanted);
    return {
      streamId: current.streamId,
      prevId: held.streamId,
      recipients: {
        add: [...wanted].filter((user) => !held.recipients.has(user)),
        delete: [...held.recipients].filter((user) => !wanted.has(user)),
      },
    };
  }

  /**
   * The transaction to `destination` carrying `userId`'s entry with `streamId` was accepted:
   * the destination now holds that set. Unknown stream IDs are ignored.
   */
  acknowledge(userId: string, destination: string, streamId: number): void {
    const pending = this.#pending.get(userId)?.get(destination);
    const recipients = pending?.get(streamId);
    if (pending === undefined || recipients === undefined) return;
    pending.delete(streamId);
    if (pending.size === 0) this.#pending.get(userId)?.delete(destination);
    this.#hold(userId, destination, { streamId, recipients });
  }

  /**
   * The `presence_recipients` answer for `destination` asking about `userId`, or `undefined`
   * for `404` (no recipient set known for the user). The destination then holds that set.
   */
  answerQuery(userId: string, destination: string): RecipientsQueryResponse | undefined {
    const current = this.#current.get(userId);
    if (current === undefined) return undefined;
    const recipients = current.remote.get(destination) ?? EMPTY;
    this.#hold(userId, destination, { streamId: current.streamId, recipients });
    return { stream_id: current.streamId, recipients: [...recipients] };
  }

  /** Forgets everything about `userId` (a deactivated account). */
  forget(userId: string): void {
    this.#current.delete(userId);
    this.#held.delete(userId);
    this.#pending.delete(userId);
  }

  #sameAs(
    previous: CurrentSet,
    local: readonly string[],
    remote: ReadonlyMap<string, ReadonlySet<string>>,
  ): boolean {
    if (previous.remote.size !== remote.size) return false;
    if (!sameSets(new Set(previous.local), new Set(local))) return false;
    for (const [server, users] of remote) {
      const before = previous.remote.get(server);
      if (before === undefined || !sameSets(before, users)) return false;
    }
    return true;
  }

  #remember(userId: string, destination: string, streamId: number, set: ReadonlySet<string>) {
    let byDestination = this.#pending.get(userId);
    if (byDestination === undefined) {
      byDestination = new Map();
      this.#pending.set(userId, byDestination);
    }
    let pending = byDestination.get(destination);
    if (pending === undefined) {
      pending = new Map();
      byDestination.set(destination, pending);
    }
    pending.delete(streamId);
    pending.set(streamId, set);
    if (pending.size > MAX_PENDING) pending.delete(pending.keys().next().value as number);
  }

  #hold(userId: string, destination: string, set: HeldSet): void {
    let byDestination = this.#held.get(userId);
    if (set.recipients.size === 0) {
      // The last recipient there is gone: the destination gets nothing more until an add.
      byDestination?.delete(destination);
      if (byDestination?.size === 0) this.#held.delete(userId);
      return;
    }
    if (byDestination === undefined) {
      byDestination = new Map();
      this.#held.set(userId, byDestination);
    }
    byDestination.set(destination, set);
  }
}
