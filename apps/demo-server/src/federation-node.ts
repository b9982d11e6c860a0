/**
 * The Node parts of federation: the signing key file (Synapse's format; generated on first
 * start when missing, readable only by its owner) and how other servers are reached — the
 * override map (`federation.destinations`, the only place for plain `http://`), then the
 * spec's discovery (`.well-known`, SRV over `node:dns`, port 8448) over `node:https` with
 * certificate checks.
 *
 * @example
 * ```ts
 * const federation = await openFederation(config.serverName, settings.federation, logger);
 * ```
 * @module
 */
import { constants } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '@presence-router/core';
import {
  generateSigningKey,
  parseSigningKeyFile,
  ServerResolver,
  type SigningKey,
  serializeSigningKeys,
} from '@presence-router/federation';
import { createNodeFederationFetch, nodeSrvLookup } from '@presence-router/federation/node';
import { messageOf, ServerStartError } from './errors.ts';
import {
  createFederation,
  type Federation,
  type PresenceEntryExtensions,
} from './federation-wiring.ts';
import type { FederationSettings } from './server-settings.ts';

/**
 * The signing keys in `path`, or a new key written there when the file does not exist.
 * @throws ServerStartError `FEDERATION_SETUP_FAILED` for an unreadable or invalid file.
 */
export async function loadOrCreateSigningKeys(path: string, logger: Logger): Promise<SigningKey[]> {
  const exists = await access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
  try {
    if (exists) return await parseSigningKeyFile(await readFile(path, 'utf8'));
    const key = await generateSigningKey();
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, serializeSigningKeys([key]), { mode: 0o600, flag: 'wx' });
    logger.info('federation: generated a signing key', { path, keyId: key.keyId });
    return [key];
  } catch (cause) {
    throw new ServerStartError(
      'FEDERATION_SETUP_FAILED',
      `Cannot use the signing key file ${path}: ${messageOf(cause)}`,
      { cause },
    );
  }
}

/** The server's federation over Node: see the module documentation. */
export async function openFederation(
  serverName: string,
  settings: FederationSettings,
  logger: Logger,
  extensions?: PresenceEntryExtensions,
): Promise<Federation> {
  const signingKeys = await loadOrCreateSigningKeys(settings.signingKeyPath, logger);
  const resolver = new ServerResolver({
    overrides: settings.destinations,
    lookupSrv: nodeSrvLookup(),
  });
  return createFederation({
    serverName,
    settings,
    signingKeys,
    fetch: createNodeFederationFetch({ resolver }),
    logger,
    extensions,
  });
}
