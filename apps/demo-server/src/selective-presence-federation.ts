/**
 * MSC4495 over federation. Sending: each local sender's recipient set is tracked per
 * destination (`RecipientStreamTracker`); every outgoing `m.presence` entry carries
 * `stream_id`, and `prev_id`/`recipients` when the destination holds an older set; an
 * accepted transaction acknowledges them; a destination that only has recipients to remove
 * is sent the update too. Receiving: each entry's fields decide which local users receive
 * the remote user's presence (`InboundRecipientSets`): none → legacy (local co-members);
 * `needs-query` → nobody until the origin's `presence_recipients` answer comes. Serving:
 * {@link SelectiveFederation.answerQuery} answers that query for the asking server.
 *
 * @example
 * ```ts
 * const selective = new SelectiveFederation({ serverName, logger });
 * // FederationPresenceSender({ entryFields: selective.entryFields, onAccepted: selective.accepted, ... })
 * selective.connect({ query: federation.queryRecipients, send: (destination, state) => ... });
 * ```
 * @module
 */
import { type Logger, serverNameOf, type UserPresenceState } from '@presence-router/core';
import {
  InboundRecipientSets,
  parseRecipientsQueryResponse,
  RecipientStreamTracker,
  type RecipientsQueryResponse,
  readRecipientFields,
  recipientFieldsJson,
} from '@presence-router/selective-presence';
import { messageOf } from './errors.ts';
import { RecipientIndex } from './selective-presence-index.ts';

/** Asks `origin` for `userId`'s recipients: the status and the JSON body. */
export type RecipientsQuery = (
  origin: string,
  userId: string,
) => Promise<{ readonly status: number; readonly body: unknown }>;

/** A remote user's local recipients before and after an entry (undefined: legacy). */
export interface RemoteRecipientChange {
  readonly userId: string;
  readonly before: ReadonlySet<string> | undefined;
  readonly after: ReadonlySet<string> | undefined;
}

/** Sends `state` to `destination` (outside the fan-out: only recipients to remove there). */
export type DestinationSend = (destination: string, state: UserPresenceState) => void;

/** See the module documentation. */
export class SelectiveFederation {
  readonly serverName: string;
  readonly tracker: RecipientStreamTracker;
  readonly inbound: InboundRecipientSets;
  readonly #logger: Logger;
  /** Remote user → the local users its last entry (or the query) named. */
  readonly #remote = new Map<string, ReadonlySet<string>>();
  /** The inverse of #remote: local user → remote senders naming it. */
  readonly #remoteIndex = new RecipientIndex();
  readonly #queries = new Map<string, Promise<void>>();
  #query: RecipientsQuery | undefined;
  #send: DestinationSend | undefined;

  constructor(options: { readonly serverName: string; readonly logger: Logger }) {
    this.serverName = options.serverName;
    this.tracker = new RecipientStreamTracker({ serverName: options.serverName });
    this.inbound = new InboundRecipientSets({ serverName: options.serverName });
    this.#logger = options.logger;
  }

  /** How the origin is queried and a destination sent to (the federation, once built). */
  connect(parts: { readonly query: RecipientsQuery; readonly send: DestinationSend }): void {
    this.#query = parts.query;
    this.#send = parts.send;
  }

  /**
   * A local sender's new set; with the state being routed, destinations that only hold
   * recipients to remove are sent it (the fan-out sends the others).
   */
  recipientsChanged(
    userId: string,
    recipients: ReadonlySet<string>,
    state: UserPresenceState | undefined,
  ): void {
    const change = this.tracker.setRecipients(userId, recipients);
    if (state === undefined || this.#send === undefined) return;
    const reached = new Set([...recipients].map((recipient) => serverNameOf(recipient)));
    for (const destination of change.destinations) {
      if (!reached.has(destination)) this.#send(destination, state);
    }
  }

  /** The sender's `entryFields`: the MSC4495 fields of a local sender's entry. */
  entryFields = (
    destination: string,
    state: UserPresenceState,
  ): Record<string, unknown> | undefined => {
    if (serverNameOf(state.userId) !== this.serverName) return undefined;
    const fields = this.tracker.entryFor(state.userId, destination);
    return fields === undefined ? undefined : recipientFieldsJson(fields);
  };

  /** The sender's `onAccepted`: the destination now holds the stream IDs it was sent. */
  accepted = (
    destination: string,
    sent: readonly { readonly state: UserPresenceState; readonly fields: unknown }[],
  ): void => {
    for (const { state, fields } of sent) {
      const streamId = (fields as { stream_id?: unknown } | undefined)?.stream_id;
      if (typeof streamId === 'number')
        this.tracker.acknowledge(state.userId, destination, streamId);
    }
  };

  /** `GET .../query/presence_recipients` for `origin`; undefined: 404. */
  answerQuery(userId: string, origin: string): RecipientsQueryResponse | undefined {
    return this.tracker.answerQuery(userId, origin);
  }

  /**
   * Decides each received entry before its state is routed; returns the remote users whose
   * local recipients changed, with what they were (undefined: legacy) and are now.
   */
  received(
    states: readonly UserPresenceState[],
    origin: string,
    entries: readonly Readonly<Record<string, unknown>>[],
  ): RemoteRecipientChange[] {
    const changes: RemoteRecipientChange[] = [];
    states.forEach((state, index) => {
      const userId = state.userId;
      const before = this.#remote.get(userId);
      this.#decide(userId, origin, entries[index]);
      const after = this.#remote.get(userId);
      if (before !== after) changes.push({ userId, before, after });
    });
    return changes;
  }

  #decide(
    userId: string,
    origin: string,
    entry: Readonly<Record<string, unknown>> | undefined,
  ): void {
    const fields = readRecipientFields({ ...(entry ?? {}) });
    if (typeof fields === 'string') {
      // A malformed entry: delivered to nobody.
      this.#hold(userId, new Set());
      return;
    }
    const decision = this.inbound.apply(userId, fields);
    if (decision.kind === 'legacy') this.#hold(userId, undefined);
    else if (decision.kind === 'deliver') this.#hold(userId, decision.recipients);
    else {
      this.#hold(userId, new Set());
      this.#recover(origin, userId);
    }
  }

  /** Holds (undefined: forgets) the local users `userId`'s presence goes to. */
  #hold(userId: string, recipients: ReadonlySet<string> | undefined): void {
    if (recipients === undefined) this.#remote.delete(userId);
    else this.#remote.set(userId, recipients);
    this.#remoteIndex.set(userId, recipients ?? new Set());
  }

  /** The remote users whose last entry named `viewer`. */
  remoteSendersFor = (viewer: string): ReadonlySet<string> => this.#remoteIndex.sendersFor(viewer);

  /** The local users a remote user's presence goes to; undefined: legacy delivery. */
  remoteRecipients = (userId: string): ReadonlySet<string> | undefined => this.#remote.get(userId);

  /** Resolves when no query is running (tests). */
  async idle(): Promise<void> {
    while (this.#queries.size > 0) await Promise.all(this.#queries.values());
  }

  /** Queries `origin` for `userId`'s set (one query per user at a time). */
  #recover(origin: string, userId: string): void {
    const query = this.#query;
    if (query === undefined || this.#queries.has(userId)) return;
    const run = (async () => {
      try {
        const answer = await query(origin, userId);
        if (answer.status === 404) return;
        if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
        const known = parseRecipientsQueryResponse(answer.body, { serverName: this.serverName });
        this.inbound.recover(userId, known);
        this.#hold(userId, known.recipients);
      } catch (error) {
        this.#logger.warn('selective presence: presence_recipients query failed', {
          origin,
          userId,
          error: messageOf(error),
        });
      } finally {
        this.#queries.delete(userId);
      }
    })();
    this.#queries.set(userId, run);
  }
}
