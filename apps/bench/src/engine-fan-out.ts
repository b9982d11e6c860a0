/**
 * The engine as a deliverer uses it, so that its timings compare honestly with the naive
 * baseline and the floor:
 * - {@link engineDeliver}: `router.fanOut(batch)`, then every group's `memberIds` read once
 *   and `result.remote` built (who receives something) — the definition of the
 *   engine timing; with `readStates`, also every group's `states` (what each receives),
 *   which the grouped result builds lazily per group; with `view: 'flat'`, the members are
 *   read from `result.localGroups` (flat typed arrays, no object per group) instead;
 * - {@link engineRouteAndRead}: `router.getUsersForStates(batch)`, then every recipient's
 *   states read once.
 *
 * @example
 * ```ts
 * const { result, recipients } = await engineDeliver(router, batch.states, { readStates: true });
 * ```
 * @module
 */
import type { FanOutResult, PresenceRouter, UserPresenceState } from '@presence-router/core';

/** What {@link engineDeliver} saw. */
export interface EngineDelivery {
  readonly result: FanOutResult;
  /** Local recipients plus remote recipients. */
  readonly recipients: number;
  /** (local recipient, state) pairs, when states were read (else 0). */
  readonly deliveries: number;
  /** A checksum over member integers, so the reads cannot be optimized away. */
  readonly checksum: number;
}

/** Fans out `states` and reads what a deliverer needs. */
export async function engineDeliver(
  router: PresenceRouter,
  states: readonly UserPresenceState[],
  options: { readonly readStates?: boolean; readonly view?: 'groups' | 'flat' } = {},
): Promise<EngineDelivery> {
  const result = await router.fanOut(states);
  const readStates = options.readStates === true;
  let recipients = 0;
  let deliveries = 0;
  let checksum = 0;
  if (options.view === 'flat') {
    const { groupIds, starts, members } = result.localGroups;
    for (let i = 0; i < members.length; i++) checksum = (checksum + (members[i] as number)) | 0;
    recipients += members.length;
    if (readStates) {
      for (let k = 0; k < groupIds.length; k++) {
        const size = (starts[k + 1] as number) - (starts[k] as number);
        deliveries += size * result.statesOfGroup(groupIds[k] as number).length;
      }
    }
    for (const destination of result.remote.values()) recipients += destination.userIds.length;
    return { result, recipients, deliveries, checksum };
  }
  for (const group of result.groups) {
    const ids = group.memberIds;
    for (let i = 0; i < ids.length; i++) checksum = (checksum + (ids[i] as number)) | 0;
    recipients += ids.length;
    if (readStates) deliveries += ids.length * group.states.length;
  }
  for (const destination of result.remote.values()) recipients += destination.userIds.length;
  return { result, recipients, deliveries, checksum };
}

/** What {@link engineRouteAndRead} saw. */
export interface EngineRouting {
  readonly destinations: ReadonlyMap<string, ReadonlySet<UserPresenceState>>;
  readonly recipients: number;
  /** (recipient, state) pairs read. */
  readonly deliveries: number;
}

/** Routes `states` through the modules only and reads every recipient's states once. */
export async function engineRouteAndRead(
  router: PresenceRouter,
  states: readonly UserPresenceState[],
): Promise<EngineRouting> {
  const destinations = await router.getUsersForStates(states);
  let deliveries = 0;
  for (const set of destinations.values()) for (const _state of set) deliveries++;
  return { destinations, recipients: destinations.size, deliveries };
}
