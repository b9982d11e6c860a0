/**
 * What the policy and the modules' denials take away from a fan-out, in the grouped form the
 * result applies per group: sources are marked as delivering or withholding their states
 * (a denied room or user is a withholding source, so its members split off into their own
 * groups during grouping), servers have states withheld from all their users, and some states
 * may be withheld from everyone but their senders (a module that failed closed).
 *
 * @example
 * ```ts
 * const restrictions: FanOutRestrictions = { denies: true, kinds, byServer, everywhere, localOnly, allows };
 * ```
 * @module
 */

/** A source that delivers its states (unless a denial withholds them). */
export const DELIVERS = 0;
/** A source whose states its members must not receive. */
export const WITHHOLDS = 1;
/** A source that delivers whatever denies: a user's own state. */
export const DELIVERS_ALWAYS = 2;

/** The subtractive part of a fan-out. */
export interface FanOutRestrictions {
  /** Whether anything is withheld at all (else only `localOnly` may apply). */
  readonly denies: boolean;
  /** Per source: {@link DELIVERS}, {@link WITHHOLDS} or {@link DELIVERS_ALWAYS}. */
  readonly kinds: Uint8Array;
  /** Server index (or the local server's) -> state numbers withheld from every user there. */
  readonly byServer: ReadonlyMap<number, ReadonlySet<number>>;
  /** State numbers withheld from every recipient but their senders. */
  readonly everywhere: ReadonlySet<number>;
  /** No remote recipient receives anything. */
  readonly localOnly: boolean;
  /** Whether the policy and this batch's denials let `recipient` receive `sender`'s state. */
  allows(sender: string, recipient: string): boolean;
}
