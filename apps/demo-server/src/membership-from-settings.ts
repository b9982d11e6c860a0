/**
 * Opens the membership source the configuration names: inline rooms (in memory, changeable
 * through the admin API), a Synapse SQLite file or PostgreSQL database (read live, so changes
 * made by the homeserver are followed on the next lookup), or a homeserver's HTTP API.
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
import { InMemoryMembership, SynapseSqlMembership } from '@presence-router/membership';
import type { EditableMembership } from './app-context.ts';
import { messageOf, ServerStartError } from './errors.ts';
import type { MembershipSettings } from './server-settings.ts';

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
): Promise<MembershipHandle> {
  switch (settings.kind) {
    case 'rooms': {
      const membership = new InMemoryMembership({ serverName, logger });
      const users = new Set<string>();
      for (const [roomId, members] of settings.rooms) {
        membership.joinAll(roomId, members);
        for (const member of members) users.add(member);
      }
      return {
        source: membership,
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
            ? { sqlitePath: settings.path }
            : { postgresUrl: settings.url },
        );
      } catch (cause) {
        throw new ServerStartError(
          'MEMBERSHIP_SETUP_FAILED',
          `Cannot open the Synapse database (${settings.kind === 'sqlite' ? settings.path : redactUrl(settings.url)}): ${messageOf(cause)}`,
          { cause },
        );
      }
      return {
        source: membership,
        editable: undefined,
        watch: undefined,
        knownUsers: [],
        description:
          settings.kind === 'sqlite'
            ? `Synapse SQLite database ${settings.path}`
            : `Synapse PostgreSQL database ${redactUrl(settings.url)}`,
        close: () => membership.close(),
      };
    }
    case 'http':
      return openHttpMembership(settings, serverName);
  }
}

async function openHttpMembership(
  settings: Extract<MembershipSettings, { kind: 'http' }>,
  serverName: string,
): Promise<MembershipHandle> {
  const membershipModule = (await import('@presence-router/membership')) as Record<string, unknown>;
  const HttpMembership = membershipModule.MatrixHttpMembership as
    | (new (
        options: Record<string, unknown>,
      ) => MembershipSource & { close?: () => Promise<void> | void })
    | undefined;
  if (HttpMembership === undefined) {
    throw new ServerStartError(
      'MEMBERSHIP_SETUP_FAILED',
      'This build of @presence-router/membership has no HTTP adapter (MatrixHttpMembership)',
    );
  }
  let membership: MembershipSource & { close?: () => Promise<void> | void };
  try {
    membership = new HttpMembership({
      baseUrl: settings.baseUrl,
      auth: { type: settings.auth, accessToken: settings.accessToken },
      serverName,
    });
  } catch (cause) {
    throw new ServerStartError(
      'MEMBERSHIP_SETUP_FAILED',
      `Cannot set up the HTTP membership source: ${messageOf(cause)}`,
      { cause },
    );
  }
  return {
    source: membership,
    editable: undefined,
    watch: undefined,
    knownUsers: [],
    description: `homeserver HTTP API at ${settings.baseUrl}`,
    close: async () => {
      await membership.close?.();
    },
  };
}

/** A database URL without its password, for logs. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
