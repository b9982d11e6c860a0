import type { LogData, Logger, MembershipSource, ModuleApi } from '@presence-router/core';

/** A logger that keeps what it was given. */
export class CapturingLogger implements Logger {
  readonly lines: { level: string; message: string; data: LogData | undefined }[] = [];

  debug(message: string, data?: LogData): void {
    this.lines.push({ level: 'debug', message, data });
  }
  info(message: string, data?: LogData): void {
    this.lines.push({ level: 'info', message, data });
  }
  warn(message: string, data?: LogData): void {
    this.lines.push({ level: 'warn', message, data });
  }
  error(message: string, data?: LogData): void {
    this.lines.push({ level: 'error', message, data });
  }

  get warnings(): string[] {
    return this.lines.filter((line) => line.level === 'warn').map((line) => line.message);
  }
}

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
