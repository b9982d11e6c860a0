/**
 * `@presence-router/bench`: benchmarks of the presence fan-out hot path — a seeded workload
 * generator (Pareto rooms, or one room holding everyone), three implementations measured on
 * the same data (core's engine, a naive baseline, the floor), scenario runners, targets,
 * tables and a scaling chart. The commands are in `cli.ts` (`bench`, `bench:smoke`).
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
export type { Agreement } from './agreement.ts';
export { compareFanOut, compareRouting, compareStateLists } from './agreement.ts';
export type { BenchRunOptions, ScenarioFailure } from './bench-run.ts';
export { runBench, runScenario } from './bench-run.ts';
export { naivePairsOf } from './costly-plan.ts';
export type { EngineDelivery, EngineRouting } from './engine-fan-out.ts';
export { engineDeliver, engineRouteAndRead } from './engine-fan-out.ts';
export type { BenchErrorCode, BenchErrorOptions } from './errors.ts';
export { BenchError } from './errors.ts';
export type { SeedShapedModule } from './example-router-module.ts';
export { createExampleRouter } from './example-router-module.ts';
export type { ImplementationName } from './fan-out-includes.ts';
export { INCLUDES } from './fan-out-includes.ts';
export { runFanOutScenario } from './fan-out-scenario.ts';
export { FloorFanOut } from './floor-fan-out.ts';
export type { MeasuredRun, MeasureOptions, MemoryPeak, TimingStats } from './measurement.ts';
export { collectGarbage, MemorySampler, measureBatches, timingStats } from './measurement.ts';
export type { NaiveDeliveries } from './naive-fan-out.ts';
export { naiveFanOut, naiveRouteStates } from './naive-fan-out.ts';
export { SeededRandom } from './prng.ts';
export { Progress } from './progress.ts';
export { markdownReport, textReport } from './report-table.ts';
export type {
  BenchResults,
  ImplementationResult,
  ScenarioResult,
  TargetResult,
  WorkloadSummary,
} from './results.ts';
export type { ExampleRouterConfig, RouterPlan, RouterPlanOptions } from './router-config.ts';
export { generateRouterPlan } from './router-config.ts';
export type { ScalingPoint } from './scaling-chart.ts';
export { scalingChartSpec, scalingChartSvg, scalingPoints } from './scaling-chart.ts';
export type { RunOptions } from './scenario-run.ts';
export type { FanOutScenario, Scenario, SyncScenario } from './scenarios.ts';
export { fullScenarios, smokeScenarios } from './scenarios.ts';
export { runSyncScenario } from './sync-scenario.ts';
export { evaluateTargets } from './targets.ts';
export type {
  ResolvedWorkloadOptions,
  Workload,
  WorkloadOptions,
  WorkloadShape,
} from './workload.ts';
export {
  generateWorkload,
  largestRoomSize,
  resolveWorkloadOptions,
  roomIdFor,
  roomIndexOf,
  userIdFor,
  userIndexOf,
  workloadFromRooms,
} from './workload.ts';
export type { BatchOptions, UpdateBatch } from './workload-batches.ts';
export { generateBatches } from './workload-batches.ts';
export { WorkloadMembership } from './workload-membership.ts';
