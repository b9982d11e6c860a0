/**
 * Denials: who must not receive which senders' states — the operator's `deny` lists and what
 * the modules' `getDeniedRecipients` return, checked with Synapse-like rules but failing
 * closed: a callback that throws or returns the wrong shape withholds every state it was
 * given from everyone but their senders. Invalid IDs inside a result match no one: they are
 * dropped with a warning. Every rule carries the name it is reported under (`explain`).
 *
 * @example
 * ```ts
 * const denials = await collectDenials(modules, indices, states, logger, policyRule(rules));
 * denialReason(denials.rules, '@alice:hs', '@bob:hs', (roomId) => bobRooms.has(roomId));
 * // 'denied by presence.deny.rooms !big:hs'
 * ```
 * @module
 */
import { roomIdProblem, serverNameOf, serverNameProblem, userIdProblem } from '../identifiers.ts';
import type { Logger } from '../logger.ts';
import type { PresenceRouterModule, RecipientDenial } from '../router-module.ts';
import type { UserPresenceState } from '../user-presence-state.ts';
import { describeValue, mappingEntries } from './module-results.ts';
import type { PolicyRules } from './policy-rules.ts';

/** One denial: recipients that must not receive the states of `senders`. */
export interface DenialRule {
  /** `presence.deny`, or the module's name. */
  readonly origin: string;
  readonly fromPolicy: boolean;
  /** The senders whose states it covers, or every sender. */
  readonly senders: ReadonlySet<string> | 'all';
  /** Every recipient but the sender (a module that failed: fail closed). */
  readonly everyone: boolean;
  readonly users: ReadonlySet<string>;
  readonly rooms: ReadonlySet<string>;
  readonly servers: ReadonlySet<string>;
}

const NONE: ReadonlySet<string> = new Set();

/** The operator's deny lists as a rule (`undefined` when they are empty). */
export function policyRule(rules: PolicyRules): DenialRule | undefined {
  if (!rules.denies) return undefined;
  return {
    origin: 'presence.deny',
    fromPolicy: true,
    senders: 'all',
    everyone: false,
    users: rules.denyUsers,
    rooms: rules.denyRooms,
    servers: rules.denyServers,
  };
}

/** A module with its name. */
export interface NamedModule {
  readonly module: PresenceRouterModule;
  readonly name: string;
}

function withheld(origin: string): DenialRule {
  return {
    origin,
    fromPolicy: false,
    senders: 'all',
    everyone: true,
    users: NONE,
    rooms: NONE,
    servers: NONE,
  };
}

function isIdCollection(value: unknown): value is Iterable<unknown> {
  if (Array.isArray(value) || value instanceof Set) return true;
  if (typeof value !== 'object' || value === null || value instanceof Map) return false;
  return typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

type ListName = 'users' | 'rooms' | 'servers';
const PROBLEM: Record<ListName, (id: string) => string | undefined> = {
  users: (id) => userIdProblem(id),
  rooms: roomIdProblem,
  servers: serverNameProblem,
};

/** One entry's lists, or a string saying what is wrong with its shape. */
function denialLists(
  value: unknown,
  warn: (message: string) => void,
): { users: Set<string>; rooms: Set<string>; servers: Set<string> } | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Map) {
    return `${describeValue(value)}, expected { users?, rooms?, servers? }`;
  }
  const out = { users: new Set<string>(), rooms: new Set<string>(), servers: new Set<string>() };
  for (const list of ['users', 'rooms', 'servers'] as const) {
    const ids = (value as RecipientDenial)[list];
    if (ids === undefined) continue;
    if (!isIdCollection(ids)) return `${describeValue(ids)} as ${list}, expected a list of IDs`;
    for (const id of ids) {
      const problem = typeof id === 'string' ? PROBLEM[list](id) : 'not a string';
      if (problem !== undefined) {
        const shown = typeof id === 'string' ? JSON.stringify(id) : describeValue(id);
        warn(`the invalid ID ${shown} in ${list} (${problem}); dropped`);
        continue;
      }
      out[list].add(id as string);
    }
  }
  return out;
}

/** Checks one module's `getDeniedRecipients` result; a string when it must fail closed. */
function moduleRules(name: string, result: unknown, logger: Logger): DenialRule[] | string {
  const entries = mappingEntries(result);
  if (entries === undefined)
    return `returned ${describeValue(result)}, expected a Map or a plain object`;
  const rules: DenialRule[] = [];
  for (const [key, value] of entries) {
    if (typeof key !== 'string') return `returned the key ${describeValue(key)}`;
    const lists = denialLists(value, (message) =>
      logger.warn(`Routing module ${name} denied ${message}`, { module: name, sender: key }),
    );
    if (typeof lists === 'string') return `returned ${lists} for ${key}`;
    if (key !== '*') {
      const problem = userIdProblem(key);
      if (problem !== undefined) {
        logger.warn(
          `Routing module ${name} denied recipients of the invalid sender ${JSON.stringify(key)} (${problem}); dropped`,
          { module: name },
        );
        continue;
      }
    }
    if (lists.users.size + lists.rooms.size + lists.servers.size === 0) continue;
    rules.push({
      origin: name,
      fromPolicy: false,
      senders: key === '*' ? 'all' : new Set([key]),
      everyone: false,
      ...lists,
    });
  }
  return rules;
}

/**
 * The denials for `states`: the operator's rule (when given), then each module's in order. A
 * module without `getDeniedRecipients` denies nothing.
 */
export async function collectDenials(
  modules: readonly NamedModule[],
  states: readonly UserPresenceState[],
  logger: Logger,
  policy: DenialRule | undefined,
): Promise<DenialRule[]> {
  const rules: DenialRule[] = policy === undefined ? [] : [policy];
  if (states.length === 0) return rules;
  const input = Object.freeze([...states]);
  for (const { module, name } of modules) {
    if (typeof module.getDeniedRecipients !== 'function') continue;
    let checked: DenialRule[] | string;
    try {
      checked = moduleRules(name, await module.getDeniedRecipients(input), logger);
    } catch (error) {
      checked = `threw ${error instanceof Error ? error.message : String(error)}`;
    }
    if (typeof checked === 'string') {
      logger.error(
        `Routing module ${name} failed in getDeniedRecipients (${checked}): its ${input.length} state(s) are withheld from everyone but their senders`,
        { module: name },
      );
      rules.push(withheld(name));
    } else rules.push(...checked);
  }
  return rules;
}

/** Whether `rule` covers `sender`'s states. */
export function covers(rule: DenialRule, sender: string): boolean {
  return rule.senders === 'all' || rule.senders.has(sender);
}

/**
 * Whether `rule` denies `recipient` (whatever the sender), as `explain` names it, or
 * `undefined`. `inRoom(roomId)` says whether `recipient` is joined to a room.
 */
export function recipientDenial(
  rule: DenialRule,
  recipient: string,
  inRoom: (roomId: string) => boolean,
): string | undefined {
  const named = (list: ListName, id: string): string =>
    rule.fromPolicy
      ? `denied by presence.deny.${list} ${id}`
      : `denied by routing module ${rule.origin} (${list}: ${id})`;
  if (rule.everyone) {
    return `withheld: routing module ${rule.origin} failed in getDeniedRecipients (fails closed)`;
  }
  if (rule.users.has(recipient)) return named('users', recipient);
  const server = serverNameOf(recipient);
  if (server !== undefined && rule.servers.has(server)) return named('servers', server);
  for (const roomId of rule.rooms) if (inRoom(roomId)) return named('rooms', roomId);
  return undefined;
}

/**
 * The first rule that denies `recipient` the state of `sender`, as `explain` names it, or
 * `undefined`. `inRoom(roomId)` says whether `recipient` is joined to a room. A sender is never
 * denied its own state.
 */
export function denialReason(
  rules: readonly DenialRule[],
  sender: string,
  recipient: string,
  inRoom: (roomId: string) => boolean,
): string | undefined {
  if (sender === recipient) return undefined;
  for (const rule of rules) {
    if (!covers(rule, sender)) continue;
    const reason = recipientDenial(rule, recipient, inRoom);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/** The rooms named by `rules` (their members are needed to apply them). */
export function deniedRoomsOf(rules: readonly DenialRule[]): Set<string> {
  const rooms = new Set<string>();
  for (const rule of rules) for (const roomId of rule.rooms) rooms.add(roomId);
  return rooms;
}
