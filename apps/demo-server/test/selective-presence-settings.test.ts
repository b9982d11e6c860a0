/**
 * MSC4495's configuration: `experimental_features.msc4495_enabled` (off by default, other
 * Synapse experimental keys tolerated) and `membership.presence_sharing` hints for inline
 * rooms, with located mistakes; and what `/versions` and `/capabilities` advertise.
 */
import { ConfigError, parseYamlSource } from '@presence-router/config';
import { CAPABILITY_NAMES, UNSTABLE_FEATURE } from '@presence-router/selective-presence';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServerSettings } from '../src/server-settings.ts';
import { msc4495Yaml } from './support/msc4495-server.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

function settings(yaml: string) {
  return parseServerSettings(parseYamlSource(yaml, 'test.yaml'), { serverName: 'hs.example' });
}

function errorOf(yaml: string): ConfigError {
  try {
    settings(yaml);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('MSC4495 settings', () => {
  it('experimental_features.msc4495_enabled: off by default, on when true', () => {
    expect(settings('server_name: hs.example\n').experimentalFeatures).toEqual({
      msc4495Enabled: false,
    });
    expect(
      settings('experimental_features:\n  msc4495_enabled: true\n  msc3026_enabled: true\n')
        .experimentalFeatures,
    ).toEqual({ msc4495Enabled: true });
    expect(settings('experimental_features:\n').experimentalFeatures.msc4495Enabled).toBe(false);
  });

  it('a wrong msc4495_enabled is located', () => {
    const error = errorOf('experimental_features:\n  msc4495_enabled: yes please\n');
    expect(error.path).toBe('experimental_features.msc4495_enabled');
    expect(error.line).toBe(2);
  });

  it('membership.presence_sharing: hints of inline rooms', () => {
    const parsed = settings(`membership:
  rooms:
    '!a:hs.example': ['@u:hs.example']
    '!b:hs.example': ['@u:hs.example']
  presence_sharing:
    '!a:hs.example': suggest
    '!b:hs.example': forbid
`);
    expect(parsed.membership).toEqual({
      kind: 'rooms',
      rooms: new Map([
        ['!a:hs.example', ['@u:hs.example']],
        ['!b:hs.example', ['@u:hs.example']],
      ]),
      presenceSharing: new Map([
        ['!a:hs.example', 'suggest'],
        ['!b:hs.example', 'forbid'],
      ]),
    });
  });

  it('a hint for a room that is not inline, or a wrong hint, is located', () => {
    const unknown = errorOf(`membership:
  rooms:
    '!a:hs.example': []
  presence_sharing:
    '!other:hs.example': suggest
`);
    expect(unknown.path).toBe('membership.presence_sharing.!other:hs.example');
    expect(unknown.message).toContain('not an inline room');
    const wrong = errorOf(`membership:
  rooms:
    '!a:hs.example': []
  presence_sharing:
    '!a:hs.example': allow
`);
    expect(wrong.path).toBe('membership.presence_sharing.!a:hs.example');
    expect(wrong.message).toContain('suggest or forbid');
  });
});

describe('MSC4495 in /versions and /capabilities', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  for (const enabled of [true, false]) {
    it(`${enabled ? 'advertised when enabled' : 'absent when disabled'}`, async () => {
      server = await startTestServer(msc4495Yaml({ enabled }));
      const versions = await server.as('').request('GET', '/_matrix/client/versions');
      expect(versions.status).toBe(200);
      expect(versions.body.unstable_features).toEqual(enabled ? { [UNSTABLE_FEATURE]: true } : {});
      const capabilities = await server
        .as('alice-token-123')
        .request('GET', '/_matrix/client/v3/capabilities');
      const names = Object.keys(capabilities.body.capabilities as object);
      expect(names.includes(CAPABILITY_NAMES[1])).toBe(enabled);
      expect(
        (capabilities.body.capabilities as Record<string, unknown>)[CAPABILITY_NAMES[1]],
      ).toEqual(enabled ? { enabled: true } : undefined);
    });
  }
});
