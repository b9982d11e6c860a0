/**
 * The packages as a consumer gets them: every published package is packed (`prepack` builds
 * `dist`; `workspace:` ranges become real version ranges), the tarballs are installed into a
 * fresh application outside the workspace with npm and with pnpm, and the seed's YAML is
 * routed end to end there with plain `node` — no source condition, no tsx.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsumerApp,
  createConsumerApp,
  PUBLISHED_PACKAGES,
  packPublishedPackages,
  run,
  runInApp,
} from '../src/published-packages.ts';

/** The seed's documented configuration, and the same module named by its package. */
const SCRIPT = `
import { loadConfig, ModuleRegistry } from '@presence-router/config';
import { userPresenceState } from '@presence-router/core';
import { registerExampleRouter } from '@presence-router/example-router';
import { InMemoryMembership } from '@presence-router/membership';

const yaml = (module) => [
  'server_name: hs.example',
  'presence:',
  '  routing_modules:',
  \`    - module: \${module}\`,
  '      config:',
  '        always_send_to_users: ["@auditor:hs.example"]',
  '        users_to_rooms:',
  '          - "@dave:hs.example": "!lobby:hs.example"',
].join('\\n');

const membership = new InMemoryMembership({ serverName: 'hs.example' });
membership.joinAll('!lobby:hs.example', ['@alice:hs.example', '@bob:hs.example']);

async function route(text, options) {
  const loaded = await loadConfig(text, { baseDir: process.cwd(), ...options });
  const { router, moduleNames } = loaded.createPresenceRouter({ membership });
  const result = await router.fanOut([userPresenceState('@dave:hs.example', { state: 'online' })]);
  return {
    moduleNames,
    recipients: [...result.toMap().keys()].sort(),
  };
}

const seed = await route(yaml('my_module.ExamplePresenceRouter'), {
  registry: registerExampleRouter(new ModuleRegistry()),
});
const byPackage = await route(yaml('"@presence-router/example-router.ExamplePresenceRouter"'));
console.log(JSON.stringify({ seed, byPackage }));
`;

const EXPECTED = {
  recipients: ['@alice:hs.example', '@auditor:hs.example', '@bob:hs.example', '@dave:hs.example'],
};

let dir: string;
let tarballs: Map<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-router-packages-'));
  tarballs = await packPublishedPackages(join(dir, 'tarballs'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the packed packages', () => {
  it('are all there, with dist built and real version ranges for each other', async () => {
    expect([...tarballs.keys()].sort()).toEqual(
      PUBLISHED_PACKAGES.map((name) => `@presence-router/${name}`).sort(),
    );
    for (const [name, tarball] of tarballs) {
      const listing = await run('tar', ['tzf', tarball], { cwd: dir });
      expect(listing, name).toContain('package/dist/index.js');
      expect(listing, name).toContain('package/dist/index.d.ts');
      const manifest = JSON.parse(
        await run('tar', ['xzOf', tarball, 'package/package.json'], { cwd: dir }),
      ) as { dependencies?: Record<string, string>; engines?: { node?: string } };
      expect(manifest.engines?.node, name).toBe('>=20.19');
      for (const [dependency, range] of Object.entries(manifest.dependencies ?? {})) {
        expect(range, `${name} -> ${dependency}`).not.toMatch(/^workspace:/);
      }
    }
  });
});

describe.each(['npm', 'pnpm'] as const)(
  'installed with %s into a fresh application',
  (installer) => {
    let app: ConsumerApp;

    beforeAll(async () => {
      app = await createConsumerApp(join(dir, `${installer}-app`), tarballs, installer);
    });

    it('routes the seed’s YAML end to end with plain node (module by registry and by package)', async () => {
      const output = JSON.parse(await runInApp(app, 'route.mjs', SCRIPT)) as Record<
        string,
        { moduleNames: string[]; recipients: string[] }
      >;
      expect(output.seed).toMatchObject(EXPECTED);
      expect(output.byPackage).toMatchObject(EXPECTED);
      expect(output.byPackage?.moduleNames[0]).toMatch(
        /^@presence-router\/example-router\.ExamplePresenceRouter/,
      );
    });

    it('installs no native module for the in-memory and HTTP parts (the SQL drivers are optional peers)', async () => {
      const installed = await run(
        'node',
        ['-e', "console.log(JSON.stringify([...require('node:fs').readdirSync('node_modules')]))"],
        {
          cwd: app.dir,
        },
      );
      expect(JSON.parse(installed)).not.toContain('better-sqlite3');
      expect(JSON.parse(installed)).not.toContain('pg');
      const membershipManifest = JSON.parse(
        await readFile(
          join(app.dir, 'node_modules/@presence-router/membership/package.json'),
          'utf8',
        ),
      ) as { peerDependenciesMeta?: Record<string, { optional?: boolean }> };
      expect(membershipManifest.peerDependenciesMeta?.['better-sqlite3']?.optional).toBe(true);
    });
  },
);
