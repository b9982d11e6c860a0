import { ConfigError, ModuleRegistry } from '@presence-router/config';
import { describe, expect, it } from 'vitest';
import {
  EXAMPLE_ROUTER_MODULE_NAMES,
  ExamplePresenceRouter,
  registerExampleRouter,
} from '../src/index.ts';

describe('registerExampleRouter', () => {
  it('registers the class under the package names and the seed name, returning the registry', () => {
    const registry = new ModuleRegistry();
    expect(registerExampleRouter(registry)).toBe(registry);
    for (const name of EXAMPLE_ROUTER_MODULE_NAMES) {
      expect(registry.get(name)).toBe(ExamplePresenceRouter);
    }
    expect(registry.get('@presence-router/example-router.ExamplePresenceRouter')).toBe(
      ExamplePresenceRouter,
    );
    expect(registry.get('@presence-router/example-router#ExamplePresenceRouter')).toBe(
      ExamplePresenceRouter,
    );
    expect(registry.get('my_module.ExamplePresenceRouter')).toBe(ExamplePresenceRouter);
    expect(registry.get('my_module.OtherRouter')).toBeUndefined();
  });

  it('can be called twice on the same registry', () => {
    const registry = registerExampleRouter(registerExampleRouter(new ModuleRegistry()));
    expect(registry.get('my_module.ExamplePresenceRouter')).toBe(ExamplePresenceRouter);
  });

  it('refuses to replace another class registered under the seed name', () => {
    class Other {
      getRoomsAndUsersForStates() {
        return [{}, {}] as const;
      }
    }
    const registry = new ModuleRegistry().register('my_module.ExamplePresenceRouter', Other);
    expect(() => registerExampleRouter(registry)).toThrow(
      expect.objectContaining({ name: 'ConfigError', code: 'CONFLICTING_KEYS' }),
    );
    expect(() => registerExampleRouter(registry)).toThrow(ConfigError);
  });
});
