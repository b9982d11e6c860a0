/**
 * Why one user does or does not receive another's presence: the user itself, the rooms they
 * share (and which of those are excluded from presence or, under the policy, carry no default
 * presence), each routing module's write side (`getUsersForStates` /
 * `getRoomsAndUsersForStates`), read side (`getInterestedUsers`), denials
 * (`getDeniedRecipients`) and, when the module has an `explain` hook, the configured rules
 * that match — and every rule that denies, by name. A denial wins over every reason.
 * `PresenceRouter.explain` answers with this.
 *
 * @example
 * ```ts
 * const why = await router.explain('@alice:hs', '@bob:hs', aliceState);
 * why.receives; // false
 * why.reasons;  // ['they share !lobby:hs (default routing: room members see each other)']
 * why.denials;  // ['denied by presence.deny.rooms !big:hs']
 * ```
 * @module
 */
import { assertUserId } from './identifiers.ts';
import { lookUpMembers, lookUpRooms } from './internal/membership-lookups.ts';
import { type DenialRule, denialReason } from './internal/recipient-denials.ts';
import { policyDenialOf, type ReadSideParts, roomSizeLimit } from './read-side.ts';
import { ALL_USERS, type AllUsers, type PresenceRouterModule } from './router-module.ts';
import type { UserPresenceState } from './user-presence-state.ts';

/** One module's part in an explanation. */
export interface ModuleVerdict {
  readonly module: string;
  /** The write side sends `from`'s updates to `to`. */
  readonly routesUpdates: boolean;
  /** The read side says `to` is interested in `from` (or in everyone). */
  readonly interested: boolean | 'all';
  /** The configured rules that match, when the module explains itself (its `explain` hook). */
  readonly rules: readonly string[];
  /** What its `getDeniedRecipients` denies `to` of `from`'s state (`denied by routing module X (rooms: !r)`). */
  readonly denies: readonly string[];
  /** Set when the module failed while being asked. */
  readonly error?: string;
}

/** Why `to` does or does not receive `from`'s presence. */
export interface Explanation {
  readonly from: string;
  readonly to: string;
  readonly receives: boolean;
  /**
   * One sentence per reason something adds `to` as a recipient (a denial may still win:
   * see `receives` and `denials`).
   */
  readonly reasons: readonly string[];
  /**
   * The rules that deny `to` the presence of `from`, by name (they win over every reason):
   * `denied by presence.deny.users @x`, `denied by presence.deny.rooms !big:hs`,
   * `denied by presence.deny.servers evil.example`, `local_only: @x:remote is not on hs`,
   * `denied by routing module X (users: @x)`, or a module that failed closed.
   */
  readonly denials: readonly string[];
  /**
   * The policy's limits on default routing that apply to the shared rooms:
   * `presence.default_routing is false: !a:hs carries no default presence`,
   * `max_room_size 500 < 812 members: !big:hs carries no default presence`.
   */
  readonly limits: readonly string[];
  /** Rooms both are joined to that count for presence. */
  readonly sharedRooms: readonly string[];
  /** Rooms both are joined to that `exclude_rooms_from_presence` leaves out. */
  readonly excludedSharedRooms: readonly string[];
  /** False when rooms could not be looked up (the answer may miss shared rooms). */
  readonly complete: boolean;
  readonly modules: readonly ModuleVerdict[];
  /** A one-paragraph summary. */
  readonly summary: string;
}

/** What an explanation needs of the router. */
export interface ExplanationParts extends ReadSideParts {
  readonly modules: readonly { readonly module: PresenceRouterModule; readonly name: string }[];
  /** One module's write side for one state, rooms expanded. */
  routedBy(index: number, state: UserPresenceState): Promise<ReadonlyMap<string, unknown>>;
  /** One module's read side. */
  interestBy(index: number, userId: string): Promise<Set<string> | AllUsers>;
  /** One module's denials for one state. */
  deniedBy(index: number, state: UserPresenceState): Promise<readonly DenialRule[]>;
}

/** See `PresenceRouter.explain`. */
export async function explain(
  parts: ExplanationParts,
  from: string,
  to: string,
  state: UserPresenceState,
): Promise<Explanation> {
  assertUserId(from);
  assertUserId(to);
  const reasons: string[] = [];
  if (from === to) reasons.push(`${to} always receives its own presence`);
  const rooms = await lookUpRooms(parts.membership, [from, to]);
  const toRooms = new Set(rooms.found.get(to) ?? []);
  const shared = (rooms.found.get(from) ?? []).filter((roomId) => toRooms.has(roomId));
  const carrying = shared.filter((roomId) => !parts.excluded.has(roomId));
  const excludedSharedRooms = shared.filter((roomId) => parts.excluded.has(roomId));
  const limits: string[] = [];
  let complete = rooms.errors.size === 0;
  let sharedRooms = carrying;
  if (!parts.rules.defaultRouting) {
    for (const roomId of carrying) {
      limits.push(`presence.default_routing is false: ${roomId} carries no default presence`);
    }
    sharedRooms = [];
  } else if (carrying.length > 0 && parts.rules.maxRoomSize !== Number.POSITIVE_INFINITY) {
    const sizes = await lookUpMembers(parts.membership, carrying);
    if (sizes.errors.size > 0) complete = false;
    sharedRooms = carrying.filter((roomId) => {
      const members = sizes.found.get(roomId);
      if (members === undefined) return false;
      const limit = roomSizeLimit(parts.rules, members.length);
      if (limit !== undefined) limits.push(`${limit}: ${roomId} carries no default presence`);
      return limit === undefined;
    });
  }
  if (sharedRooms.length > 0) {
    reasons.push(
      `they share ${sharedRooms.join(', ')} (default routing: room members see each other)`,
    );
  }
  const denials: string[] = [];
  if (from !== to) {
    const denied = await policyDenialOf(parts, to, toRooms);
    if (denied.reason !== undefined) denials.push(denied.reason);
  }
  const modules: ModuleVerdict[] = [];
  for (let i = 0; i < parts.modules.length; i++) {
    const verdict = await moduleVerdict(parts, i, state, from, to, toRooms);
    modules.push(verdict);
    reasons.push(...moduleReasons(verdict, from, to));
    denials.push(...verdict.denies);
  }
  const receives = from === to || (reasons.length > 0 && denials.length === 0);
  return {
    from,
    to,
    receives,
    reasons,
    denials,
    limits,
    sharedRooms,
    excludedSharedRooms,
    complete,
    modules,
    summary: summaryOf(
      { from, to, receives, reasons, denials, limits, shared, excludedSharedRooms, complete },
      parts,
    ),
  };
}

async function moduleVerdict(
  parts: ExplanationParts,
  index: number,
  state: UserPresenceState,
  from: string,
  to: string,
  toRooms: ReadonlySet<string>,
): Promise<ModuleVerdict> {
  const { module, name } = parts.modules[index] as ExplanationParts['modules'][number];
  // Denials fail closed inside deniedBy: a failing callback is a denial, not an error.
  const denial = denialReason(await parts.deniedBy(index, state), from, to, (roomId) =>
    toRooms.has(roomId),
  );
  const denies = denial === undefined ? [] : [denial];
  try {
    const routed = await parts.routedBy(index, state);
    const interest = await parts.interestBy(index, to);
    const rules = typeof module.explain === 'function' ? await module.explain(from, to, state) : [];
    return {
      module: name,
      routesUpdates: routed.has(to),
      interested: interest === ALL_USERS ? 'all' : interest.has(from),
      rules: [...rules],
      denies,
    };
  } catch (error) {
    return {
      module: name,
      routesUpdates: false,
      interested: false,
      rules: [],
      denies,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

function moduleReasons(verdict: ModuleVerdict, from: string, to: string): string[] {
  const reasons: string[] = [];
  const name = verdict.module;
  if (verdict.routesUpdates) {
    const rules = verdict.rules.length > 0 ? ` (${verdict.rules.join('; ')})` : '';
    reasons.push(`routing module ${name} sends ${from}'s updates to ${to}${rules}`);
  }
  if (verdict.interested === 'all') {
    reasons.push(`routing module ${name} says ${to} is interested in every user (ALL_USERS)`);
  } else if (verdict.interested) {
    reasons.push(`routing module ${name} says ${to} is interested in ${from}`);
  }
  return reasons;
}

function summaryOf(
  facts: {
    from: string;
    to: string;
    receives: boolean;
    reasons: readonly string[];
    denials: readonly string[];
    limits: readonly string[];
    shared: readonly string[];
    excludedSharedRooms: readonly string[];
    complete: boolean;
  },
  parts: ExplanationParts,
): string {
  const { from, to } = facts;
  const notes: string[] = [];
  if (facts.excludedSharedRooms.length > 0) {
    notes.push(`shared rooms excluded from presence: ${facts.excludedSharedRooms.join(', ')}`);
  }
  notes.push(...facts.limits);
  if (!facts.complete) notes.push('some rooms could not be looked up');
  if (facts.receives) {
    const reasons =
      facts.reasons.length > 0 ? facts.reasons : [`${to} always receives its own presence`];
    const note = notes.length > 0 ? ` Note: ${notes.join('; ')}.` : '';
    return `${to} receives ${from}'s presence: ${reasons.join('; ')}.${note}`;
  }
  if (facts.denials.length > 0) {
    const over = facts.reasons.length > 0 ? ` (deny wins over: ${facts.reasons.join('; ')})` : '';
    const note = notes.length > 0 ? ` Note: ${notes.join('; ')}.` : '';
    return `${to} does not receive ${from}'s presence: ${facts.denials.join('; ')}${over}.${note}`;
  }
  const rooms =
    facts.shared.length === 0
      ? 'they share no room'
      : facts.limits.length > 0 && facts.excludedSharedRooms.length === 0
        ? 'no room they share carries default presence under the policy'
        : 'every room they share is excluded from presence';
  const modules =
    parts.modules.length === 0
      ? ' and no routing module is configured'
      : ' and no routing module routes it';
  return `${to} does not receive ${from}'s presence: ${rooms}${modules}.${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}
