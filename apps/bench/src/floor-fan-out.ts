/**
 * The floor: visit each member of each touched room once — the union of the touched rooms'
 * members over integer user indices, deduplicated with a stamp array. No implementation can
 * do less and still name every recipient. It reads the workload's typed arrays directly
 * (no strings, no maps, no states), so it is a strict lower bound.
 *
 * @example
 * ```ts
 * const floor = new FloorFanOut(workload, plan);
 * const count = floor.fanOut(batch.users); // recipients, listed in floor.recipients
 * ```
 * @module
 */
import type { RouterPlan } from './router-config.ts';
import type { Workload } from './workload.ts';

/** Recipient union over integers; reusable, one run at a time. */
export class FloorFanOut {
  readonly #workload: Workload;
  readonly #plan: RouterPlan | undefined;
  readonly #userStamp: Int32Array;
  readonly #roomStamp: Int32Array;
  readonly #touched: Int32Array;
  #recipients: Int32Array;
  #epoch = 0;
  #count = 0;

  constructor(workload: Workload, plan?: RouterPlan) {
    this.#workload = workload;
    this.#plan = plan;
    this.#userStamp = new Int32Array(workload.userCount);
    this.#roomStamp = new Int32Array(workload.roomCount);
    this.#touched = new Int32Array(workload.roomCount);
    this.#recipients = new Int32Array(workload.userCount);
  }

  /** Recipients of the last run (user indices, first-visit order). */
  get recipients(): Int32Array {
    return this.#recipients.subarray(0, this.#count);
  }

  /** Full fan-out: the users themselves, their rooms, and the router's destinations. */
  fanOut(users: Int32Array): number {
    return this.#run(users, true);
  }

  /** The router's destinations only. */
  route(users: Int32Array): number {
    return this.#run(users, false);
  }

  #run(users: Int32Array, defaultRouting: boolean): number {
    const w = this.#workload;
    const epoch = ++this.#epoch;
    const userStamp = this.#userStamp;
    const roomStamp = this.#roomStamp;
    const touched = this.#touched;
    const recipients = this.#recipients;
    const participating = w.participating;
    let touchedCount = 0;
    let count = 0;
    const visit = (user: number): void => {
      if (userStamp[user] !== epoch) {
        userStamp[user] = epoch;
        recipients[count++] = user;
      }
    };
    const touch = (room: number): void => {
      if (roomStamp[room] !== epoch && participating[room] === 1) {
        roomStamp[room] = epoch;
        touched[touchedCount++] = room;
      }
    };
    const plan = this.#plan;
    for (let i = 0; i < users.length; i++) {
      const user = users[i] as number;
      if (defaultRouting) {
        visit(user);
        const end = w.userRoomOffsets[user + 1] as number;
        for (let k = w.userRoomOffsets[user] as number; k < end; k++)
          touch(w.userRooms[k] as number);
      }
      if (plan !== undefined) {
        const end = plan.routedOffsets[user + 1] as number;
        for (let k = plan.routedOffsets[user] as number; k < end; k++) {
          touch(plan.routedRooms[k] as number);
        }
      }
    }
    if (plan !== undefined && users.length > 0) for (const user of plan.alwaysSend) visit(user);
    const offsets = w.roomOffsets;
    const members = w.roomMembers;
    for (let t = 0; t < touchedCount; t++) {
      const room = touched[t] as number;
      const end = offsets[room + 1] as number;
      for (let k = offsets[room] as number; k < end; k++) {
        const m = members[k] as number;
        if (userStamp[m] !== epoch) {
          userStamp[m] = epoch;
          recipients[count++] = m;
        }
      }
    }
    this.#count = count;
    return count;
  }
}
