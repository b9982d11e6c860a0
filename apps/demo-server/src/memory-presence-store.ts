/**
 * `MemoryPresenceStore`: the default {@link PresenceStore}, this process's memory. One
 * instance, so nothing is shared: there is no feed to follow (the service routes its own
 * writes), every lease is held, and a restart forgets presence.
 *
 * @example
 * ```ts
 * const store = new MemoryPresenceStore();
 * await store.commit({ state, expectedSeq: 0, notify: true }); // { ok: true, seq: 1 }
 * ```
 * @module
 */
import type {
  CommitResult,
  PresenceStore,
  PresenceWrite,
  ShardLeases,
  StoredPresence,
  StoreStatus,
  SyncMark,
} from './presence-store.ts';

/** Every shard, held for good. */
class AllShards implements ShardLeases {
  readonly shards: number;
  readonly #all: ReadonlySet<number>;

  constructor(shards: number) {
    this.shards = shards;
    this.#all = new Set(Array.from({ length: shards }, (_, i) => i));
  }

  holds(shard: number): boolean {
    return shard >= 0 && shard < this.shards;
  }

  held(): ReadonlySet<number> {
    return this.#all;
  }

  onChange(): () => void {
    return () => {};
  }
}

/** The in-memory store; see the module documentation. */
export class MemoryPresenceStore implements PresenceStore {
  readonly shared = false;
  readonly instanceName: string;
  readonly #states = new Map<string, StoredPresence>();
  readonly #since = Date.now();
  #seq = 0;

  constructor(instanceName = 'memory') {
    this.instanceName = instanceName;
  }

  async load(): Promise<number> {
    return this.#seq;
  }

  async commit(write: PresenceWrite): Promise<CommitResult> {
    const userId = write.state.userId;
    const current = this.#states.get(userId);
    if ((current?.seq ?? 0) !== write.expectedSeq) return { ok: false, current };
    const seq = ++this.#seq;
    this.#states.set(userId, { state: write.state, seq });
    return { ok: true, seq };
  }

  async requestSnapshots(): Promise<number> {
    return ++this.#seq;
  }

  follow(): void {}

  async readRange(): Promise<'complete' | 'trimmed'> {
    return 'trimmed';
  }

  async latestSeq(): Promise<number> {
    return this.#seq;
  }

  noteSyncs(_marks: readonly SyncMark[]): void {}

  async syncMarks(): Promise<Map<string, SyncMark>> {
    return new Map();
  }

  leases(_name: string, shards: number): ShardLeases {
    return new AllShards(shards);
  }

  status(): StoreStatus {
    return {
      kind: 'memory',
      connected: true,
      lastError: undefined,
      since: this.#since,
      reconnects: 0,
      followedThrough: this.#seq,
      instances: 1,
    };
  }

  async close(): Promise<void> {}
}
