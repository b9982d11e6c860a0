/**
 * The hot path: grouping recipients by the set of sources (rooms, direct destinations) that
 * reach them, visiting each member of each source once.
 *
 * Recipients that share the same sources receive the same states, so they form one group
 * and share one state list. Groups are found by partition refinement: every recipient starts
 * in the root group; visiting source `s` moves each of its members from group `g` to the
 * child of `g` for `s` (created on first need). A group is thus a path of sources in a trie,
 * stored as a parent pointer and the last source. Cost: one visit per (source, member) with
 * a few typed-array reads and writes — the same order as merely listing the recipients.
 *
 * @example
 * ```ts
 * const grouper = new RecipientGrouper();
 * grouper.begin(userCount);
 * grouper.addSource(roomA); grouper.addSource(roomB);
 * const grouping = grouper.finish(); // recipients, their groups, and each group's path
 * ```
 * @module
 */

/** The result of grouping: the trie of groups and the recipients, grouped. */
export interface Grouping {
  /** Number of trie nodes; node 0 is the root (reached by no source) and holds no recipient. */
  readonly nodeCount: number;
  /** Parent node of each node (the root's is -1); always a smaller number than the node. */
  readonly groupParent: Int32Array;
  /** The source whose visit created each node (the root's is -1). */
  readonly groupSource: Int32Array;
  /** Number of sources added. */
  readonly sourceCount: number;
  /**
   * Local recipients by group: the members of node `groupIds[k]` are
   * `members[starts[k]] .. members[starts[k + 1] - 1]`, in the order first visited. Groups
   * appear in the order their first member was first visited; only non-empty ones.
   */
  readonly groupIds: Int32Array;
  readonly starts: Int32Array;
  readonly members: Int32Array;
  /** Recipients that are not local (see {@link RecipientGrouper.finish}), with their nodes. */
  readonly remoteMembers: Int32Array;
  readonly remoteGroups: Int32Array;
}

function grow(array: Int32Array, needed: number): Int32Array {
  if (needed <= array.length) return array;
  let size = Math.max(16, array.length);
  while (size < needed) size *= 2;
  const next = new Int32Array(size);
  next.set(array);
  return next;
}

/** Fields of a group record (stride {@link GROUP_STRIDE} in one `Int32Array`). */
const PARENT = 0;
const SOURCE = 1;
const CHILD_STAMP = 2;
const CHILD = 3;
const GROUP_STRIDE = 4;
/** Fields of a member record (stride {@link MEMBER_STRIDE}). */
const STAMP = 0;
const GROUP = 1;
const MEMBER_STRIDE = 2;

/**
 * Reusable grouping state. Scratch arrays are kept between calls and never cleared: an
 * epoch number tells current entries from stale ones. A member's fields, and a group's, are
 * interleaved in one array each, so a visit touches two cache lines, not six. Not
 * reentrant: run one grouping at a time per instance (the calls are synchronous).
 */
export class RecipientGrouper {
  /** Per member: [stamp, group]. */
  #members: Int32Array = new Int32Array(0);
  /** Per group: [parent, source, childStamp, child]. */
  #groups: Int32Array = new Int32Array(16 * GROUP_STRIDE);
  #recipients: Int32Array = new Int32Array(16);
  /** Scratch of finish(): per dense group, its count then its fill position, and its node. */
  #denseCounts: Int32Array = new Int32Array(16);
  /** Per group, kept out of the hot group records: [finish serial, dense number]. */
  #dense: Int32Array = new Int32Array(32);
  #denseNodes: Int32Array = new Int32Array(16);
  #finishSerial = 0;
  #recipientCount = 0;
  #nodeCount = 0;
  #sourceCount = 0;
  #epoch = 0;
  #serial = 0;
  #open = false;
  #universe = 0;

  /** Starts a grouping over user integers below `universe`. */
  begin(universe: number): void {
    if (universe * MEMBER_STRIDE > this.#members.length) {
      const size = Math.max(universe, this.#members.length) * MEMBER_STRIDE;
      const members = new Int32Array(size);
      members.set(this.#members);
      this.#members = members;
    }
    // Each member becomes a recipient at most once: size for the whole universe, so the inner
    // loop never checks the recipients' capacity.
    const capacity = this.#members.length / MEMBER_STRIDE + 1;
    this.#recipients = grow(this.#recipients, capacity);
    this.#groups = grow(this.#groups, capacity * GROUP_STRIDE);
    if (this.#epoch >= 0x7ffffff0) {
      for (let i = STAMP; i < this.#members.length; i += MEMBER_STRIDE) this.#members[i] = 0;
      this.#epoch = 0;
    }
    if (this.#serial >= 0x7fffff00 || this.#finishSerial >= 0x7fffff00) {
      for (let i = CHILD_STAMP; i < this.#groups.length; i += GROUP_STRIDE) this.#groups[i] = 0;
      this.#dense.fill(0);
      this.#serial = 0;
      this.#finishSerial = 0;
    }
    this.#epoch++;
    this.#universe = universe;
    this.#nodeCount = 1;
    this.#groups[PARENT] = -1;
    this.#groups[SOURCE] = -1;
    this.#groups[CHILD_STAMP] = 0;
    this.#recipientCount = 0;
    this.#sourceCount = 0;
    this.#open = true;
  }

  /** Whether `member` was reached by a source added since {@link begin}. */
  visited(member: number): boolean {
    return (
      member >= 0 &&
      member * MEMBER_STRIDE < this.#members.length &&
      this.#members[member * MEMBER_STRIDE + STAMP] === this.#epoch
    );
  }

  /** The current group of a visited member (0 if not visited). */
  groupOf(member: number): number {
    return this.visited(member) ? (this.#members[member * MEMBER_STRIDE + GROUP] as number) : 0;
  }

  /**
   * Whether a source that reached `member` so far delivers state number `state`.
   * `sourceStates[s]` lists the states of source `s` in ascending order (binary searched).
   * Walks the member's path only.
   */
  isReachedByState(
    member: number,
    state: number,
    sourceStates: readonly ArrayLike<number>[],
  ): boolean {
    const groups = this.#groups;
    for (let g = this.groupOf(member); g > 0; g = groups[g * GROUP_STRIDE + PARENT] as number) {
      const states = sourceStates[groups[g * GROUP_STRIDE + SOURCE] as number];
      if (states === undefined) continue;
      let lo = 0;
      let hi = states.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const value = states[mid] as number;
        if (value === state) return true;
        if (value < state) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    return false;
  }

  /**
   * Adds a source (its members, as interned integers below the universe given to
   * {@link begin}); returns the source's index. With `visitedOnly`, members no source reached
   * yet are skipped: the source only splits existing groups (a denial, which adds no
   * recipient).
   */
  addSource(members: ArrayLike<number>, visitedOnly = false): number {
    if (!this.#open) throw new Error('RecipientGrouper.addSource called outside begin()/finish()');
    const source = this.#sourceCount++;
    const serial = ++this.#serial;
    const epoch = this.#epoch;
    const universe = this.#universe;
    const memberRecords = this.#members;
    let groups = this.#groups;
    const recipients = this.#recipients;
    let recipientCount = this.#recipientCount;
    let nodeCount = this.#nodeCount;
    for (let k = 0; k < members.length; k++) {
      const m = members[k] as number;
      if (!(m >= 0 && m < universe)) {
        throw new RangeError(
          `Member ${m} is outside the universe 0..${universe - 1} given to begin()`,
        );
      }
      const at = m * MEMBER_STRIDE;
      let g = 0;
      if (memberRecords[at + STAMP] !== epoch) {
        if (visitedOnly) continue;
        memberRecords[at + STAMP] = epoch;
        recipients[recipientCount++] = m;
      } else {
        g = memberRecords[at + GROUP] as number;
        if (groups[g * GROUP_STRIDE + SOURCE] === source) continue; // listed twice in this source
      }
      const gAt = g * GROUP_STRIDE;
      let child: number;
      if (groups[gAt + CHILD_STAMP] === serial) {
        child = groups[gAt + CHILD] as number;
      } else {
        child = nodeCount++;
        let cAt = child * GROUP_STRIDE;
        if (cAt >= groups.length) {
          // A member reached by several sources moves down the trie: groups can outnumber
          // recipients, so the group array grows here (rarely) rather than being sized up front.
          groups = this.#groups = grow(groups, cAt + GROUP_STRIDE);
          cAt = child * GROUP_STRIDE;
        }
        groups[cAt + PARENT] = g;
        groups[cAt + SOURCE] = source;
        groups[cAt + CHILD_STAMP] = 0;
        groups[gAt + CHILD_STAMP] = serial;
        groups[gAt + CHILD] = child;
      }
      memberRecords[at + GROUP] = child;
    }
    this.#recipientCount = recipientCount;
    this.#nodeCount = nodeCount;
    return source;
  }

  /**
   * Ends the grouping and returns its result, which owns its arrays: the grouper may be reused
   * at once. Recipients whose byte in `localFlags` is not 1 are listed apart as remote; without
   * `localFlags`, every recipient is local. Groups are numbered densely in one pass over the
   * recipients (no pass over every trie node).
   */
  finish(localFlags?: Uint8Array): Grouping {
    this.#open = false;
    const count = this.#recipientCount;
    const recipients = this.#recipients;
    const memberRecords = this.#members;
    const groups = this.#groups;
    const serial = ++this.#finishSerial;
    this.#denseCounts = grow(this.#denseCounts, count + 1);
    this.#denseNodes = grow(this.#denseNodes, count + 1);
    // Fresh entries are 0 and the serial starts at 1: a grown array holds no stale stamp.
    this.#dense = grow(this.#dense, this.#nodeCount * 2);
    const denseOf = this.#dense;
    const counts = this.#denseCounts;
    const nodes = this.#denseNodes;
    let dense = 0;
    let localCount = 0;
    for (let i = 0; i < count; i++) {
      const m = recipients[i] as number;
      if (localFlags !== undefined && localFlags[m] !== 1) continue;
      const g = memberRecords[m * MEMBER_STRIDE + GROUP] as number;
      if (denseOf[g * 2] !== serial) {
        denseOf[g * 2] = serial;
        denseOf[g * 2 + 1] = dense;
        counts[dense] = 0;
        nodes[dense] = g;
        dense++;
      }
      counts[denseOf[g * 2 + 1] as number]!++;
      localCount++;
    }
    const starts = new Int32Array(dense + 1);
    let at = 0;
    for (let k = 0; k < dense; k++) {
      starts[k] = at;
      at += counts[k] as number;
      counts[k] = starts[k] as number;
    }
    starts[dense] = at;
    const members = new Int32Array(localCount);
    const remoteMembers = new Int32Array(count - localCount);
    const remoteGroups = new Int32Array(count - localCount);
    let remote = 0;
    for (let i = 0; i < count; i++) {
      const m = recipients[i] as number;
      const g = memberRecords[m * MEMBER_STRIDE + GROUP] as number;
      if (localFlags !== undefined && localFlags[m] !== 1) {
        remoteMembers[remote] = m;
        remoteGroups[remote++] = g;
      } else {
        members[counts[denseOf[g * 2 + 1] as number]!++] = m;
      }
    }
    const nodeCount = this.#nodeCount;
    const groupParent = new Int32Array(nodeCount);
    const groupSource = new Int32Array(nodeCount);
    for (let g = 0, gAt = 0; g < nodeCount; g++, gAt += GROUP_STRIDE) {
      groupParent[g] = groups[gAt + PARENT] as number;
      groupSource[g] = groups[gAt + SOURCE] as number;
    }
    return {
      nodeCount,
      groupParent,
      groupSource,
      sourceCount: this.#sourceCount,
      groupIds: nodes.slice(0, dense),
      starts,
      members,
      remoteMembers,
      remoteGroups,
    };
  }
}

/** The sources on a group's path, from the group up to the root (most recent first). */
export function sourcesOfGroup(grouping: Grouping, group: number): number[] {
  const sources: number[] = [];
  for (let g = group; g > 0; g = grouping.groupParent[g] as number) {
    sources.push(grouping.groupSource[g] as number);
  }
  return sources;
}
