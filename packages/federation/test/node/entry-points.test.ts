import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const src = new URL('../../src/', import.meta.url);

function sourceFiles(dir: URL, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`)
      : entry.name.endsWith('.ts')
        ? [`${prefix}${entry.name}`]
        : [],
  );
}

describe('entry points', () => {
  it('the main entry exports exactly its documented values', async () => {
    expect(Object.keys(await import('../../src/index.ts')).sort()).toEqual([
      'FederationError',
      'FederationPresenceSender',
      'InboundTransactionHandler',
      'MAX_EDUS_PER_TRANSACTION',
      'MAX_PDUS_PER_TRANSACTION',
      'MAX_PRESENCE_STATES_PER_EDU',
      'PRESENCE_EDU_TYPE',
      'PRESENCE_SENDER_DEFAULTS',
      'ServerKeyStore',
      'ServerResolver',
      'SigningKey',
      'WELL_KNOWN_DEFAULTS',
      'authenticateRequest',
      'buildServerKeyResponse',
      'buildXMatrixAuthorization',
      'canonicalJson',
      'canonicalJsonBytes',
      'createFederationFetch',
      'createTransactionTransport',
      'decodeBase64',
      'encodeUnpaddedBase64',
      'federationVersionBody',
      'formatXMatrixAuthorization',
      'generateSigningKey',
      'parseSigningKeyFile',
      'parseXMatrixAuthorization',
      'presenceEdu',
      'presencePush',
      'readPresenceEdu',
      'requestSigningObject',
      'serializeSigningKeys',
      'signJson',
      'signatureKeyIds',
      'signedBytes',
      'signingKeyFromSeed',
      'systemClock',
      'transactionPath',
      'verifyJsonSignature',
      'verifyServerKeyResponse',
      'verifySignatureBytes',
    ]);
  });

  it('the /node entry exports its two helpers', async () => {
    expect(Object.keys(await import('../../src/node/index.ts')).sort()).toEqual([
      'createNodeFederationFetch',
      'nodeSrvLookup',
    ]);
  });

  it('nothing outside src/node imports a node: module or another package than core', () => {
    const files = sourceFiles(src).filter((file) => !file.startsWith('node/'));
    expect(files.length).toBeGreaterThan(20);
    const imports = files.flatMap((file) =>
      [...readFileSync(new URL(file, src), 'utf8').matchAll(/^import[^;]*?from '([^']+)';/gms)].map(
        (match) => match[1]!,
      ),
    );
    expect(imports.length).toBeGreaterThan(20);
    expect(
      imports.filter(
        (specifier) => !specifier.startsWith('.') && specifier !== '@presence-router/core',
      ),
    ).toEqual([]);
  });
});
