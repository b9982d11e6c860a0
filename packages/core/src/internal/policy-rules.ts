/**
 * The operator's {@link PresencePolicy}, checked once and normalized for the router: sets for
 * the deny lists, `Infinity` for no room size limit.
 *
 * @example
 * ```ts
 * const rules = policyRules({ maxRoomSize: 500, deny: { servers: ['evil.example'] } });
 * rules.maxRoomSize; // 500
 * rules.restricts;   // true
 * ```
 * @module
 */
import { InvalidPolicyError } from '../errors.ts';
import { assertRoomId, assertServerName, assertUserId } from '../identifiers.ts';
import type { PresencePolicy } from '../presence-policy.ts';
import type { RecipientDenial } from '../router-module.ts';

/** A normalized policy. */
export interface PolicyRules {
  readonly defaultRouting: boolean;
  readonly localOnly: boolean;
  /** `Infinity` when there is no limit. */
  readonly maxRoomSize: number;
  readonly denyUsers: ReadonlySet<string>;
  readonly denyRooms: ReadonlySet<string>;
  readonly denyServers: ReadonlySet<string>;
  /** Whether any deny list is non-empty. */
  readonly denies: boolean;
  /** Whether anything differs from Synapse's behaviour. */
  readonly restricts: boolean;
}

function idList(
  value: Iterable<string> | undefined,
  setting: string,
  check: (id: string) => string,
): Set<string> {
  if (value === undefined) return new Set();
  if (typeof value === 'string' || typeof value?.[Symbol.iterator] !== 'function') {
    throw new InvalidPolicyError(setting, `Presence policy ${setting} must be a list of IDs`);
  }
  const out = new Set<string>();
  for (const id of value) out.add(check(id));
  return out;
}

/** The deny lists of a {@link RecipientDenial}, checked (invalid IDs throw). */
function denyLists(deny: RecipientDenial | undefined) {
  return {
    denyUsers: idList(deny?.users, 'deny.users', (id) => assertUserId(id)),
    denyRooms: idList(deny?.rooms, 'deny.rooms', assertRoomId),
    denyServers: idList(deny?.servers, 'deny.servers', assertServerName),
  };
}

/**
 * Checks and normalizes a policy. Throws `InvalidPolicyError` for a setting of the wrong type
 * or value and `InvalidIdentifierError` for an invalid ID in a deny list.
 */
export function policyRules(policy: PresencePolicy = {}): PolicyRules {
  const { defaultRouting = true, localOnly = false, maxRoomSize } = policy;
  if (typeof defaultRouting !== 'boolean') {
    throw new InvalidPolicyError(
      'defaultRouting',
      'Presence policy defaultRouting must be a boolean',
    );
  }
  if (typeof localOnly !== 'boolean') {
    throw new InvalidPolicyError('localOnly', 'Presence policy localOnly must be a boolean');
  }
  if (maxRoomSize !== undefined && !(Number.isInteger(maxRoomSize) && maxRoomSize >= 1)) {
    throw new InvalidPolicyError(
      'maxRoomSize',
      `Presence policy maxRoomSize must be a whole number of members, at least 1 (found ${String(maxRoomSize)})`,
    );
  }
  const lists = denyLists(policy.deny);
  const denies = lists.denyUsers.size + lists.denyRooms.size + lists.denyServers.size > 0;
  return {
    defaultRouting,
    localOnly,
    maxRoomSize: maxRoomSize ?? Number.POSITIVE_INFINITY,
    ...lists,
    denies,
    restricts: denies || localOnly || !defaultRouting || maxRoomSize !== undefined,
  };
}
