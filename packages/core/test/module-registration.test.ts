import { describe, expect, it } from 'vitest';
import {
  ALL_USERS,
  CallbackCollector,
  ModuleRegistrationError,
  type UserPresenceState,
} from '../src/index.ts';

describe('CallbackCollector', () => {
  it('turns registered callback pairs into routing modules named after the module', () => {
    const collector = new CallbackCollector('my_module.Router');
    collector.register({ getUsersForStates: () => ({}), getInterestedUsers: () => ALL_USERS });
    const modules = collector.modulesFor({});
    expect(modules).toHaveLength(1);
    expect(modules[0]?.moduleName).toBe('my_module.Router');
    expect(typeof modules[0]?.getInterestedUsers).toBe('function');
  });

  it('numbers several registrations', () => {
    const collector = new CallbackCollector('m');
    const pair = { getUsersForStates: () => ({}), getInterestedUsers: () => [] };
    collector.register(pair);
    collector.register(pair);
    expect(collector.modulesFor({}).map((m) => m.moduleName)).toEqual(['m#0', 'm#1']);
  });

  it('refuses one callback of the pair, as Synapse does', () => {
    const collector = new CallbackCollector('half');
    expect(() => collector.register({ getUsersForStates: () => ({}) })).toThrow(
      ModuleRegistrationError,
    );
    expect(() => collector.register({ getInterestedUsers: () => [] })).toThrow(
      /both getUsersForStates and getInterestedUsers, or neither/,
    );
    expect(collector.size).toBe(0);
  });

  it('registering neither is allowed and falls back to the instance', () => {
    const collector = new CallbackCollector('seed');
    collector.register({});
    const instance = {
      getRoomsAndUsersForStates: (s: readonly UserPresenceState[]) => [{}, { '@a:hs': s }] as const,
    };
    expect(collector.modulesFor(instance)).toEqual([instance]);
  });

  it('an instance without routing methods and no registration is an error', () => {
    expect(() => new CallbackCollector('idle').modulesFor({ hello: 1 })).toThrow(
      /idle has no routing callback/,
    );
  });
});
