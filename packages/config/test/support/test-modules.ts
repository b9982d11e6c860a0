/**
 * Routing module classes for the tests: each exercises one way a module can behave at
 * `parseConfig` and construction time.
 */
import { ALL_USERS, type ModuleApi, type UserPresenceState } from '@presence-router/core';
import { ConfigError } from '../../src/index.ts';

/** Config of {@link AuditRouter}. */
export interface AuditConfig {
  readonly auditor: string;
  readonly rooms: readonly string[];
}

/**
 * Synapse-shaped methods on the instance: every state goes to `auditor`, who is interested in
 * everyone. `parseConfig` throws path-relative `ConfigError`s, like a real module.
 */
export class AuditRouter {
  static parseConfigCalls: unknown[] = [];

  static parseConfig(raw: unknown): AuditConfig {
    AuditRouter.parseConfigCalls.push(raw);
    const config = raw as Record<string, unknown>;
    if (typeof config.auditor !== 'string') {
      throw new ConfigError('INVALID_TYPE', 'expected a user ID for the auditor', {
        path: ['auditor'],
      });
    }
    if (!config.auditor.startsWith('@')) {
      throw new ConfigError('INVALID_VALUE', `expected a user ID, found ${config.auditor}`, {
        path: ['auditor'],
      });
    }
    const rooms = config.rooms ?? [];
    if (!Array.isArray(rooms)) {
      throw new ConfigError('INVALID_TYPE', 'expected a list of rooms', { path: ['rooms'] });
    }
    rooms.forEach((room, i) => {
      if (typeof room !== 'string' || !room.startsWith('!')) {
        throw new ConfigError('INVALID_VALUE', 'expected a room ID', { path: ['rooms', i] });
      }
    });
    return { auditor: config.auditor, rooms: rooms as string[] };
  }

  readonly config: AuditConfig;
  readonly api: ModuleApi;

  constructor(config: AuditConfig, api: ModuleApi) {
    this.config = config;
    this.api = api;
  }

  getUsersForStates(states: readonly UserPresenceState[]): Map<string, UserPresenceState[]> {
    return new Map([[this.config.auditor, [...states]]]);
  }

  getInterestedUsers(userId: string): typeof ALL_USERS | string[] {
    return userId === this.config.auditor ? ALL_USERS : [];
  }
}

/** Registers Synapse's callback pair through the module API; no `parseConfig`. */
export class RegisteringRouter {
  static instances: RegisteringRouter[] = [];
  readonly config: unknown;
  readonly api: ModuleApi;

  constructor(config: unknown, api: ModuleApi) {
    this.config = config;
    this.api = api;
    RegisteringRouter.instances.push(this);
    const target = (config as { send_to?: string }).send_to ?? '@watcher:hs.example';
    api.registerPresenceRouterCallbacks({
      getUsersForStates: (states) => ({ [target]: states }),
      getInterestedUsers: (userId) => (userId === target ? 'ALL' : new Set<string>()),
    });
  }

  /** Lets a test call the host's sendLocalOnlinePresenceTo through the module API. */
  poke(users: string[]): Promise<void> {
    return this.api.sendLocalOnlinePresenceTo(users);
  }
}

/** The seed's shape: routes every state to the room given in its config. */
export class RoomRouter {
  readonly room: string;
  constructor(config: { room: string }) {
    this.room = config.room;
  }
  getRoomsAndUsersForStates(
    states: readonly UserPresenceState[],
  ): [Record<string, UserPresenceState[]>, Record<string, UserPresenceState[]>] {
    return [{ [this.room]: [...states] }, {}];
  }
}

/** Registers only `getUsersForStates`: Synapse refuses that. */
export class HalfPairRouter {
  constructor(_config: unknown, api: ModuleApi) {
    api.registerPresenceRouterCallbacks({ getUsersForStates: () => ({}) });
  }
}

/** Has only `getInterestedUsers` as a method: also half a pair. */
export class HalfMethodRouter {
  getInterestedUsers(): string[] {
    return [];
  }
}

/** A module of another kind (a spam checker, say): routes no presence. */
export class SpamChecker {
  readonly config: unknown;
  constructor(config: unknown) {
    this.config = config;
  }
  checkEventForSpam(): boolean {
    return false;
  }
}

/** A constructor that fails. */
export class ExplodingRouter {
  constructor() {
    throw new Error('cannot reach the database');
  }
}

/** A `parseConfig` that fails with a plain error. */
export class BadParseRouter {
  static parseConfig(): never {
    throw new TypeError('cannot read properties of undefined');
  }
  getRoomsAndUsersForStates(): [Record<string, never>, Record<string, never>] {
    return [{}, {}];
  }
}

/** Checks its config in the constructor (no `parseConfig`), with a path-relative ConfigError. */
export class CheckingConstructorRouter {
  constructor(config: { limit?: unknown }) {
    if (typeof config.limit !== 'number') {
      throw new ConfigError('INVALID_TYPE', 'expected a number', { path: ['limit'] });
    }
  }
  getRoomsAndUsersForStates(): [Record<string, never>, Record<string, never>] {
    return [{}, {}];
  }
}

/** Instance methods that fail at routing time, and use a private field (so `this` must be bound). */
export class FailingRouter {
  static calls = 0;
  readonly #reason = 'the routing table is gone';
  getRoomsAndUsersForStates(): never {
    FailingRouter.calls++;
    throw new Error(this.#reason);
  }
}
