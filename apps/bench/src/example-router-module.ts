/**
 * The routing module the benchmark measures: `ExamplePresenceRouter` from
 * `@presence-router/example-router`, configured from a seeded {@link RouterPlan} and given the
 * workload's membership source. The engine and the naive baseline call the same instance,
 * so both pay the same module cost.
 *
 * @example
 * ```ts
 * const module = createExampleRouter(plan, membership);
 * const [rooms, users] = module.getRoomsAndUsersForStates(states);
 * ```
 * @module
 */
import {
  type MembershipSource,
  PresenceRouter,
  silentLogger,
  type UserPresenceState,
} from '@presence-router/core';
import { ExamplePresenceRouter } from '@presence-router/example-router';
import type { RouterPlan } from './router-config.ts';
import type { Workload } from './workload.ts';
import { WorkloadMembership } from './workload-membership.ts';

/** What the naive baseline needs of a module: the seed's callback, synchronous. */
export interface SeedShapedModule {
  getRoomsAndUsersForStates(
    states: readonly UserPresenceState[],
  ): readonly [
    ReadonlyMap<string, readonly UserPresenceState[]>,
    ReadonlyMap<string, readonly UserPresenceState[]>,
  ];
}

/** An `ExamplePresenceRouter` for `plan`, on `membership`, logging nothing. */
export function createExampleRouter(
  plan: RouterPlan,
  membership: MembershipSource,
  serverName: string,
): ExamplePresenceRouter {
  const config = ExamplePresenceRouter.parseConfig({
    always_send_to_users: [...plan.config.always_send_to_users],
    users_to_rooms: Object.fromEntries(
      Object.entries(plan.config.users_to_rooms).map(([user, rooms]) => [user, [...rooms]]),
    ),
  });
  return new ExamplePresenceRouter(
    config,
    {
      serverName,
      membership,
      async sendLocalOnlinePresenceTo() {},
      registerPresenceRouterCallbacks() {},
    },
    { logger: silentLogger },
  );
}

/** Everything a scenario routes with: the workload's membership, the module, the router. */
export interface WorkloadRouting {
  readonly membership: WorkloadMembership;
  readonly module: ExamplePresenceRouter;
  readonly router: PresenceRouter;
}

/** A `PresenceRouter` running the example router for `plan` over `workload`, logging nothing. */
export function createWorkloadRouting(workload: Workload, plan: RouterPlan): WorkloadRouting {
  const membership = new WorkloadMembership(workload);
  const module = createExampleRouter(plan, membership, workload.options.serverName);
  const router = new PresenceRouter({
    serverName: workload.options.serverName,
    membership,
    modules: [module],
    logger: silentLogger,
  });
  return { membership, module, router };
}
