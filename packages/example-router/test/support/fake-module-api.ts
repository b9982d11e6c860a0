import type { MembershipSource, ModuleApi } from '@presence-router/core';

/** A `ModuleApi` for tests: records registrations and snapshot requests. */
export class FakeModuleApi implements ModuleApi {
  readonly serverName: string;
  readonly membership: MembershipSource | undefined;
  readonly registrations: unknown[] = [];
  readonly snapshotRequests: string[][] = [];

  constructor(serverName: string, membership?: MembershipSource) {
    this.serverName = serverName;
    this.membership = membership;
  }

  async sendLocalOnlinePresenceTo(users: Iterable<string>): Promise<void> {
    this.snapshotRequests.push([...users]);
  }

  registerPresenceRouterCallbacks(callbacks: unknown): void {
    this.registrations.push(callbacks);
  }
}
