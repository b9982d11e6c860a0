/**
 * `UserSet`: a set of users (the ones who sync, say) in the router's integer form, so a fan-out
 * result can be delivered to just them with no string or map work per recipient
 * ({@link FanOutResult.forEachGroupAmong}). Built by `PresenceRouter.userSet`; reuse it while
 * the set does not change.
 *
 * @example
 * ```ts
 * const syncing = router.userSet(streams.userIds());
 * result.forEachGroupAmong(syncing, (userIds, states) => deliver(userIds, states));
 * ```
 * @module
 */
import type { UserInterner } from './internal/user-interner.ts';

/** Users, as flags over the router's interned user integers. */
export class UserSet {
  readonly size: number;
  readonly #interner: UserInterner;
  /** 1 at each member's integer (users interned later read as 0: not members). */
  readonly #flags: Uint8Array;

  /** @internal Built by `PresenceRouter.userSet`. */
  constructor(interner: UserInterner, userIds: Iterable<string>) {
    const ids: number[] = [];
    for (const userId of userIds) ids.push(interner.intern(userId));
    const flags = new Uint8Array(interner.size);
    for (const id of ids) flags[id] = 1;
    let size = 0;
    for (const flag of flags) size += flag;
    this.#interner = interner;
    this.#flags = flags;
    this.size = size;
  }

  /** Whether `userId` is in the set. */
  has(userId: string): boolean {
    const id = this.#interner.lookup(userId);
    return id !== undefined && this.#flags[id] === 1;
  }

  /** @internal Whether interned user `id` is in the set (the delivery hot path). */
  hasId(id: number): boolean {
    return this.#flags[id] === 1;
  }

  /** @internal Whether the set was built by the router whose interner is `interner`. */
  belongsTo(interner: UserInterner): boolean {
    return this.#interner === interner;
  }
}
