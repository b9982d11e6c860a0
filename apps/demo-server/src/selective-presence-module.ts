/**
 * The internal routing module of MSC4495 "Selective Presence". The server builds the router
 * with `default_routing: false` and this module first, so that:
 *
 * - `getUsersForStates`: a local sender's state goes to its recipient set, the proposal's five
 *   steps (`selectiveRecipients`, facts from `gatherRecipientFacts`: membership and room
 *   hints), local and remote; a user without settings to nobody. A remote sender's state goes
 *   to the local users its last entry named (`remoteRecipients`, MSC4495 over federation),
 *   else to the local users sharing a room with it (legacy delivery);
 * - `getDeniedRecipients`: a local sender's denied users, and its denied servers that hold no
 *   user it allows — so operator modules cannot overrule a user's deny;
 * - `getInterestedUsers(viewer)`: the local senders whose current set holds `viewer` (the
 *   {@link RecipientIndex}, loaded for every user with settings on first use), plus the remote
 *   senders whose last entry named `viewer`, and remote co-members whose last entry carried no
 *   MSC4495 fields.
 *
 * @example
 * ```ts
 * const module = new SelectivePresenceModule({ serverName, membership, hints, sharing, excludedRooms });
 * const router = new PresenceRouter({ serverName, membership, modules: [module], policy: { defaultRouting: false } });
 * await module.recompute('@alice:hs'); // after Alice's m.presence.sharing changed
 * ```
 * @module
 */
import {
  type Logger,
  type MembershipSource,
  type PresenceRouterModule,
  type RecipientDenial,
  serverNameOf,
  type UserPresenceState,
} from '@presence-router/core';
import {
  gatherRecipientFacts,
  type PresenceSharingSettings,
  type RoomHintLookup,
  selectiveRecipients,
} from '@presence-router/selective-presence';
import { messageOf } from './errors.ts';
import { RecipientIndex } from './selective-presence-index.ts';
import type { SharingSettingsReader } from './selective-presence-sharing.ts';

/** What {@link SelectivePresenceModule} reads. */
export interface SelectivePresenceModuleOptions {
  readonly serverName: string;
  readonly membership: MembershipSource;
  /** Room hints; without them no room suggests sharing. */
  readonly hints: RoomHintLookup | undefined;
  readonly sharing: SharingSettingsReader;
  /** `exclude_rooms_from_presence`: left out of legacy delivery of remote senders. */
  readonly excludedRooms: ReadonlySet<string>;
  readonly logger: Logger;
  /**
   * Called with each local sender's newly computed set (and the state being routed, when it
   * is an update), e.g. to track the sets federation destinations hold.
   */
  readonly onRecipients?: (
    userId: string,
    recipients: ReadonlySet<string>,
    state: UserPresenceState | undefined,
  ) => void;
  /**
   * The local recipients a remote sender's last entry named (MSC4495 over federation), or
   * undefined for legacy delivery to the local users sharing a room with it.
   */
  readonly remoteRecipients?: (userId: string) => ReadonlySet<string> | undefined;
  /** The remote senders whose last entry named `viewer` (the inverse of `remoteRecipients`). */
  readonly remoteSendersFor?: (viewer: string) => ReadonlySet<string>;
}

/** The name the router's logs and explanations give the module. */
export const SELECTIVE_PRESENCE_MODULE_NAME = 'msc4495 selective presence';

/** See the module documentation. */
export class SelectivePresenceModule implements PresenceRouterModule {
  readonly moduleName = SELECTIVE_PRESENCE_MODULE_NAME;
  readonly index = new RecipientIndex();
  /** The membership source the sets are computed from. */
  readonly membership: MembershipSource;
  readonly #options: SelectivePresenceModuleOptions;
  #loaded: Promise<void> | undefined;

  constructor(options: SelectivePresenceModuleOptions) {
    this.#options = options;
    this.membership = options.membership;
  }

  /** Whether `userId` is on this server. */
  #isLocal(userId: string): boolean {
    return serverNameOf(userId) === this.#options.serverName;
  }

  /**
   * Computes `userId`'s recipient set from its settings and membership now, and keeps it in
   * the index; returns it.
   */
  async recompute(userId: string, state?: UserPresenceState): Promise<ReadonlySet<string>> {
    const settings = await this.#options.sharing.settingsOf(userId);
    return this.#recomputeWith(userId, settings, state);
  }

  async #recomputeWith(
    userId: string,
    settings: PresenceSharingSettings | undefined,
    state: UserPresenceState | undefined,
  ): Promise<ReadonlySet<string>> {
    const { serverName, membership, hints } = this.#options;
    const facts = await gatherRecipientFacts(userId, settings, { serverName, membership, hints });
    const recipients = selectiveRecipients(userId, settings, facts);
    this.index.set(userId, recipients);
    this.#options.onRecipients?.(userId, recipients, state);
    return recipients;
  }

  getUsersForStates = async (
    states: readonly UserPresenceState[],
  ): Promise<Map<string, UserPresenceState[]>> => {
    const destinations = new Map<string, UserPresenceState[]>();
    const add = (recipient: string, state: UserPresenceState): void => {
      const list = destinations.get(recipient);
      if (list === undefined) destinations.set(recipient, [state]);
      else list.push(state);
    };
    for (const state of states) {
      const recipients = this.#isLocal(state.userId)
        ? await this.recompute(state.userId, state)
        : (this.#options.remoteRecipients?.(state.userId) ??
          (await this.localCoMembersOf(state.userId)));
      for (const recipient of recipients) add(recipient, state);
    }
    return destinations;
  };

  getDeniedRecipients = async (
    states: readonly UserPresenceState[],
  ): Promise<Map<string, RecipientDenial>> => {
    const denials = new Map<string, RecipientDenial>();
    for (const state of states) {
      if (!this.#isLocal(state.userId) || denials.has(state.userId)) continue;
      const settings = await this.#options.sharing.settingsOf(state.userId);
      if (settings === undefined) continue;
      const users: string[] = [];
      const allowedServers = new Set<string>();
      for (const [userId, sharing] of settings.users) {
        if (sharing === 'deny') users.push(userId);
        else allowedServers.add(serverNameOf(userId) ?? '');
      }
      // An allowed user beats its denied server (step 4 after step 2): such a server is not
      // denied outright, the five steps already left its other users out.
      const servers = [...settings.deniedServers].filter((server) => !allowedServers.has(server));
      if (users.length > 0 || servers.length > 0) denials.set(state.userId, { users, servers });
    }
    return denials;
  };

  getInterestedUsers = async (viewer: string): Promise<Set<string>> => {
    await this.#loadIndex();
    const interested = new Set(this.index.sendersFor(viewer));
    for (const sender of this.#options.remoteSendersFor?.(viewer) ?? []) interested.add(sender);
    if (this.#isLocal(viewer)) {
      for (const member of await this.#coMembers(viewer)) {
        if (this.#isLocal(member)) continue;
        const named = this.#options.remoteRecipients?.(member);
        if (named === undefined || named.has(viewer)) interested.add(member);
      }
    }
    return interested;
  };

  /** Computes the set of every user with settings, once (again after a failure). */
  #loadIndex(): Promise<void> {
    this.#loaded ??= (async () => {
      const users = await this.#options.sharing.usersWithSettings();
      for (const userId of users) {
        if (this.#isLocal(userId)) await this.recompute(userId);
      }
    })().catch((error: unknown) => {
      this.#loaded = undefined;
      this.#options.logger.warn('selective presence: could not load the recipient sets', {
        error: messageOf(error),
      });
      throw error;
    });
    return this.#loaded;
  }

  /** The local users sharing a room (not excluded) with a remote `userId`. */
  async localCoMembersOf(userId: string): Promise<Set<string>> {
    const members = await this.#coMembers(userId);
    return new Set([...members].filter((member) => this.#isLocal(member)));
  }

  /** Everyone sharing a room (not excluded) with `userId`, not `userId` itself. */
  async #coMembers(userId: string): Promise<Set<string>> {
    const { membership, excludedRooms } = this.#options;
    const rooms = ((await membership.getRoomsForUsers([userId])).get(userId) ?? []).filter(
      (roomId) => !excludedRooms.has(roomId),
    );
    const found = new Set<string>();
    if (rooms.length === 0) return found;
    for (const members of (await membership.getJoinedMembers(rooms)).values()) {
      for (const member of members) if (member !== userId) found.add(member);
    }
    return found;
  }
}
