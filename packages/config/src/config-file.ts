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
import { open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError } from './errors.ts';
import { type LoadConfigOptions, loadConfig } from './load-config.ts';
import type { LoadedConfig } from './loaded-config.ts';
import { resolveYamlLimits } from './yaml-limits.ts';

/**
 * The file's text, read no further than `maxBytes + 1` bytes: enough for `loadConfig` to
 * refuse a bigger file at the place it goes past the limit, without reading all of it (or
 * forever, from a device such as /dev/zero).
 */
async function readAtMost(path: string, maxBytes: number): Promise<string> {
  const file = await open(path, 'r');
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const chunkSize = 64 * 1024;
    while (total <= maxBytes) {
      const buffer = new Uint8Array(Math.min(chunkSize, maxBytes + 1 - total));
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    // A character cut at the end decodes to U+FFFD, which is no shorter in UTF-8.
    return new TextDecoder().decode(bytes);
  } finally {
    await file.close();
  }
}

/**
 * Reads and loads a configuration file. `sourceName` defaults to the path and `baseDir` to the
 * file's folder. Throws {@link ConfigError} `FILE_UNREADABLE` (with the cause) when the file cannot
 * be read, `YAML_TOO_LARGE` for a file of more than `limits.maxBytes` (of which it reads no more),
 * and everything {@link loadConfig} throws.
 */
export async function loadConfigFile(
  path: string,
  options: LoadConfigOptions = {},
): Promise<LoadedConfig> {
  const { maxBytes } = resolveYamlLimits(options.limits);
  let text: string;
  try {
    text = await readAtMost(path, maxBytes);
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
