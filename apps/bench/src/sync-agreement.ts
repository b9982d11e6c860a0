/**
 * The untimed agreement check of a sync scenario: the three ALL_USERS answers match, and an
 * ordinary member's answer matches a ground truth computed from the workload's integer
 * arrays.
 *
 * @example
 * ```ts
 * const checks = await checkSyncAgreement(setup, syncImplementations(setup));
 * assertAgreement(scenario.name, checks);
 * ```
 * @module
 */
import type { UserPresenceState } from '@presence-router/core';
import { type AgreementCheck, compareStateLists } from './agreement.ts';
import type { RouterPlan } from './router-config.ts';
import type { Answer, Sync, SyncImplementation } from './sync-implementations.ts';
import type { SyncSetup } from './sync-setup.ts';
import type { Workload } from './workload.ts';

/**
 * Ground truth for an ordinary user, from the workload's integer arrays: the window's
 * updates of the user itself, of users sharing a room with it, and of users that
 * `users_to_rooms` maps to a room it is in.
 */
export function expectedForMember(
  workload: Workload,
  plan: RouterPlan,
  user: number,
  windowUsers: Int32Array,
  window: readonly UserPresenceState[],
): Answer {
  const mine = new Set<number>();
  for (const room of workload.roomsOf(user)) if (workload.participating[room] === 1) mine.add(room);
  const answer: Answer = [];
  windowUsers.forEach((other, i) => {
    const routed = plan.routedRooms.subarray(
      plan.routedOffsets[other] as number,
      plan.routedOffsets[other + 1] as number,
    );
    const shares =
      other === user ||
      workload.roomsOf(other).some((room) => mine.has(room)) ||
      routed.some((room) => mine.has(room));
    if (shares) answer.push(window[i] as UserPresenceState);
  });
  return answer;
}

/** The first ALL_USERS syncer's three answers, then the first member's against the truth. */
export async function checkSyncAgreement(
  setup: SyncSetup,
  implementations: Readonly<Record<SyncImplementation, Sync>>,
): Promise<AgreementCheck[]> {
  const { plan, recent, window, workload } = setup;
  const probe = setup.allSyncers[0] as string;
  const ours = await implementations['sync-all'](probe);
  const engine = await implementations['sync-all-route-every-state'](probe);
  const checks: AgreementCheck[] = [
    {
      what: 'sync ALL_USERS: ours vs route-every-state (engine)',
      ...compareStateLists('ours', ours, 'engine', engine),
    },
  ];
  const naive = await implementations['sync-all-naive'](probe);
  checks.push({
    what: 'sync ALL_USERS: ours vs route-every-state (naive)',
    ...compareStateLists('ours', ours, 'naive', naive),
  });
  const member = setup.memberSyncers[0] as number;
  const answer = await implementations['sync-member'](workload.userIds[member] as string);
  checks.push({
    what: 'sync member: ours vs ground truth',
    ...compareStateLists(
      'ours',
      answer,
      'truth',
      expectedForMember(workload, plan, member, recent.users, window),
    ),
  });
  return checks;
}
