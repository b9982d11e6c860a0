/**
 * `@presence-router/bench` as a library: what its README documents — the seeded workload
 * generator (Pareto rooms, or one room holding everyone), its batches and router plan, the
 * workload's membership source and example router, and the two implementations the engine
 * is measured against (the naive baseline, the floor). Scenario runners, measurement,
 * reports and targets stay internal; the commands are in `cli.ts` (`bench`, `bench:smoke`).
 *
 * @example
 * ```ts
 * import { PresenceRouter } from '@presence-router/core';
 * import {
 *   FloorFanOut, WorkloadMembership, createExampleRouter, generateBatches, generateRouterPlan,
 *   generateWorkload, naiveFanOut,
 * } from '@presence-router/bench';
 *
 * const workload = generateWorkload({ users: 20_000, shape: 'pareto', seed: 1 });
 * const plan = generateRouterPlan(workload, { seed: 1 });
 * const [batch] = generateBatches(workload, { size: 200, count: 1, seed: 1 });
 * const membership = new WorkloadMembership(workload);
 * const module = createExampleRouter(plan, membership, 'bench.test');
 * const router = new PresenceRouter({ serverName: 'bench.test', membership, modules: [module] });
 * const grouped = await router.fanOut(batch.states); // the engine
 * const naive = await naiveFanOut(batch.states, membership, module); // Map<userId, Set<state>>
 * const floor = new FloorFanOut(workload, plan).fanOut(batch.users); // recipient count
 * ```
 * @module
 */

export { createExampleRouter } from './example-router-module.ts';
export { FloorFanOut } from './floor-fan-out.ts';
export type { NaiveDeliveries } from './naive-fan-out.ts';
export { naiveFanOut } from './naive-fan-out.ts';
export type { RouterPlan, RouterPlanOptions } from './router-config.ts';
export { generateRouterPlan } from './router-config.ts';
export type { Workload, WorkloadOptions } from './workload.ts';
export { generateWorkload } from './workload.ts';
export type { BatchOptions, UpdateBatch } from './workload-batches.ts';
export { generateBatches } from './workload-batches.ts';
export { WorkloadMembership } from './workload-membership.ts';
