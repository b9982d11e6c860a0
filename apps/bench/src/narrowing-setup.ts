/**
 * The narrowing scenario's routers over one workload and one membership source, each with
 * warm member-list caches: `additive` (the example router only, as in `pareto-20k-remote`),
 * `narrowed` (plus the denial module of {@link createDenialModule}), `policy` (the example
 * router under `presence.deny.rooms: [large room]` and `max_room_size`), and `default` (no
 * modules: default routing, the baseline of MSC4495's selective recipients).
 *
 * @example
 * ```ts
 * const setup = await prepareNarrowing(scenario, run);
 * await setup.routers.narrowed.fanOut(setup.checkBatch.states);
 * ```
 * @module
 */
import { PresenceRouter, silentLogger, type UserPresenceState } from '@presence-router/core';
import { createWorkloadRouting } from './example-router-module.ts';
import { type FanOutData, generateFanOutData, prewarmMemberLists } from './fan-out-setup.ts';
import { FloorFanOut } from './floor-fan-out.ts';
import { generateMscWorld, type MscWorld } from './msc-world.ts';
import { createDenialModule, generateNarrowingPlan, type NarrowingPlan } from './narrowing-plan.ts';
import type { NarrowingScenario } from './narrowing-results.ts';
import type { ScenarioRun } from './scenario-run.ts';
import type { WorkloadMembership } from './workload-membership.ts';

/** The four routers. */
export interface NarrowingRouters {
  readonly additive: PresenceRouter;
  readonly narrowed: PresenceRouter;
  readonly policy: PresenceRouter;
  readonly default: PresenceRouter;
}

/** Everything the narrowing scenario checks and times. */
export interface NarrowingSetup extends FanOutData {
  readonly membership: WorkloadMembership;
  readonly narrowing: NarrowingPlan;
  readonly routers: NarrowingRouters;
  readonly floor: FloorFanOut;
  readonly msc: MscWorld;
  readonly generationSeconds: number;
  readonly prewarmSeconds: number;
}

/** Generates the data and the denials, builds the routers and warms their caches. */
export async function prepareNarrowing(
  scenario: NarrowingScenario,
  run: ScenarioRun,
): Promise<NarrowingSetup> {
  run.say('generating the workload, the denials and the MSC4495 settings');
  const data = generateFanOutData(scenario);
  const narrowing = generateNarrowingPlan(data.workload, { seed: scenario.workload.seed });
  const routing = createWorkloadRouting(data.workload, data.plan);
  const { membership, module } = routing;
  const msc = generateMscWorld(data.workload, membership, { seed: scenario.workload.seed });
  const generationSeconds = run.seconds();
  const common = { serverName: data.workload.options.serverName, membership, logger: silentLogger };
  const routers: NarrowingRouters = {
    additive: routing.router,
    narrowed: new PresenceRouter({ ...common, modules: [module, createDenialModule(narrowing)] }),
    policy: new PresenceRouter({
      ...common,
      modules: [module],
      policy: { deny: { rooms: [narrowing.roomId] }, maxRoomSize: scenario.maxRoomSize },
    }),
    default: new PresenceRouter({ ...common, modules: [] }),
  };
  const state = data.checkBatch.states[0] as UserPresenceState;
  let prewarmSeconds = 0;
  for (const [name, router] of Object.entries(routers)) {
    run.say(`pre-warming the member-list caches (${name})`);
    prewarmSeconds += await prewarmMemberLists(data.workload, { ...routing, router }, state);
  }
  // A server's caches hold every user's room facts: build them before timing.
  for (const batch of data.timed) for (const s of batch.states) msc.world.roomsOf(s.userId);
  return {
    ...data,
    membership,
    narrowing,
    routers,
    floor: new FloorFanOut(data.workload, data.plan),
    msc,
    generationSeconds,
    prewarmSeconds,
  };
}
