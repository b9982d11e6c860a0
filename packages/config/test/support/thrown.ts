import { expect } from 'vitest';
import { ConfigError } from '../../src/index.ts';

/** Runs `fn` and returns the ConfigError it must throw. */
export function thrownBy(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}
