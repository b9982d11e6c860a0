/**
 * The smoke test's check: the engine, the naive baseline and the floor must name the same
 * recipients, and the engine and the naive baseline must give each local recipient the
 * same states; {@link assertAgreement} fails a scenario on its first disagreement.
 *
 * @example
 * ```ts
 * const check = compareFanOut(engine.result, naive, floorUserIds);
 * if (!check.agree) console.log(check.problems);
 * ```
 * @module
 */
import { type FanOutResult, presenceStateKey, type UserPresenceState } from '@presence-router/core';
import { BenchError } from './errors.ts';

/** The outcome of a comparison. */
export interface Agreement {
  readonly agree: boolean;
  /** Recipients compared. */
  readonly recipients: number;
  /** (recipient, state) pairs compared. */
  readonly deliveries: number;
  /** The first few differences, in words. */
  readonly problems: readonly string[];
}

/** A comparison a scenario made, and what it compared. */
export type AgreementCheck = Agreement & { readonly what: string };

const MAX_PROBLEMS = 5;

function sameStates(
  a: Iterable<UserPresenceState>,
  b: ReadonlySet<UserPresenceState> | readonly UserPresenceState[],
): boolean {
  const keys = new Set<string>();
  for (const state of b) keys.add(presenceStateKey(state));
  let count = 0;
  for (const state of a) {
    count++;
    if (!keys.has(presenceStateKey(state))) return false;
  }
  return count === keys.size;
}

class ProblemList {
  readonly items: string[] = [];
  add(problem: string): void {
    if (this.items.length < MAX_PROBLEMS) this.items.push(problem);
    else if (this.items.length === MAX_PROBLEMS) this.items.push('…');
  }
}

function compareRecipientSets(
  problems: ProblemList,
  leftName: string,
  left: ReadonlySet<string>,
  rightName: string,
  right: ReadonlySet<string>,
): void {
  if (left.size !== right.size) {
    problems.add(`${leftName} names ${left.size} recipients, ${rightName} ${right.size}`);
  }
  for (const userId of left) {
    if (!right.has(userId))
      problems.add(`${userId}: recipient for ${leftName}, not for ${rightName}`);
  }
  for (const userId of right) {
    if (!left.has(userId))
      problems.add(`${userId}: recipient for ${rightName}, not for ${leftName}`);
  }
}

/**
 * Compares a fan-out: engine (local groups + remote users) vs naive (map keys) vs floor
 * (user IDs) on recipients; engine vs naive on each local recipient's states. `naive` may be
 * omitted when the baseline is too slow to run; then only recipients are compared.
 */
export function compareFanOut(
  engine: FanOutResult,
  naive: ReadonlyMap<string, ReadonlySet<UserPresenceState>> | undefined,
  floor: readonly string[],
): Agreement {
  const problems = new ProblemList();
  const engineRecipients = new Set<string>();
  let deliveries = 0;
  for (const group of engine.groups) {
    // A group's states are built on first read: only read them when there is a comparison.
    const states = naive !== undefined ? group.states : [];
    for (const userId of group.userIds) {
      engineRecipients.add(userId);
      deliveries += states.length;
      if (naive !== undefined) {
        const expected = naive.get(userId);
        if (expected !== undefined && !sameStates(states, expected)) {
          problems.add(
            `${userId}: engine gives ${states.length} states, naive ${expected.size} (or different ones)`,
          );
        }
      }
    }
  }
  for (const destination of engine.remote.values()) {
    for (const userId of destination.userIds) engineRecipients.add(userId);
  }
  const floorRecipients = new Set(floor);
  compareRecipientSets(problems, 'engine', engineRecipients, 'floor', floorRecipients);
  if (naive !== undefined) {
    compareRecipientSets(problems, 'naive', new Set(naive.keys()), 'floor', floorRecipients);
  }
  return {
    agree: problems.items.length === 0,
    recipients: engineRecipients.size,
    deliveries,
    problems: problems.items,
  };
}

/** Compares module-only routing: engine `getUsersForStates` vs naive vs floor. */
export function compareRouting(
  engine: ReadonlyMap<string, ReadonlySet<UserPresenceState>>,
  naive: ReadonlyMap<string, ReadonlySet<UserPresenceState>> | undefined,
  floor: readonly string[],
): Agreement {
  const problems = new ProblemList();
  let deliveries = 0;
  for (const [userId, states] of engine) {
    deliveries += states.size;
    const expected = naive?.get(userId);
    if (expected !== undefined && !sameStates(states, expected)) {
      problems.add(
        `${userId}: engine routes ${states.size} states, naive ${expected.size} (or different ones)`,
      );
    }
  }
  const floorRecipients = new Set(floor);
  compareRecipientSets(problems, 'engine', new Set(engine.keys()), 'floor', floorRecipients);
  if (naive !== undefined) {
    compareRecipientSets(problems, 'naive', new Set(naive.keys()), 'floor', floorRecipients);
  }
  return {
    agree: problems.items.length === 0,
    recipients: engine.size,
    deliveries,
    problems: problems.items,
  };
}

/** Compares two answers to "which states are new for this syncing user". */
export function compareStateLists(
  leftName: string,
  left: Iterable<UserPresenceState>,
  rightName: string,
  right: readonly UserPresenceState[],
): Agreement {
  const problems = new ProblemList();
  const leftList = [...left];
  if (!sameStates(leftList, right)) {
    problems.add(
      `${leftName} answers ${leftList.length} states, ${rightName} ${right.length} (or different ones)`,
    );
  }
  return {
    agree: problems.items.length === 0,
    recipients: 1,
    deliveries: right.length,
    problems: problems.items,
  };
}

/** Throws a `DISAGREEMENT` `BenchError` naming the first check of `scenario` that failed. */
export function assertAgreement(scenario: string, checks: readonly AgreementCheck[]): void {
  const failed = checks.find((check) => !check.agree);
  if (failed !== undefined) {
    throw new BenchError(
      'DISAGREEMENT',
      `${scenario}: ${failed.what} disagree: ${failed.problems.join('; ')}`,
      { scenario },
    );
  }
}
