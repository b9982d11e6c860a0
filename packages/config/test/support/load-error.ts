import { silentLogger } from '@presence-router/core';
import { expect } from 'vitest';
import { ConfigError, type LoadConfigOptions, loadConfig } from '../../src/index.ts';

/** Loads `text` and returns the ConfigError it must throw. */
export async function loadError(
  text: string,
  options: LoadConfigOptions = {},
): Promise<ConfigError> {
  try {
    await loadConfig(text, { logger: silentLogger, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}
