/**
 * `loadConfigFile`: `loadConfig` for a file on disk, with the file name in every message and
 * relative module paths resolved against the file's folder.
 *
 * @example
 * ```ts
 * const config = await loadConfigFile('/etc/presence-router/homeserver.yaml', { registry });
 * ```
 * @module
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError } from './errors.ts';
import { type LoadConfigOptions, loadConfig } from './load-config.ts';
import type { LoadedConfig } from './loaded-config.ts';

/**
 * Reads and loads a configuration file. `sourceName` defaults to the path and `baseDir` to the
 * file's folder. Throws {@link ConfigError} `FILE_UNREADABLE` (with the cause) when the file cannot
 * be read, and everything {@link loadConfig} throws.
 */
export async function loadConfigFile(
  path: string,
  options: LoadConfigOptions = {},
): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const reason = (cause as { code?: string }).code === 'ENOENT' ? 'no such file' : String(cause);
    throw new ConfigError(
      'FILE_UNREADABLE',
      `cannot read the configuration file ${path}: ${reason}`,
      {
        sourceName: options.sourceName ?? path,
        cause,
      },
    );
  }
  return loadConfig(text, {
    ...options,
    sourceName: options.sourceName ?? path,
    baseDir: options.baseDir ?? dirname(resolve(path)),
  });
}
