/**
 * Checking module shapes and collecting the callbacks a module registers through its
 * `ModuleApi`, the way Synapse's module loader does.
 *
 * @example
 * ```ts
 * const collector = new CallbackCollector('my_module');
 * const api = { ...hostApi, registerPresenceRouterCallbacks: (c) => collector.register(c) };
 * const instance = new MyModule(config, api);
 * const modules = collector.modulesFor(instance); // registered callbacks, or the instance itself
 * ```
 * @module
 */
import { ModuleRegistrationError } from './errors.ts';
import type { PresenceRouterCallbacks, PresenceRouterModule } from './router-module.ts';

function isFunction(value: unknown): boolean {
  return typeof value === 'function';
}

/**
 * Throws {@link ModuleRegistrationError} unless `module` has a routing callback:
 * `getRoomsAndUsersForStates`, both of `getUsersForStates` and `getInterestedUsers`, or
 * `getDeniedRecipients` (a module that only denies).
 * Registering exactly one of the pair is an error, as in Synapse.
 */
export function assertRoutingModule(
  module: unknown,
  moduleName: string,
): asserts module is PresenceRouterModule {
  if (typeof module !== 'object' || module === null) {
    throw new ModuleRegistrationError(
      'INVALID_MODULE',
      moduleName,
      `Routing module ${moduleName} is not an object`,
    );
  }
  const m = module as Record<string, unknown>;
  const seed = isFunction(m.getRoomsAndUsersForStates);
  const forStates = isFunction(m.getUsersForStates);
  const interested = isFunction(m.getInterestedUsers);
  const denies = isFunction(m.getDeniedRecipients);
  if (forStates && !interested && !seed) {
    throw new ModuleRegistrationError(
      'CALLBACK_PAIR_REQUIRED',
      moduleName,
      `Routing module ${moduleName} defines getUsersForStates without getInterestedUsers: both or neither must be given`,
    );
  }
  if (interested && !forStates && !seed) {
    throw new ModuleRegistrationError(
      'CALLBACK_PAIR_REQUIRED',
      moduleName,
      `Routing module ${moduleName} defines getInterestedUsers without getUsersForStates: both or neither must be given`,
    );
  }
  if (!seed && !forStates && !denies) {
    throw new ModuleRegistrationError(
      'INVALID_MODULE',
      moduleName,
      `Routing module ${moduleName} has no routing callback: give getRoomsAndUsersForStates, getUsersForStates with getInterestedUsers, or getDeniedRecipients`,
    );
  }
}

/**
 * Collects what a module registers through `ModuleApi.registerPresenceRouterCallbacks`.
 */
export class CallbackCollector {
  readonly moduleName: string;
  readonly #registered: PresenceRouterCallbacks[] = [];

  constructor(moduleName: string) {
    this.moduleName = moduleName;
  }

  /** Records a registration; throws {@link ModuleRegistrationError} when only one of the pair is given. */
  register(callbacks: PresenceRouterCallbacks): void {
    const forStates = isFunction(callbacks?.getUsersForStates);
    const interested = isFunction(callbacks?.getInterestedUsers);
    if (forStates !== interested) {
      throw new ModuleRegistrationError(
        'CALLBACK_PAIR_REQUIRED',
        this.moduleName,
        `Module ${this.moduleName} registered ${forStates ? 'getUsersForStates' : 'getInterestedUsers'} alone: registerPresenceRouterCallbacks needs both getUsersForStates and getInterestedUsers, or neither`,
      );
    }
    if (forStates || isFunction(callbacks?.getDeniedRecipients)) this.#registered.push(callbacks);
  }

  /** How many registrations (a callback pair, `getDeniedRecipients`, or both) were recorded. */
  get size(): number {
    return this.#registered.length;
  }

  /**
   * The routing modules a constructed module contributes: the callbacks it registered (each
   * registration a module), or else the instance itself when it has routing methods.
   */
  modulesFor(instance: unknown): PresenceRouterModule[] {
    if (this.#registered.length > 0) {
      return this.#registered.map((callbacks, i) => ({
        moduleName: this.#registered.length === 1 ? this.moduleName : `${this.moduleName}#${i}`,
        getUsersForStates: callbacks.getUsersForStates,
        getInterestedUsers: callbacks.getInterestedUsers,
        getDeniedRecipients: callbacks.getDeniedRecipients,
      }));
    }
    assertRoutingModule(instance, this.moduleName);
    return [instance];
  }
}
