/**
 * The untimed agreement check of a fan-out scenario, on the batch set aside for it: the
 * engine, the naive baseline (unless the costly implementations are skipped) and the floor
 * fan it out; with `route`, the three route it through the module only.
 *
 * @example
 * ```ts
 * const checks = await checkFanOutAgreement(setup, costly, scenario.route);
 * assertAgreement(scenario.name, checks);
 * ```
 * @module
 */
import { type AgreementCheck, compareFanOut, compareRouting } from './agreement.ts';
import { engineDeliver, engineRouteAndRead } from './engine-fan-out.ts';
import type { FanOutSetup } from './fan-out-setup.ts';
import { naiveFanOut, naiveRouteStates } from './naive-fan-out.ts';
import type { Workload } from './workload.ts';

/** The user IDs of user indices. */
function userIdsOf(workload: Workload, users: Int32Array): string[] {
  return Array.from(users, (u) => workload.userIds[u] as string);
}

/** Engine, naive (unless `skipNaive`) and floor on the full fan-out of the check batch. */
export async function checkFanOut(setup: FanOutSetup, skipNaive: boolean): Promise<AgreementCheck> {
  const { checkBatch, floor, membership, module, router, workload } = setup;
  const engine = await engineDeliver(router, checkBatch.states);
  const naive = skipNaive ? undefined : await naiveFanOut(checkBatch.states, membership, module);
  floor.fanOut(checkBatch.users);
  const check = compareFanOut(engine.result, naive, userIdsOf(workload, floor.recipients));
  return {
    what: skipNaive
      ? 'fan-out: engine and floor on recipients (naive skipped: too many pairs)'
      : 'fan-out: engine, naive and floor (recipients; states engine vs naive)',
    ...check,
  };
}

/** Engine (`getUsersForStates`), naive and floor on module-only routing of the check batch. */
export async function checkRouting(setup: FanOutSetup): Promise<AgreementCheck> {
  const { checkBatch, floor, membership, module, router, workload } = setup;
  const engine = await engineRouteAndRead(router, checkBatch.states);
  const naive = await naiveRouteStates(checkBatch.states, membership, module);
  floor.route(checkBatch.users);
  const check = compareRouting(engine.destinations, naive, userIdsOf(workload, floor.recipients));
  return { what: 'routing: engine getUsersForStates, naive and floor', ...check };
}

/** The fan-out check, then (with `route`) the routing one. */
export async function checkFanOutAgreement(
  setup: FanOutSetup,
  skipNaive: boolean,
  route: boolean,
): Promise<AgreementCheck[]> {
  const checks = [await checkFanOut(setup, skipNaive)];
  if (route) checks.push(await checkRouting(setup));
  return checks;
}
