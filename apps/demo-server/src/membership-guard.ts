/**
 * `GuardedMembership`: the membership source as the presence pipeline sees it — every
 * lookup answers within `answerWithinMs`, per key. A batch lookup that is not answered in
 * time is asked again key by key (a cache answers the healthy keys at once and joins the
 * load already running for the others); keys still unanswered after a short grace fail with
 * a "slow" error, so the router routes everything else now and retries the slow rooms later
 * (the load goes on in the background and warms the cache for the retry). The source's own
 * timeout (`membership.lookup_timeout`) bounds how long a hanging key keeps failing slowly
 * before it fails outright.
 *
 * Answers are checked too: a source that answers something other than a `Map` of arrays of
 * IDs (a broken adapter, a proxy that lies) fails the keys it garbled instead of crashing
 * the fan-out. A list that passed is remembered by identity and not checked again.
 *
 * @example
 * ```ts
 * const guarded = new GuardedMembership(cachedSource, { answerWithinMs: 250 });
 * const { found, errors } = await guarded.getJoinedMembersSettled(['!good:hs', '!hangs:hs']);
 * // found: !good; errors: !hangs (slow)
 * ```
 * @module
 */
import {
  isSettledMembershipSource,
  MembershipLookupError,
  type MembershipSource,
  roomIdProblem,
  type SettledLookup,
  type SettledMembershipSource,
  userIdProblem,
} from '@presence-router/core';

/** Options of {@link GuardedMembership}. */
export interface GuardedMembershipOptions {
  /** How long a batch waits for slow keys before they fail as slow (ms). */
  readonly answerWithinMs: number;
  /** After the key-by-key re-ask, how long the keys get to answer (ms; default 20). */
  readonly graceMs?: number;
}

type What = 'members' | 'rooms';
const TIMED_OUT = Symbol('timed out');

/** A membership source whose settled lookups answer in bounded time; see the module docs. */
export class GuardedMembership implements SettledMembershipSource {
  readonly #inner: MembershipSource;
  readonly #answerWithinMs: number;
  readonly #graceMs: number;
  #slowKeys = 0;
  #malformedAnswers = 0;
  /** Lists already checked (sources return the same array while a room is unchanged). */
  readonly #valid = new WeakSet<object>();

  constructor(inner: MembershipSource, options: GuardedMembershipOptions) {
    this.#inner = inner;
    this.#answerWithinMs = options.answerWithinMs;
    this.#graceMs = options.graceMs ?? 20;
  }

  /** The source behind the guard. */
  get inner(): MembershipSource {
    return this.#inner;
  }

  /** Keys that failed as slow so far. */
  get slowKeys(): number {
    return this.#slowKeys;
  }

  /** Keys whose answer was malformed so far. */
  get malformedAnswers(): number {
    return this.#malformedAnswers;
  }

  getJoinedMembersSettled(roomIds: readonly string[]): Promise<SettledLookup> {
    return this.#settled('members', roomIds);
  }

  getRoomsForUsersSettled(userIds: readonly string[]): Promise<SettledLookup> {
    return this.#settled('rooms', userIds);
  }

  /**
   * Rejects with a `MembershipLookupError` when any room fails (request handlers answer 503).
   */
  async getJoinedMembers(
    roomIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    return answerOrThrow('members', await this.#settled('members', roomIds));
  }

  /** Rejects with a `MembershipLookupError` when any user fails. */
  async getRoomsForUsers(
    userIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>> {
    return answerOrThrow('rooms', await this.#settled('rooms', userIds));
  }

  async #settled(what: What, ids: readonly string[]): Promise<SettledLookup> {
    if (ids.length === 0) return { found: new Map(), errors: new Map() };
    const whole = await within(settledCall(this.#inner, what, ids), this.#answerWithinMs);
    if (whole !== TIMED_OUT) return this.#checked(what, ids, whole);
    const found = new Map<string, readonly string[]>();
    const errors = new Map<string, Error>();
    const answers =
      ids.length === 1
        ? [TIMED_OUT]
        : await Promise.all(
            ids.map((id) => within(settledCall(this.#inner, what, [id]), this.#graceMs)),
          );
    ids.forEach((id, i) => {
      const answer = answers[i] as SettledLookup | typeof TIMED_OUT;
      if (answer === TIMED_OUT) {
        this.#slowKeys++;
        errors.set(id, this.#slowError(what, id));
        return;
      }
      const checked = this.#checked(what, [id], answer);
      const value = checked.found.get(id);
      const error = checked.errors.get(id);
      if (error !== undefined) errors.set(id, error);
      else if (value !== undefined) found.set(id, value);
    });
    return { found, errors };
  }

  /** `answer` with every key whose answer is malformed moved to `errors`. */
  #checked(what: What, ids: readonly string[], answer: SettledLookup): SettledLookup {
    const found = answer.found as unknown;
    const errors = answer.errors as unknown;
    if (!(found instanceof Map) || !(errors instanceof Map)) {
      const error = this.#malformed(what, ids, 'not a Map');
      return { found: new Map(), errors: new Map(ids.map((id) => [id, error])) };
    }
    let bad: Map<string, Error> | undefined;
    for (const id of ids) {
      const value: unknown = found.get(id);
      if (value === undefined || this.#valid.has(value as object)) continue;
      const problem = listProblem(what, value);
      if (problem === undefined) {
        this.#valid.add(value as readonly string[]);
        continue;
      }
      bad ??= new Map();
      bad.set(id, this.#malformed(what, [id], problem));
    }
    if (bad === undefined) return answer;
    const kept = new Map(found as ReadonlyMap<string, readonly string[]>);
    const failed = new Map(errors as ReadonlyMap<string, Error>);
    for (const [id, error] of bad) {
      kept.delete(id);
      failed.set(id, error);
    }
    return { found: kept, errors: failed };
  }

  #malformed(what: What, ids: readonly string[], problem: string): MembershipLookupError {
    this.#malformedAnswers++;
    return new MembershipLookupError(what, ids, `malformed answer from the source: ${problem}`);
  }

  #slowError(what: What, id: string): MembershipLookupError {
    return new MembershipLookupError(
      what,
      [id],
      `no answer within ${this.#answerWithinMs} ms (still loading; routed when it answers)`,
    );
  }
}

/** One settled call: per key for settled sources, all keys failing for a plain rejection. */
async function settledCall(
  source: MembershipSource,
  what: What,
  ids: readonly string[],
): Promise<SettledLookup> {
  try {
    if (isSettledMembershipSource(source)) {
      return what === 'members'
        ? await source.getJoinedMembersSettled(ids)
        : await source.getRoomsForUsersSettled(ids);
    }
    const found =
      what === 'members' ? await source.getJoinedMembers(ids) : await source.getRoomsForUsers(ids);
    return { found, errors: new Map() };
  } catch (cause) {
    const error = new MembershipLookupError(what, ids, cause);
    return { found: new Map(), errors: new Map(ids.map((id) => [id, error])) };
  }
}

/** Why `value` is not a list of user IDs (members) or room IDs (rooms); undefined if it is. */
function listProblem(what: What, value: unknown): string | undefined {
  if (!Array.isArray(value)) return `${typeof value} instead of an array`;
  for (const id of value as unknown[]) {
    const problem =
      typeof id !== 'string'
        ? `${id === null ? 'null' : typeof id} in the list`
        : what === 'members'
          ? userIdProblem(id)
          : roomIdProblem(id);
    if (problem !== undefined) return `${JSON.stringify(id)?.slice(0, 80)}: ${problem}`;
  }
  return undefined;
}

/** `promise`, or {@link TIMED_OUT} when it has not settled after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function answerOrThrow(what: What, settled: SettledLookup): ReadonlyMap<string, readonly string[]> {
  if (settled.errors.size === 0) return settled.found;
  const [id, error] = settled.errors.entries().next().value as [string, Error];
  if (error instanceof MembershipLookupError) throw error;
  throw new MembershipLookupError(what, [id, ...[...settled.errors.keys()].slice(1)], error);
}
