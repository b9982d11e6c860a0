/**
 * Integer interning of user IDs for the routing hot path: each user ID gets a small integer
 * once, and member lists are converted to `Int32Array`s once per list instance.
 *
 * @example
 * ```ts
 * const interner = new UserInterner('hs.example');
 * const ids = interner.internMembers(['@a:hs.example', '@b:remote']); // Int32Array [0, 1]
 * interner.isLocal(ids[1]!); // false
 * ```
 * @module
 */
import { serverNameOf } from '../identifiers.ts';

/** Server index of local users in {@link UserInterner.serverIndexOf}. */
export const LOCAL_SERVER = -1;

/** Interns user IDs to dense integers and remembers which server each belongs to. */
export class UserInterner {
  readonly serverName: string;
  readonly #ids = new Map<string, number>();
  readonly #names: string[] = [];
  readonly #serverOfId: number[] = [];
  #localFlags: Uint8Array = new Uint8Array(1024);
  readonly #serverIds = new Map<string, number>();
  readonly #serverNames: string[] = [];
  readonly #memberLists = new WeakMap<readonly string[], Int32Array>();

  constructor(serverName: string) {
    this.serverName = serverName;
  }

  /** How many user IDs have been interned; every ID is below this. */
  get size(): number {
    return this.#names.length;
  }

  /** The integer of `userId`, assigned on first sight. */
  intern(userId: string): number {
    let id = this.#ids.get(userId);
    if (id === undefined) {
      id = this.#names.length;
      this.#ids.set(userId, id);
      this.#names.push(userId);
      const server = serverNameOf(userId) ?? this.serverName;
      if (id >= this.#localFlags.length) {
        const flags = new Uint8Array(this.#localFlags.length * 2);
        flags.set(this.#localFlags);
        this.#localFlags = flags;
      }
      if (server === this.serverName) {
        this.#serverOfId.push(LOCAL_SERVER);
        this.#localFlags[id] = 1;
      } else {
        let serverId = this.#serverIds.get(server);
        if (serverId === undefined) {
          serverId = this.#serverNames.length;
          this.#serverIds.set(server, serverId);
          this.#serverNames.push(server);
        }
        this.#serverOfId.push(serverId);
      }
    }
    return id;
  }

  /** The integer of `userId` if it was interned before. */
  lookup(userId: string): number | undefined {
    return this.#ids.get(userId);
  }

  /** The user ID of an interned integer. */
  userIdOf(id: number): string {
    const name = this.#names[id];
    if (name === undefined) throw new RangeError(`No user is interned as ${id}`);
    return name;
  }

  /** {@link LOCAL_SERVER} for local users, else the index of the user's server. */
  serverIndexOf(id: number): number {
    return this.#serverOfId[id] ?? LOCAL_SERVER;
  }

  /** Whether the interned user belongs to this server. */
  isLocal(id: number): boolean {
    return this.#localFlags[id] === 1;
  }

  /**
   * One byte per interned user, 1 for local users (index by the user's integer). The array is
   * replaced as the interner grows: read it again after interning.
   */
  get localFlags(): Uint8Array {
    return this.#localFlags;
  }

  /**
   * {@link LOCAL_SERVER} for this server's name, the index of another server once one of its
   * users was interned, else `undefined` (no interned user is on it).
   */
  serverIndexOfName(serverName: string): number | undefined {
    return serverName === this.serverName ? LOCAL_SERVER : this.#serverIds.get(serverName);
  }

  /** The server name of a server index. */
  serverNameAt(serverIndex: number): string {
    const name = this.#serverNames[serverIndex];
    if (name === undefined) throw new RangeError(`No server has index ${serverIndex}`);
    return name;
  }

  /**
   * The interned form of a member list. Cached by array identity: a membership source that
   * returns the same array for an unchanged room pays for interning once.
   */
  internMembers(members: readonly string[]): Int32Array {
    let interned = this.#memberLists.get(members);
    if (interned === undefined) {
      interned = new Int32Array(members.length);
      for (let i = 0; i < members.length; i++) interned[i] = this.intern(members[i] as string);
      this.#memberLists.set(members, interned);
    }
    return interned;
  }
}
