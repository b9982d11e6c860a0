/**
 * `MemoryPresenceStore`: the default {@link PresenceStore}, this process's memory. One
 * instance, so nothing is shared: every lease is held, and a restart forgets presence. It
 * keeps the same contract as the Redis store — a feed bounded to `feedMaxLength` entries
 * (trimmed exactly) that `follow` and `readRange` read, and expiring sync marks — though a
 * service with an unshared store needn't follow the feed (it routes its own writes).
 *
 * @example
 * ```ts
 * const store = new MemoryPresenceStore();
 * await store.commit({ state, expectedSeq: 0, notify: true }); // { ok: true, seq: 1 }
 * ```
 * @module
 */
import type {
  ChangeEntry,
  CommitResult,
  PresenceStore,
  PresenceWrite,
  ShardLeases,
  StoredPresence,
  StoreStatus,
  SyncMark,
} from './presence-store.ts';

/** Options of {@link MemoryPresenceStore}. */
export interface MemoryPresenceStoreOptions {
  /** Feed entries kept for `readRange` and a late follower (default 10 000; exact). */
  readonly feedMaxLength?: number;
  /** Entries (and states) per page handed over (default 500). */
  readonly pageSize?: number;
}

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

/** Expired marks are swept at most this often (ms). */
const SWEEP_EVERY_MS = 60_000;

/** The in-memory store; see the module documentation. */
export class MemoryPresenceStore implements PresenceStore {
  readonly shared = false;
  readonly instanceName: string;
  readonly #states = new Map<string, StoredPresence>();
  readonly #marks = new Map<string, { mark: SyncMark; expiresAt: number }>();
  readonly #since = Date.now();
  readonly #feedMaxLength: number;
  readonly #pageSize: number;
  /** The feed, oldest first, from `#feed[#head]`; compacted as it is trimmed. */
  #feed: ChangeEntry[] = [];
  #head = 0;
  #seq = 0;
  #lastSweep = Date.now();
  #follower: { handler: (entries: readonly ChangeEntry[]) => void; through: number } | undefined;
  #delivering = false;
  #closed = false;

  constructor(instanceName = 'memory', options: MemoryPresenceStoreOptions = {}) {
    this.instanceName = instanceName;
    this.#feedMaxLength = Math.max(1, options.feedMaxLength ?? 10_000);
    this.#pageSize = Math.max(1, options.pageSize ?? 500);
  }

  async load(onPage: (states: readonly StoredPresence[]) => void): Promise<number> {
    const seq = this.#seq;
    let page: StoredPresence[] = [];
    for (const stored of [...this.#states.values()]) {
      page.push(stored);
      if (page.length === this.#pageSize) {
        onPage(page);
        page = [];
      }
    }
    if (page.length > 0) onPage(page);
    return seq;
  }

  async commit(write: PresenceWrite): Promise<CommitResult> {
    const userId = write.state.userId;
    const current = this.#states.get(userId);
    if ((current?.seq ?? 0) !== write.expectedSeq) return { ok: false, current };
    const seq = ++this.#seq;
    this.#states.set(userId, { state: write.state, seq });
    this.#append({
      kind: 'state',
      seq,
      state: write.state,
      notify: write.notify,
      origin: this.instanceName,
    });
    return { ok: true, seq };
  }

  async requestSnapshots(users: readonly string[]): Promise<number> {
    const seq = ++this.#seq;
    this.#append({ kind: 'snapshot-request', seq, users: [...users], origin: this.instanceName });
    return seq;
  }

  follow(after: number, handler: (entries: readonly ChangeEntry[]) => void): void {
    if (this.#follower !== undefined) throw new Error('this store is already followed');
    if (this.#closed) throw new Error('this store is closed');
    this.#follower = { handler, through: after };
    this.#scheduleDelivery();
  }

  async readRange(
    after: number,
    through: number,
    visit: (entries: readonly ChangeEntry[]) => boolean | undefined,
  ): Promise<'complete' | 'trimmed'> {
    const end = Math.min(through, this.#seq);
    if (after >= end) return 'complete';
    const oldest = this.#feed[this.#head];
    if (oldest === undefined || oldest.seq > after + 1) return 'trimmed';
    const wanted = this.#feed.slice(this.#indexAfter(after)).filter((e) => e.seq <= end);
    for (let i = 0; i < wanted.length; i += this.#pageSize) {
      if (visit(wanted.slice(i, i + this.#pageSize)) === false) break;
    }
    return 'complete';
  }

  async latestSeq(): Promise<number> {
    return this.#seq;
  }

  noteSyncs(marks: readonly SyncMark[], ttlMs: number): void {
    const now = Date.now();
    for (const mark of marks) this.#marks.set(mark.userId, { mark, expiresAt: now + ttlMs });
    if (now - this.#lastSweep >= SWEEP_EVERY_MS) {
      this.#lastSweep = now;
      for (const [userId, { expiresAt }] of this.#marks) {
        if (expiresAt <= now) this.#marks.delete(userId);
      }
    }
  }

  async syncMarks(userIds: readonly string[]): Promise<Map<string, SyncMark>> {
    const now = Date.now();
    const found = new Map<string, SyncMark>();
    for (const userId of userIds) {
      const noted = this.#marks.get(userId);
      if (noted === undefined) continue;
      if (noted.expiresAt <= now) this.#marks.delete(userId);
      else found.set(userId, noted.mark);
    }
    return found;
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
      followedThrough: this.#follower?.through ?? this.#seq,
      instances: 1,
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#follower = undefined;
  }

  #append(entry: ChangeEntry): void {
    this.#feed.push(entry);
    const excess = this.#feed.length - this.#head - this.#feedMaxLength;
    if (excess > 0) this.#head += excess;
    if (this.#head > 1024 && this.#head * 2 > this.#feed.length) {
      this.#feed = this.#feed.slice(this.#head);
      this.#head = 0;
    }
    this.#scheduleDelivery();
  }

  /** The index of the first kept entry with `seq > after`. */
  #indexAfter(after: number): number {
    let low = this.#head;
    let high = this.#feed.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#feed[mid]!.seq <= after) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  #scheduleDelivery(): void {
    if (this.#follower === undefined || this.#delivering) return;
    this.#delivering = true;
    queueMicrotask(() => {
      this.#delivering = false;
      this.#deliver();
    });
  }

  /** Hands the follower what it has not seen, page by page (a gap when it was trimmed). */
  #deliver(): void {
    const follower = this.#follower;
    if (follower === undefined) return;
    while (follower.through < this.#seq && this.#follower === follower) {
      const start = this.#indexAfter(follower.through);
      const page: ChangeEntry[] = this.#feed.slice(start, start + this.#pageSize);
      const first = page[0];
      if (first === undefined) {
        follower.through = this.#seq;
        break;
      }
      if (first.seq > follower.through + 1) page.unshift({ kind: 'gap', seq: first.seq - 1 });
      follower.through = page[page.length - 1]!.seq;
      try {
        follower.handler(page);
      } catch {
        // The handler's own failure; the feed goes on.
      }
    }
  }
}
