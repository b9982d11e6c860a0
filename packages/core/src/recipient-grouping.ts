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

/** The result of grouping: touched recipients and the trie of groups. */
export interface Grouping {
  /** Number of groups; group 0 is the root (reached by no source) and holds no recipient. */
  readonly groupCount: number;
  /** Parent group of each group (the root's is -1). */
  readonly groupParent: Int32Array;
  /** The source whose visit created each group (the root's is -1). */
  readonly groupSource: Int32Array;
  /** Each recipient once, in the order first visited. */
  readonly recipients: Int32Array;
  /** The group of each recipient (parallel to `recipients`). */
  readonly recipientGroup: Int32Array;
  /** Number of sources added. */
  readonly sourceCount: number;
}

function grow(array: Int32Array, needed: number): Int32Array {
  if (needed <= array.length) return array;
  let size = Math.max(16, array.length);
  while (size < needed) size *= 2;
  const next = new Int32Array(size);
  next.set(array);
  return next;
}

/**
 * Reusable grouping state. Scratch arrays are kept between calls and never cleared: an
 * epoch number tells current entries from stale ones. Not reentrant: run one grouping at
 * a time per instance (the calls are synchronous).
 */
export class RecipientGrouper {
  #memberStamp: Int32Array = new Int32Array(0);
  #memberGroup: Int32Array = new Int32Array(0);
  #groupParent: Int32Array = new Int32Array(16);
  #groupSource: Int32Array = new Int32Array(16);
  #childStamp: Int32Array = new Int32Array(16);
  #childOf: Int32Array = new Int32Array(16);
  #recipients: Int32Array = new Int32Array(16);
  #recipientCount = 0;
  #groupCount = 0;
  #sourceCount = 0;
  #epoch = 0;
  #serial = 0;
  #open = false;
  #universe = 0;

  /** Starts a grouping over user integers below `universe`. */
  begin(universe: number): void {
    if (universe > this.#memberStamp.length) {
      const size = Math.max(universe, this.#memberStamp.length * 2);
      const stamp = new Int32Array(size);
      stamp.set(this.#memberStamp);
      this.#memberStamp = stamp;
      const group = new Int32Array(size);
      group.set(this.#memberGroup);
      this.#memberGroup = group;
    }
    // Each member becomes a recipient at most once: size for the whole universe, so the inner
    // loop never checks the recipients' capacity. Group arrays start at the same size.
    const capacity = this.#memberStamp.length + 1;
    this.#recipients = grow(this.#recipients, capacity);
    this.#groupParent = grow(this.#groupParent, capacity);
    this.#groupSource = grow(this.#groupSource, capacity);
    this.#childStamp = grow(this.#childStamp, capacity);
    this.#childOf = grow(this.#childOf, capacity);
    if (this.#epoch >= 0x7ffffff0) {
      this.#memberStamp.fill(0);
      this.#epoch = 0;
    }
    if (this.#serial >= 0x7fffff00) {
      this.#childStamp.fill(0);
      this.#serial = 0;
    }
    this.#epoch++;
    this.#universe = universe;
    this.#groupCount = 1;
    this.#groupParent[0] = -1;
    this.#groupSource[0] = -1;
    this.#childStamp[0] = 0;
    this.#recipientCount = 0;
    this.#sourceCount = 0;
    this.#open = true;
  }

  /** Whether `member` was reached by a source added since {@link begin}. */
  visited(member: number): boolean {
    return member < this.#memberStamp.length && this.#memberStamp[member] === this.#epoch;
  }

  /** The current group of a visited member (0 if not visited). */
  groupOf(member: number): number {
    return this.visited(member) ? (this.#memberGroup[member] as number) : 0;
  }

  /**
   * Whether a source that reached `member` so far delivers state number `state`.
   * `sourceStates[s]` lists the states of source `s` in ascending order (binary searched).
   * Walks the member's path only.
   */
  isReachedByState(
    member: number,
    state: number,
    sourceStates: readonly (readonly number[])[],
  ): boolean {
    for (let g = this.groupOf(member); g > 0; g = this.#groupParent[g] as number) {
      const states = sourceStates[this.#groupSource[g] as number];
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

  /** The sources that reached a member so far, most recent first. */
  sourcesReaching(member: number): number[] {
    const sources: number[] = [];
    for (let g = this.groupOf(member); g > 0; g = this.#groupParent[g] as number) {
      sources.push(this.#groupSource[g] as number);
    }
    return sources;
  }

  /**
   * Adds a source (its members, as interned integers below the universe given to
   * {@link begin}); returns the source's index.
   */
  addSource(members: ArrayLike<number>): number {
    if (!this.#open) throw new Error('RecipientGrouper.addSource called outside begin()/finish()');
    const source = this.#sourceCount++;
    const serial = ++this.#serial;
    const epoch = this.#epoch;
    const universe = this.#universe;
    const memberStamp = this.#memberStamp;
    const memberGroup = this.#memberGroup;
    let groupSource = this.#groupSource;
    let groupParent = this.#groupParent;
    let childStamp = this.#childStamp;
    let childOf = this.#childOf;
    const recipients = this.#recipients;
    let recipientCount = this.#recipientCount;
    let groupCount = this.#groupCount;
    for (let k = 0; k < members.length; k++) {
      const m = members[k] as number;
      if (!(m >= 0 && m < universe)) {
        throw new RangeError(
          `Member ${m} is outside the universe 0..${universe - 1} given to begin()`,
        );
      }
      let g = 0;
      if (memberStamp[m] !== epoch) {
        memberStamp[m] = epoch;
        recipients[recipientCount++] = m;
      } else {
        g = memberGroup[m] as number;
        if (groupSource[g] === source) continue; // listed twice in this source
      }
      let child: number;
      if (childStamp[g] === serial) {
        child = childOf[g] as number;
      } else {
        child = groupCount++;
        if (child >= groupParent.length) {
          // A member reached by several sources moves down the trie: groups can outnumber
          // recipients, so group arrays grow here (rarely) rather than being sized up front.
          groupParent = this.#groupParent = grow(groupParent, child + 1);
          groupSource = this.#groupSource = grow(groupSource, child + 1);
          childStamp = this.#childStamp = grow(childStamp, child + 1);
          childOf = this.#childOf = grow(childOf, child + 1);
        }
        groupParent[child] = g;
        groupSource[child] = source;
        childStamp[child] = 0;
        childStamp[g] = serial;
        childOf[g] = child;
      }
      memberGroup[m] = child;
    }
    this.#recipientCount = recipientCount;
    this.#groupCount = groupCount;
    return source;
  }

  /** Ends the grouping and returns its result (copied: the grouper may be reused at once). */
  finish(): Grouping {
    this.#open = false;
    const recipients = this.#recipients.slice(0, this.#recipientCount);
    const recipientGroup = new Int32Array(recipients.length);
    const memberGroup = this.#memberGroup;
    for (let i = 0; i < recipients.length; i++) {
      recipientGroup[i] = memberGroup[recipients[i] as number] as number;
    }
    return {
      groupCount: this.#groupCount,
      groupParent: this.#groupParent.slice(0, this.#groupCount),
      groupSource: this.#groupSource.slice(0, this.#groupCount),
      recipients,
      recipientGroup,
      sourceCount: this.#sourceCount,
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
