/**
 * Why one user does or does not receive another's presence: the user itself, the rooms they
 * share (and which of those are excluded from presence), and each routing module's write side
 * (`getUsersForStates` / `getRoomsAndUsersForStates`), read side (`getInterestedUsers`) and,
 * when the module has an `explain` hook, the configured rules that match.
 * `PresenceRouter.explain` answers with this.
 *
 * @example
 * ```ts
 * const why = await router.explain('@alice:hs', '@bob:hs', aliceState);
 * why.receives; // true
 * why.reasons;  // ['they share !lobby:hs (default routing: room members see each other)']
 * ```
 * @module
 */
import { assertUserId } from './identifiers.ts';
import { lookUpRooms } from './internal/membership-lookups.ts';
import type { ReadSideParts } from './read-side.ts';
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
  /** Set when the module failed while being asked. */
  readonly error?: string;
}

/** Why `to` does or does not receive `from`'s presence. */
export interface Explanation {
  readonly from: string;
  readonly to: string;
  readonly receives: boolean;
  /** One sentence per reason `to` receives it (empty when it does not). */
  readonly reasons: readonly string[];
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
  const sharedRooms = shared.filter((roomId) => !parts.excluded.has(roomId));
  const excludedSharedRooms = shared.filter((roomId) => parts.excluded.has(roomId));
  if (sharedRooms.length > 0) {
    reasons.push(
      `they share ${sharedRooms.join(', ')} (default routing: room members see each other)`,
    );
  }
  const modules: ModuleVerdict[] = [];
  for (let i = 0; i < parts.modules.length; i++) {
    const verdict = await moduleVerdict(parts, i, state, from, to);
    modules.push(verdict);
    reasons.push(...moduleReasons(verdict, from, to));
  }
  const complete = rooms.errors.size === 0;
  const receives = reasons.length > 0;
  return {
    from,
    to,
    receives,
    reasons,
    sharedRooms,
    excludedSharedRooms,
    complete,
    modules,
    summary: summaryOf(
      { from, to, receives, reasons, shared, excludedSharedRooms, complete },
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
): Promise<ModuleVerdict> {
  const { module, name } = parts.modules[index] as ExplanationParts['modules'][number];
  try {
    const routed = await parts.routedBy(index, state);
    const interest = await parts.interestBy(index, to);
    const rules = typeof module.explain === 'function' ? await module.explain(from, to, state) : [];
    return {
      module: name,
      routesUpdates: routed.has(to),
      interested: interest === ALL_USERS ? 'all' : interest.has(from),
      rules: [...rules],
    };
  } catch (error) {
    return {
      module: name,
      routesUpdates: false,
      interested: false,
      rules: [],
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
  if (!facts.complete) notes.push('some rooms could not be looked up');
  if (facts.receives) {
    const note = notes.length > 0 ? ` Note: ${notes.join('; ')}.` : '';
    return `${to} receives ${from}'s presence: ${facts.reasons.join('; ')}.${note}`;
  }
  const rooms =
    facts.shared.length === 0
      ? 'they share no room'
      : 'every room they share is excluded from presence';
  const modules =
    parts.modules.length === 0
      ? ' and no routing module is configured'
      : ' and no routing module routes it';
  return `${to} does not receive ${from}'s presence: ${rooms}${modules}.${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}
