/**
 * The receiving side of MSC4495's recipient-set stream: which local users get a remote
 * user's presence update, from the entry's fields and the set this server holds for that
 * user. The proposal's inbound rules, in {@link applyRecipientFields}:
 *
 * - no `stream_id`: a legacy entry; deliver as before MSC4495 (to local users sharing a
 *   room with the sender). The held set is kept;
 * - `stream_id` alone: it names the held set: deliver to it; otherwise `needs-query`;
 * - `recipients` without `prev_id`: a whole set; it replaces what is held (the proposal only
 *   says "initialise" for a server holding nothing; a whole set is the origin's current view,
 *   so it replaces). Deliver to it;
 * - `recipients` with `prev_id`: when `prev_id` names the held set, apply the delta and
 *   deliver to the result; when `stream_id` already names it (the same delta again), deliver
 *   to it unchanged; otherwise `needs-query`.
 *
 * `needs-query` delivers to nobody: the server asks the origin's `presence_recipients`
 * endpoint, stores the answer ({@link InboundRecipientSets.recover}) and may then deliver the
 * update to it; until an answer arrives the set is taken as empty. Users of other servers in
 * `recipients` are ignored.
 *
 * @example
 * ```ts
 * const sets = new InboundRecipientSets({ serverName: 'example.com' });
 * const decision = sets.apply('@john:matrix.org', readRecipientFields(entry));
 * if (decision.kind === 'deliver') deliverTo(decision.recipients);
 * else if (decision.kind === 'legacy') deliverToCoMembers();
 * else if (decision.kind === 'needs-query') queryOrigin('@john:matrix.org');
 * ```
 * @module
 */
import { serverNameOf } from '@presence-router/core';
import type { RecipientFields } from './recipient-fields.ts';
import type { KnownRecipientSet } from './recipients-query.ts';

/** What to do with one inbound presence entry. */
export type InboundDecision =
  /** No `stream_id`: deliver as without MSC4495. */
  | { readonly kind: 'legacy' }
  /** Deliver to `recipients` and hold `state` from now on. */
  | {
      readonly kind: 'deliver';
      readonly recipients: ReadonlySet<string>;
      readonly state: KnownRecipientSet;
    }
  /** The fields cannot be followed: deliver to nobody, query the origin for `userId`'s set. */
  | { readonly kind: 'needs-query'; readonly streamId: number };

function localOnly(users: readonly string[], serverName: string): string[] {
  return users.filter((user) => serverNameOf(user) === serverName);
}

/**
 * The decision for an entry with `fields`, given the `held` set (`undefined`: none) and this
 * server's name. Pure: the caller stores `state` of a `deliver` decision.
 */
export function applyRecipientFields(
  held: KnownRecipientSet | undefined,
  fields: RecipientFields,
  serverName: string,
): InboundDecision {
  const { streamId, prevId, recipients } = fields;
  if (streamId === undefined) return { kind: 'legacy' };
  if (held !== undefined && held.streamId === streamId) {
    return { kind: 'deliver', recipients: held.recipients, state: held };
  }
  if (prevId === undefined) {
    if (recipients === undefined) return { kind: 'needs-query', streamId };
    const state = { streamId, recipients: new Set(localOnly(recipients.add, serverName)) };
    return { kind: 'deliver', recipients: state.recipients, state };
  }
  if (held === undefined || held.streamId !== prevId) return { kind: 'needs-query', streamId };
  const next = new Set(held.recipients);
  for (const user of localOnly(recipients?.add ?? [], serverName)) next.add(user);
  for (const user of recipients?.delete ?? []) next.delete(user);
  const state = { streamId, recipients: next };
  return { kind: 'deliver', recipients: next, state };
}

/** Options of {@link InboundRecipientSets}. */
export interface InboundRecipientSetsOptions {
  /** This server's name: only its users are recipients. */
  readonly serverName: string;
}

/** The held sets of remote users, in memory, with {@link applyRecipientFields}'s rules. */
export class InboundRecipientSets {
  readonly serverName: string;
  readonly #held = new Map<string, KnownRecipientSet>();

  constructor(options: InboundRecipientSetsOptions) {
    this.serverName = options.serverName;
  }

  /** Decides an entry of `userId` and holds the resulting set. */
  apply(userId: string, fields: RecipientFields): InboundDecision {
    const decision = applyRecipientFields(this.#held.get(userId), fields, this.serverName);
    if (decision.kind === 'deliver') this.#held.set(userId, decision.state);
    return decision;
  }

  /** Holds the set a `presence_recipients` answer gave (see `parseRecipientsQueryResponse`). */
  recover(userId: string, known: KnownRecipientSet): void {
    this.#held.set(userId, known);
  }

  /** The set held for `userId`, if any. */
  get(userId: string): KnownRecipientSet | undefined {
    return this.#held.get(userId);
  }

  /** Forgets `userId`'s set. */
  forget(userId: string): void {
    this.#held.delete(userId);
  }
}
