/**
 * Opens the membership source the configuration names: inline rooms (in memory, changeable
 * through the admin API), a Synapse SQLite file or PostgreSQL database (cached, the cache
 * invalidated by polling Synapse's `current_state_delta_stream`, so changes the homeserver
 * makes are followed within `poll_interval`), or a homeserver's HTTP API (cached).
 *
 * @example
 * ```ts
 * const handle = await openMembership({ kind: 'rooms', rooms: new Map([['!r:hs', ['@a:hs']]]) }, 'hs', logger);
 * await handle.source.getJoinedMembers(['!r:hs']);
 * await handle.close();
 * ```
 * @module
 */
import type { Logger, MembershipSource } from '@presence-router/core';
import {
  CachedMembership,
  InMemoryMembership,
  MatrixHttpMembership,
  type PresenceSharingHintSource,
} from '@presence-router/membership';
import {
  DeltaStreamPoller,
  invalidateOnDelta,
  SynapseSqlMembership,
} from '@presence-router/membership/synapse';
import type { EditableMembership } from './app-context.ts';
import { messageOf, ServerStartError } from './errors.ts';
import { DEFAULT_LOOKUP_SETTINGS, type MembershipSettings } from './server-settings.ts';

/** An open membership source and what the server may do with it. */
export interface MembershipHandle {
  readonly source: MembershipSource;
  /** Inline rooms only: the admin API may change membership. */
  readonly editable: EditableMembership | undefined;
  /** Subscribes to membership changes, when the source reports them. */
  readonly watch:
    | ((listener: (roomId: string, changedUsers: readonly string[]) => void) => () => void)
    | undefined;
  /** Users named by the source's configuration (inline rooms), for the live page. */
  readonly knownUsers: readonly string[];
  /** A one-line description for logs. */
  readonly description: string;
  /** MSC4495 room hints, when the source can read them (inline rooms, Synapse databases). */
  readonly hints?: PresenceSharingHintSource | undefined;
  close(): Promise<void>;
}

/**
 * Opens the membership source of `settings`.
 * @throws ServerStartError `MEMBERSHIP_SETUP_FAILED` when it cannot be opened.
 */
export async function openMembership(
  settings: MembershipSettings,
  serverName: string,
  logger: Logger,
  lookupTimeoutMs: number = DEFAULT_LOOKUP_SETTINGS.timeoutMs,
): Promise<MembershipHandle> {
  switch (settings.kind) {
    case 'rooms': {
      const membership = new InMemoryMembership({ serverName, logger });
      const users = new Set<string>();
      for (const [roomId, members] of settings.rooms) {
        membership.joinAll(roomId, members);
        for (const member of members) users.add(member);
      }
      for (const [roomId, hint] of settings.presenceSharing ?? []) {
        membership.setPresenceSharingHint(roomId, hint);
      }
      return {
        source: membership,
        hints: membership,
        editable: membership,
        watch: (listener) =>
          membership.onChange((change) => {
            if (change.kind === 'membership') listener(change.roomId, change.changedUsers);
          }),
        knownUsers: [...users].sort(),
        description: `${settings.rooms.size} inline rooms`,
        close: async () => {},
      };
    }
    case 'sqlite':
    case 'postgres': {
      let membership: SynapseSqlMembership;
      try {
        membership = await SynapseSqlMembership.open(
          settings.kind === 'sqlite'
            ? { sqlitePath: settings.path, queryTimeoutMs: lookupTimeoutMs }
            : { postgresUrl: settings.url, queryTimeoutMs: lookupTimeoutMs },
        );
      } catch (cause) {
        throw new ServerStartError(
          'MEMBERSHIP_SETUP_FAILED',
          `Cannot open the Synapse database (${settings.kind === 'sqlite' ? settings.path : redactUrl(settings.url)}): ${messageOf(cause)}`,
          { cause },
        );
      }
      const cache = new CachedMembership(membership, { ttlMs: 10 * 60_000, logger });
      const invalidate = invalidateOnDelta(cache);
      const listeners = new Set<(roomId: string, changedUsers: readonly string[]) => void>();
      const poller = new DeltaStreamPoller({
        driver: membership.driver,
        serverName,
        intervalMs: settings.pollIntervalMs,
        logger,
        onDelta: async (delta) => {
          // A reset (the database file was replaced, or its stream went back) empties the
          // cache: every room is looked up afresh. Which rooms changed cannot be told.
          await invalidate(delta);
          const users = [...delta.users];
          for (const roomId of delta.rooms)
            for (const listener of listeners) listener(roomId, users);
        },
        onError: (error) => {
          logger.warn('membership change feed failed; polling goes on', {
            error: error.message,
            code: (error as { code?: string }).code,
          });
        },
      });
      try {
        await poller.start();
      } catch (cause) {
        await membership.close();
        throw new ServerStartError(
          'MEMBERSHIP_SETUP_FAILED',
          `Cannot poll the Synapse database for membership changes: ${messageOf(cause)}`,
          { cause },
        );
      }
      return {
        source: cache,
        // Hints are read from the database itself (the cache does not answer them).
        hints: membership,
        editable: undefined,
        watch: (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        knownUsers: [],
        description:
          settings.kind === 'sqlite'
            ? `Synapse SQLite database ${settings.path}`
            : `Synapse PostgreSQL database ${redactUrl(settings.url)}`,
        close: async () => {
          await poller.stop();
          await membership.close();
        },
      };
    }
    case 'http':
      return openHttpMembership(settings, serverName, logger, lookupTimeoutMs);
  }
}

async function openHttpMembership(
  settings: Extract<MembershipSettings, { kind: 'http' }>,
  serverName: string,
  logger: Logger,
  lookupTimeoutMs: number,
): Promise<MembershipHandle> {
  let membership: MatrixHttpMembership;
  try {
    membership = new MatrixHttpMembership({
      baseUrl: settings.baseUrl,
      auth: { type: settings.auth, accessToken: settings.accessToken },
      serverName,
      // With a user's token, rooms of users are only known from member lists: list the
      // token user's rooms first (that user should be in every room that matters).
      scanJoinedRooms: settings.auth === 'user',
      // One room's lookup, retries included, is bounded: a hanging room fails, then is retried.
      lookupTimeoutMs,
      timeoutMs: Math.min(30_000, lookupTimeoutMs),
      logger,
    });
  } catch (cause) {
    throw new ServerStartError(
      'MEMBERSHIP_SETUP_FAILED',
      `Cannot set up the HTTP membership source: ${messageOf(cause)}`,
      { cause },
    );
  }
  return {
    source: new CachedMembership(membership, { ttlMs: 60_000, logger }),
    editable: undefined,
    watch: undefined,
    knownUsers: [],
    description: `homeserver HTTP API at ${settings.baseUrl} (${settings.auth} token, cached 60 s)`,
    close: async () => {
      await membership.close();
    },
  };
}

/** A database URL without its password, for logs. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
