/**
 * Loads a homeserver-style YAML configuration with two routing modules (one from a
 * registry, one Synapse-style registering its callbacks), builds a `PresenceRouter` and fans
 * out one presence update.
 *
 * Run it from the repository root:
 * ```sh
 * pnpm exec tsx --conditions=@presence-router/source packages/config/examples/load-config.ts
 * ```
 * @module
 */
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig, ModuleRegistry } from '@presence-router/config';
import {
  ALL_USERS,
  type MembershipSource,
  type ModuleApi,
  silentLogger,
  type UserPresenceState,
  userPresenceState,
} from '@presence-router/core';

/** Sends every update to one auditor, who sees everyone's presence. */
class AuditRouter {
  static parseConfig(raw: unknown): { auditor: string } {
    const auditor = (raw as { auditor?: unknown }).auditor;
    if (typeof auditor !== 'string' || !auditor.startsWith('@')) {
      throw new ConfigError('INVALID_VALUE', 'expected a user ID like @auditor:hs.example', {
        path: ['auditor'],
      });
    }
    return { auditor };
  }

  readonly auditor: string;
  constructor(config: { auditor: string }) {
    this.auditor = config.auditor;
  }
  getUsersForStates(states: readonly UserPresenceState[]) {
    return { [this.auditor]: states };
  }
  getInterestedUsers(userId: string) {
    return userId === this.auditor ? ALL_USERS : [];
  }
}

/** Synapse style: registers its callbacks through the module API. */
class BuddyRouter {
  constructor(config: { buddies: Record<string, string> }, api: ModuleApi) {
    api.registerPresenceRouterCallbacks({
      getUsersForStates: (states) => {
        const out: Record<string, UserPresenceState[]> = {};
        for (const state of states) {
          const buddy = config.buddies[state.userId];
          if (buddy !== undefined) out[buddy] = [...(out[buddy] ?? []), state];
        }
        return out;
      },
      getInterestedUsers: () => [],
    });
  }
}

const YAML = `
server_name: hs.example
exclude_rooms_from_presence: ["!everyone:hs.example"]
presence:
  routing_modules:
    - module: audit.AuditRouter
      config:
        auditor: "@auditor:hs.example"
modules:
  - module: buddies#BuddyRouter
    config:
      buddies: { "@alice:hs.example": "@bob:remote.example" }
`;

/** A fixed room table standing in for the homeserver's database. */
const membership: MembershipSource = {
  async getJoinedMembers(roomIds) {
    const rooms: Record<string, string[]> = {
      '!team:hs.example': ['@alice:hs.example', '@carol:hs.example'],
      '!everyone:hs.example': ['@alice:hs.example', '@dave:hs.example'],
    };
    return new Map(roomIds.filter((id) => rooms[id]).map((id) => [id, rooms[id] as string[]]));
  },
  async getRoomsForUsers(userIds) {
    return new Map(
      userIds.map((id) => [
        id,
        id === '@alice:hs.example' ? ['!team:hs.example', '!everyone:hs.example'] : [],
      ]),
    );
  },
};

/** Loads the configuration and fans out Alice going online; returns who gets what. */
export async function runExample(): Promise<{ local: string[]; remote: string[] }> {
  const registry = new ModuleRegistry()
    .register('audit.AuditRouter', AuditRouter)
    .register('buddies.BuddyRouter', BuddyRouter);
  const config = await loadConfig(YAML, { registry, sourceName: 'example.yaml' });
  const { router } = config.createPresenceRouter({ membership, logger: silentLogger });
  const result = await router.fanOut([userPresenceState('@alice:hs.example', { state: 'online' })]);
  return {
    local: [...result.toMap().keys()].sort(),
    remote: [...result.remote.values()].flatMap((destination) => destination.userIds).sort(),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { local, remote } = await runExample();
  console.log('local recipients: ', local.join(', '));
  console.log('remote recipients:', remote.join(', '));
}
