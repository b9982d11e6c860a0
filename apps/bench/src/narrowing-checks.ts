/**
 * The narrowing scenario's checks and counts (untimed): each engine (additive, narrowed,
 * policy) against the naive reference on the batch set aside; narrowed recipients never
 * more than additive ones on any measured batch; MSC4495 recipients always among the
 * sender's co-members (default routing's recipients); and the per-update counts of
 * recipients and remote destinations (EDUs) of MSC4495 and of default routing.
 *
 * @example
 * ```ts
 * const checks = await checkNarrowing(setup, scenario);
 * assertAgreement(scenario.name, checks);
 * ```
 * @module
 */
import { serverNameOf } from '@presence-router/core';
import type { AgreementCheck } from './agreement.ts';
import { engineDeliver } from './engine-fan-out.ts';
import { selectiveRecipientsForBatch } from './msc-world.ts';
import { compareWithReference, referenceNarrowedFanOut } from './narrowing-reference.ts';
import type { NarrowingScenario } from './narrowing-results.ts';
import type { NarrowingSetup } from './narrowing-setup.ts';
import { userIndexOf } from './workload.ts';
import type { UpdateBatch } from './workload-batches.ts';

/** The three engines against the reference on the check batch. */
export async function checkAgainstReference(
  setup: NarrowingSetup,
  scenario: NarrowingScenario,
): Promise<AgreementCheck[]> {
  const { workload, plan, checkBatch, routers, narrowing } = setup;
  const cases = [
    { what: 'additive engine vs reference', router: routers.additive, rules: {} },
    {
      what: 'narrowed engine (module denials) vs reference',
      router: routers.narrowed,
      rules: { narrowing },
    },
    {
      what: `policy engine (deny.rooms + max_room_size ${scenario.maxRoomSize}) vs reference`,
      router: routers.policy,
      rules: { deniedRooms: [narrowing.room], maxRoomSize: scenario.maxRoomSize },
    },
  ];
  const checks: AgreementCheck[] = [];
  for (const c of cases) {
    const reference = referenceNarrowedFanOut(workload, plan, checkBatch.users, c.rules);
    const result = await c.router.fanOut(checkBatch.states);
    checks.push({ what: c.what, ...compareWithReference(result, reference, workload) });
  }
  return checks;
}

/** Recipients (local + remote users) of each batch through `router`. */
export async function recipientsOfBatches(
  router: Parameters<typeof engineDeliver>[0],
  batches: readonly UpdateBatch[],
): Promise<number[]> {
  const counts: number[] = [];
  for (const batch of batches) counts.push((await engineDeliver(router, batch.states)).recipients);
  return counts;
}

/** Narrowing only removes: narrowed recipients <= additive recipients, batch by batch. */
export function checkNarrowedNotMore(
  narrowed: readonly number[],
  additive: readonly number[],
): AgreementCheck {
  const problems: string[] = [];
  narrowed.forEach((n, i) => {
    if (n > (additive[i] ?? 0) && problems.length < 5) {
      problems.push(`batch ${i}: ${n} narrowed recipients > ${additive[i]} additive`);
    }
  });
  return {
    what: 'narrowed recipients <= additive recipients on every measured batch',
    agree: problems.length === 0,
    recipients: narrowed.reduce((a, b) => a + b, 0),
    deliveries: 0,
    problems,
  };
}

/** Per-update counts of MSC4495 and of default routing, and the subset check. */
export interface MscCounts {
  readonly updates: number;
  readonly defaultRecipients: number;
  readonly mscRecipients: number;
  readonly defaultEdus: number;
  readonly mscEdus: number;
  readonly check: AgreementCheck;
}

/**
 * For each update of `batches`: default routing's recipients (the sender's co-members in its
 * rooms, itself excluded, as MSC4495 excludes it) and their remote servers, against
 * `selectiveRecipientsForBatch`'s set and its remote servers; every MSC4495 recipient must be
 * a co-member.
 */
export function mscCounts(setup: NarrowingSetup, batches: readonly UpdateBatch[]): MscCounts {
  const { workload, msc } = setup;
  const local = workload.options.serverName;
  const stamp = new Int32Array(workload.userCount);
  let epoch = 0;
  let updates = 0;
  let defaultRecipients = 0;
  let mscRecipients = 0;
  let defaultEdus = 0;
  let mscEdus = 0;
  const problems: string[] = [];
  for (const batch of batches) {
    const sets = selectiveRecipientsForBatch(
      batch.states.map((s) => s.userId),
      msc.world,
    );
    for (let i = 0; i < batch.users.length; i++) {
      const sender = batch.users[i] as number;
      epoch++;
      stamp[sender] = epoch;
      const servers = new Set<string>();
      for (const room of workload.roomsOf(sender)) {
        if (workload.participating[room] !== 1) continue;
        for (const m of workload.membersOf(room)) {
          if (stamp[m] === epoch) continue;
          stamp[m] = epoch;
          defaultRecipients++;
          if (workload.isLocal[m] !== 1)
            servers.add(serverNameOf(workload.userIds[m] as string) as string);
        }
      }
      defaultEdus += servers.size;
      const userId = workload.userIds[sender] as string;
      const set = sets.get(userId) ?? new Set<string>();
      const mscServers = new Set<string>();
      for (const r of set) {
        const server = serverNameOf(r) as string;
        if (server !== local) mscServers.add(server);
        const index = userIndexOf(r);
        if (
          (workload.userIds[index] !== r || stamp[index] !== epoch || index === sender) &&
          problems.length < 5
        ) {
          problems.push(`${r} receives ${userId}'s presence under MSC4495 without sharing a room`);
        }
      }
      mscRecipients += set.size;
      mscEdus += mscServers.size;
      updates++;
    }
  }
  return {
    updates,
    defaultRecipients,
    mscRecipients,
    defaultEdus,
    mscEdus,
    check: {
      what: 'MSC4495 recipients are co-members (within default routing) on every update',
      agree: problems.length === 0,
      recipients: mscRecipients,
      deliveries: 0,
      problems,
    },
  };
}
