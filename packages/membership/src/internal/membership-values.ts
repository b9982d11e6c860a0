/**
 * The check of a `Membership` value given to a source that changes membership (the in-memory
 * source, the fixture writer).
 *
 * @example
 * ```ts
 * isMembership('join'); // true
 * isMembership('joined'); // false
 * ```
 * @module
 */
import type { Membership } from '../room-status.ts';

/** Every {@link Membership} value. */
const MEMBERSHIPS: readonly Membership[] = Object.freeze([
  'join',
  'leave',
  'ban',
  'invite',
  'knock',
]);

/** Whether `value` is a {@link Membership} value. */
export function isMembership(value: unknown): value is Membership {
  return typeof value === 'string' && (MEMBERSHIPS as readonly string[]).includes(value);
}
