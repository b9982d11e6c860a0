/**
 * MSC4495 "Selective Presence" in the server (`experimental_features.msc4495_enabled`): the
 * account data store the routes write `m.presence.sharing` to, and the router built with
 * core's policy `default_routing: false` and the internal {@link SelectivePresenceModule}
 * before the configured modules (whose additions still apply, but never over a user's deny).
 *
 * @example
 * ```ts
 * const selective = await openSelectivePresence({ serverName, store: settings.store, hints, logger });
 * const router = selective.createRouter(config.routing, parts); // in PresenceServer's createRouter
 * await selective.sharingChanged('@alice:hs'); // after a PUT of her m.presence.sharing
 * ```
 * @module
 */
import type { LoadedConfig } from '@presence-router/config';
import { type Logger, PresenceRouter, serverNameOf } from '@presence-router/core';
import { RECIPIENTS_QUERY_PATHS, type RoomHintLookup } from '@presence-router/selective-presence';
import type { AccountDataStore } from './account-data-store.ts';
import { messageOf, ServerStartError } from './errors.ts';
import type { Federation, PresenceEntryExtensions } from './federation-wiring.ts';
import { MemoryAccountDataStore } from './memory-account-data-store.ts';
import type { RouterParts } from './presence-server.ts';
import { RedisAccountDataStore } from './redis-account-data-store.ts';
import { SelectiveFederation } from './selective-presence-federation.ts';
import {
  SELECTIVE_PRESENCE_MODULE_NAME,
  SelectivePresenceModule,
} from './selective-presence-module.ts';
import { SharingSettingsReader } from './selective-presence-sharing.ts';
import type { StoreSettings } from './server-settings.ts';

/**
 * Refreshes the read-side interest the server keeps for `userIds` (it is computed when a
 * sync starts), so a viewer a sender dropped stops receiving that sender at once.
 */
export type InterestRefresher = (userIds: readonly string[]) => Promise<void>;

/** What {@link SelectivePresence} is built from. */
export interface SelectivePresenceOptions {
  readonly serverName: string;
  readonly accountData: AccountDataStore;
  /** Room hints (the membership source's, when it reads them). */
  readonly hints: RoomHintLookup | undefined;
  readonly logger: Logger;
  /** Whether federation is enabled: recipient sets are then tracked per destination. */
  readonly federation?: boolean;
}

/** See the module documentation. */
export class SelectivePresence {
  readonly serverName: string;
  readonly accountData: AccountDataStore;
  readonly sharing: SharingSettingsReader;
  /** MSC4495 over federation, when federation is enabled. */
  readonly federation: SelectiveFederation | undefined;
  readonly #hints: RoomHintLookup | undefined;
  readonly #logger: Logger;
  #module: SelectivePresenceModule | undefined;
  #refreshInterest: InterestRefresher | undefined;

  constructor(options: SelectivePresenceOptions) {
    this.serverName = options.serverName;
    this.accountData = options.accountData;
    this.sharing = new SharingSettingsReader(options.accountData);
    this.#hints = options.hints;
    this.#logger = options.logger;
    this.federation =
      options.federation === true
        ? new SelectiveFederation({ serverName: options.serverName, logger: options.logger })
        : undefined;
  }

  /** The entry fields hooks of the server's federation (undefined without federation). */
  entryExtensions(): PresenceEntryExtensions | undefined {
    const federation = this.federation;
    if (federation === undefined) return undefined;
    return {
      entryFields: (destination, state) =>
        federation.entryFields(destination, state) as ReturnType<
          PresenceEntryExtensions['entryFields']
        >,
      onAccepted: federation.accepted,
      onReceived: async (states, origin, entries) => {
        // Viewers a remote user no longer reaches lose the read-side interest that showed it.
        for (const { userId, before, after } of federation.received(states, origin, entries)) {
          if (after === undefined) continue;
          const shown = before ?? (await this.#module?.localCoMembersOf(userId)) ?? new Set();
          const dropped = [...shown].filter((viewer) => !after.has(viewer));
          if (dropped.length > 0) await this.#refreshInterest?.(dropped);
        }
      },
    };
  }

  /** Connects the federation part to the server's federation (queries, removal sends). */
  connectFederation(federation: Federation): void {
    this.federation?.connect({
      query: async (origin, userId) => {
        const query = `?user_id=${encodeURIComponent(userId)}`;
        const unstable = await federation.get(origin, `${RECIPIENTS_QUERY_PATHS.unstable}${query}`);
        const errcode = (unstable.body as { errcode?: unknown } | undefined)?.errcode;
        if (unstable.status !== 404 || errcode !== 'M_UNRECOGNIZED') return unstable;
        return federation.get(origin, `${RECIPIENTS_QUERY_PATHS.stable}${query}`);
      },
      send: (destination, state) => {
        void federation.sender.sendPresence(destination, [], [state]);
      },
    });
  }

  /** The routing module, once {@link SelectivePresence.createRouter} built it. */
  get module(): SelectivePresenceModule | undefined {
    return this.#module;
  }

  /**
   * The configuration's router with `default_routing: false` and the selective presence
   * module first; the configured modules, policy and excluded rooms as configured.
   */
  createRouter(routing: LoadedConfig, parts: RouterParts): PresenceRouter {
    const configured = routing.createPresenceRouter({
      membership: parts.membership,
      moduleApi: parts.api,
      logger: parts.logger,
      serverName: this.serverName,
    });
    const module = new SelectivePresenceModule({
      serverName: this.serverName,
      membership: parts.membership,
      hints: this.#hints,
      sharing: this.sharing,
      excludedRooms: new Set(routing.excludeRoomsFromPresence),
      logger: parts.logger,
      ...(this.federation === undefined
        ? {}
        : {
            onRecipients: (userId, recipients, state) =>
              this.federation?.recipientsChanged(userId, recipients, state),
            remoteRecipients: this.federation.remoteRecipients,
            remoteSendersFor: this.federation.remoteSendersFor,
          }),
    });
    this.#module = module;
    return new PresenceRouter({
      serverName: this.serverName,
      membership: parts.membership,
      modules: [module, ...configured.modules],
      moduleNames: [SELECTIVE_PRESENCE_MODULE_NAME, ...configured.moduleNames],
      logger: parts.logger,
      excludeRoomsFromPresence: routing.excludeRoomsFromPresence,
      policy: { ...routing.policy, defaultRouting: false },
    });
  }

  /**
   * `watch` (a membership source's change subscription) that first recomputes the sets of
   * the changed room's local members and changed users ({@link SelectivePresence.membershipChanged}).
   */
  watching(
    watch: (listener: (roomId: string, changedUsers: readonly string[]) => void) => () => void,
  ): (listener: (roomId: string, changedUsers: readonly string[]) => void) => () => void {
    return (listener) =>
      watch((roomId, changedUsers) => {
        void this.membershipChanged(roomId, changedUsers);
        listener(roomId, changedUsers);
      });
  }

  /**
   * After a membership change in `roomId`: the local members' and changed users' recipient
   * sets are computed again (the read side follows; dropped viewers lose their interest).
   * Failures are logged: the next update computes them anyway.
   */
  async membershipChanged(roomId: string, changedUsers: readonly string[]): Promise<void> {
    const module = this.#module;
    if (module === undefined) return;
    try {
      const members = (await module.membership.getJoinedMembers([roomId])).get(roomId) ?? [];
      const senders = new Set([...members, ...changedUsers]);
      const dropped = new Set<string>();
      for (const userId of senders) {
        if (serverNameOf(userId) === this.serverName)
          await recomputeDropping(module, userId, dropped);
      }
      if (dropped.size > 0) await this.#refreshInterest?.([...dropped]);
    } catch (error) {
      this.#logger.warn('selective presence: could not follow a membership change', {
        roomId,
        error: messageOf(error),
      });
    }
  }

  /** Sets how dropped viewers' read-side interest is refreshed (the server's, once built). */
  onInterestDropped(refresh: InterestRefresher): void {
    this.#refreshInterest = refresh;
  }

  /**
   * After `userId`'s sharing settings changed: its recipient set is computed again now (the
   * read side follows at once: viewers it dropped have their interest refreshed; the next
   * update is routed with it). Failures are logged: the next update computes it anyway.
   */
  async sharingChanged(userId: string): Promise<void> {
    const module = this.#module;
    if (module === undefined) return;
    try {
      const dropped = new Set<string>();
      await recomputeDropping(module, userId, dropped);
      if (dropped.size > 0) await this.#refreshInterest?.([...dropped]);
    } catch (error) {
      this.#logger.warn('selective presence: could not recompute a recipient set', {
        userId,
        error: messageOf(error),
      });
    }
  }

  close(): Promise<void> {
    return this.accountData.close();
  }
}

/**
 * The account data store of `store` (memory, or Redis with its own client) and the
 * {@link SelectivePresence} over it.
 * @throws ServerStartError `STORE_SETUP_FAILED` when Redis cannot be reached.
 */
export async function openSelectivePresence(options: {
  readonly serverName: string;
  readonly store: StoreSettings;
  readonly hints: RoomHintLookup | undefined;
  readonly logger: Logger;
  readonly federation: boolean;
}): Promise<SelectivePresence> {
  const { store } = options;
  let accountData: AccountDataStore;
  if (store.kind === 'memory') accountData = new MemoryAccountDataStore();
  else {
    try {
      accountData = await RedisAccountDataStore.connect(store);
    } catch (cause) {
      throw new ServerStartError(
        'STORE_SETUP_FAILED',
        `Could not connect to Redis at ${store.host}:${store.port} for account data (experimental_features.msc4495_enabled): ${messageOf(cause)}`,
        { cause },
      );
    }
  }
  return new SelectivePresence({ ...options, accountData });
}

/** Computes `userId`'s recipient set again; adds the viewers it no longer holds to `dropped`. */
async function recomputeDropping(
  module: SelectivePresenceModule,
  userId: string,
  dropped: Set<string>,
): Promise<void> {
  const before = module.index.recipientsOf(userId);
  const after = await module.recompute(userId);
  for (const viewer of before) if (!after.has(viewer)) dropped.add(viewer);
}
