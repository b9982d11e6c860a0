import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, runCli } from '../src/cli.ts';

const EXAMPLE = join(import.meta.dirname, '..', 'examples', 'homeserver.yaml');
const BIN = join(import.meta.dirname, '..', 'bin', 'presence-router.mjs');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(
  args: string[],
  extra: { stopSignal?: Promise<string>; onListening?: (url: string) => void } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    ...extra,
  });
  return { code, stdout, stderr };
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-router-cli-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('presence-router check', () => {
  it('accepts the shipped example configuration', async () => {
    const run = await cli(['check', EXAMPLE]);
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout).toContain(
      'valid (server_name example.org; 1 routing module; membership: rooms',
    );
    expect(run.stderr).toBe('');
  });

  it('accepts the two federating example configurations (a.localhost, b.localhost)', async () => {
    for (const name of ['a.localhost', 'b.localhost']) {
      const run = await cli(['check', join(import.meta.dirname, '..', 'examples', `${name}.yaml`)]);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: EXIT_OK, stderr: '' });
      expect(run.stdout).toContain(`valid (server_name ${name};`);
    }
  });

  it('accepts the Redis instance example and names the store', async () => {
    const run = await cli([
      'check',
      join(import.meta.dirname, '..', 'examples', 'redis-instance.yaml'),
    ]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: EXIT_OK, stderr: '' });
    expect(run.stdout).toContain('presence in redis 127.0.0.1:6379/0 (presence-example)');
  });

  it('reports errors as file:line:column: path: message with exit code 1', async () => {
    const cases: [string, RegExp][] = [
      [
        'server_name: hs.example\naccess_tokens:\n  "@alice:hs.example": short\n',
        /^bad-0\.yaml:3:24: access_tokens\.@alice:hs\.example: .*8 to 512/m,
      ],
      [
        'server_name: hs.example\nmembership:\n  sqlite: a.db\n  rooms: {}\n',
        /^bad-1\.yaml:3:3: membership: give only one membership source, found rooms and sqlite/m,
      ],
      [
        'server_name: hs.example\npresence:\n  sync_online_timeout: soon\n',
        /^bad-2\.yaml:3:24: presence\.sync_online_timeout: expected a duration/m,
      ],
      [
        "server_name: hs.example\npresence:\n  routing_modules:\n    - module: '@presence-router/example-router.ExamplePresenceRouter'\n      config:\n        always_send_to_users: ['not-a-user']\n",
        /^bad-3\.yaml:6:32: presence\.routing_modules\[0\]\.config\.always_send_to_users\[0\]: /m,
      ],
      [
        'server_name: hs.example\naccess_tokens:\n  "@alice:other.example": alice-token-123\n',
        /^bad-4\.yaml:3:3: access_tokens\.@alice:other\.example: @alice:other\.example is not a user of this server/m,
      ],
      ['access_tokens: {}\n', /^bad-5\.yaml:1:1: server_name: server_name is required/m],
      [
        'server_name: hs.example\nlisteners:\n  - port: 99999\n',
        /^bad-6\.yaml:3:11: listeners\[0\]\.port: a port from 0 to 65535/m,
      ],
      [
        "server_name: hs.example\nfederation:\n  enabled: true\n  destinations:\n    b.example: 'ftp://127.0.0.1'\n",
        /^bad-7\.yaml:5:16: federation\.destinations\.b\.example: /m,
      ],
    ];
    for (const [i, [yaml, expected]] of cases.entries()) {
      const path = await configFile(`bad-${i}.yaml`, yaml);
      const run = await cli(['check', path]);
      expect({ code: run.code, stderr: run.stderr.replace(`${dir}/`, '') }).toEqual({
        code: EXIT_FAILURE,
        stderr: expect.stringMatching(expected),
      });
    }
  });

  it('reports every problem the settings check finds, a line each, in file order', async () => {
    const path = await configFile(
      'several.yaml',
      "server_name: hs.example\nlisteners:\n  - port: 99999\nfederation:\n  enabled: true\n  destinations:\n    b.example: 'ftp://127.0.0.1'\n",
    );
    const run = await cli(['check', path]);
    expect(run.code).toBe(EXIT_FAILURE);
    expect(run.stderr.replaceAll(`${dir}/`, '').trimEnd().split('\n')).toEqual([
      'several.yaml:3:11: listeners[0].port: a port from 0 to 65535',
      expect.stringMatching(/^several\.yaml:7:16: federation\.destinations\.b\.example: /),
    ]);
  });

  it('prints 20 further problems at most, then how many more', async () => {
    const tokens = Array.from({ length: 30 }, (_, i) => `  '@u${i}:hs.example': 5\n`).join('');
    const path = await configFile(
      'many.yaml',
      `server_name: hs.example\naccess_tokens:\n${tokens}`,
    );
    const run = await cli(['check', path]);
    expect(run.code).toBe(EXIT_FAILURE);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(22);
    expect(lines[21]).toBe('... and 9 more problems');
  });

  it('a missing file is exit code 1; wrong usage is exit code 2', async () => {
    const missing = await cli(['check', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(EXIT_FAILURE);
    expect(missing.stderr).toContain('no such file');
    expect((await cli(['check'])).code).toBe(EXIT_USAGE);
    expect((await cli(['check', 'a.yaml', 'b.yaml'])).code).toBe(EXIT_USAGE);
    expect((await cli(['check', '--bogus', EXAMPLE])).code).toBe(EXIT_USAGE);
    expect((await cli([])).code).toBe(EXIT_USAGE);
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(EXIT_USAGE);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const help = await cli(['--help']);
    expect(help.code).toBe(EXIT_OK);
    expect(help.stdout).toContain('Exit codes:');
  });
});

describe('presence-router explain', () => {
  it('explains routed, shared-room, excluded and unrelated pairs on the shipped example', async () => {
    const routed = await cli([
      'explain',
      '--config',
      EXAMPLE,
      '--from',
      '@dave:example.org',
      '--to',
      '@alice:example.org',
    ]);
    expect(routed.code).toBe(EXIT_OK);
    expect(routed.stdout).toContain('@alice:example.org receives @dave:example.org');
    expect(routed.stdout).toContain('users_to_rooms sends @dave:example.org to !lobby:example.org');

    const shared = await cli([
      'explain',
      '--config',
      EXAMPLE,
      '--from',
      '@alice:example.org',
      '--to',
      '@bob:example.org',
      '--json',
    ]);
    const sharedJson = JSON.parse(shared.stdout) as { receives: boolean; sharedRooms: string[] };
    expect(sharedJson.receives).toBe(true);
    expect(sharedJson.sharedRooms).toEqual(['!lobby:example.org']);

    const excluded = await cli([
      'explain',
      '--config',
      EXAMPLE,
      '--from',
      '@bob:example.org',
      '--to',
      '@dave:example.org',
    ]);
    expect(excluded.stdout).toContain('does not receive');
    expect(excluded.stdout).toContain('shared but excluded from presence: !quiet:example.org');

    const auditor = await cli([
      'explain',
      '--config',
      EXAMPLE,
      '--from',
      '@carol:example.org',
      '--to',
      '@auditor:example.org',
      '--json',
    ]);
    const auditorJson = JSON.parse(auditor.stdout) as {
      receives: boolean;
      modules: { interested: unknown; rules: string[] }[];
    };
    expect(auditorJson.receives).toBe(true);
    expect(auditorJson.modules[0]?.interested).toBe('all');
    expect(auditorJson.modules[0]?.rules).toEqual([
      'always_send_to_users lists @auditor:example.org',
    ]);

    const nobody = await cli([
      'explain',
      '--config',
      EXAMPLE,
      '--from',
      '@auditor:example.org',
      '--to',
      '@alice:example.org',
      '--json',
    ]);
    expect((JSON.parse(nobody.stdout) as { receives: boolean }).receives).toBe(false);
  });

  it('usage errors and bad IDs', async () => {
    expect((await cli(['explain', '--config', EXAMPLE, '--from', '@a:example.org'])).code).toBe(
      EXIT_USAGE,
    );
    const bad = await cli([
      'explain',
      '--config',
      EXAMPLE,
      '--from',
      'alice',
      '--to',
      '@bob:example.org',
    ]);
    expect(bad.code).toBe(EXIT_FAILURE);
    expect(bad.stderr).toContain('Invalid user ID "alice"');
  });
});

describe('presence-router serve', () => {
  it('serves the embedded default (Synapse-schema SQLite demo database) and stops cleanly', async () => {
    let stop: (signal: string) => void = () => {};
    const stopSignal = new Promise<string>((resolve) => {
      stop = resolve;
    });
    let url = '';
    let listened: () => void = () => {};
    const listening = new Promise<void>((resolve) => {
      listened = resolve;
    });
    const finished = cli(['serve', '--port', '0'], {
      stopSignal,
      onListening: (u) => {
        url = u;
        listened();
      },
    });
    await listening;
    const put = await fetch(
      `${url}/_matrix/client/v3/presence/${encodeURIComponent('@dave:demo.local')}/status`,
      {
        method: 'PUT',
        headers: { authorization: 'Bearer dave-demo-token' },
        body: JSON.stringify({ presence: 'online' }),
      },
    );
    expect(put.status).toBe(200);
    // dave is routed to the lobby by the example router: bob (in the lobby, not with dave) sees him.
    const sync = await fetch(`${url}/_matrix/client/v3/sync?timeout=0`, {
      headers: { authorization: 'Bearer bob-demo-token' },
    });
    const body = (await sync.json()) as { presence: { events: { sender: string }[] } };
    expect(body.presence.events.map((event) => event.sender).sort()).toEqual([
      '@bob:demo.local',
      '@dave:demo.local',
    ]);
    const members = await fetch(
      `${url}/_matrix/client/v3/rooms/${encodeURIComponent('!town-square:demo.local')}/joined_members`,
      {
        headers: { authorization: 'Bearer alice-demo-token' },
      },
    );
    expect(Object.keys(((await members.json()) as { joined: object }).joined)).toHaveLength(5003);
    stop('test');
    const run = await finished;
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout).toContain('alice-demo-token');
    expect(run.stdout).toContain('curl');
    const database = /Synapse SQLite database ([^"]+)\/homeserver\.db/.exec(run.stdout)?.[1];
    expect(database).toBeDefined();
    expect(existsSync(database as string)).toBe(false);
  });

  it('every command the embedded banner prints runs as printed', async () => {
    let stdout = '';
    let stop: (signal: string) => void = () => {};
    const stopSignal = new Promise<string>((resolve) => {
      stop = resolve;
    });
    let listened: (url: string) => void = () => {};
    const listening = new Promise<string>((resolve) => {
      listened = resolve;
    });
    const finished = runCli(['serve', '--port', '0'], {
      stdout: (text) => {
        stdout += text;
      },
      stderr: () => {},
      stopSignal,
      onListening: (url) => listened(url),
    });
    const url = await listening;
    try {
      // The shell commands after "Try:", continuation lines joined, comments dropped.
      const commands = (stdout.split('Try:\n')[1] ?? '')
        .split('\n\n')[0]
        ?.replace(/\\\n\s*/g, ' ')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#')) as string[];
      expect(commands.length).toBe(5);
      for (const command of commands) {
        // The long-poll waits for news: give it some once it waits (not before: its token
        // would already cover the news).
        let done = false;
        const nudge = command.includes('since=$since')
          ? (async () => {
              while (!done) {
                const health = (await (await fetch(`${url}/health`)).json()) as {
                  waiting_long_polls?: number;
                };
                if ((health.waiting_long_polls ?? 0) > 0) break;
                await new Promise((resolve) => setTimeout(resolve, 50));
              }
              if (done) return;
              await fetch(
                `${url}/_matrix/client/v3/presence/${encodeURIComponent('@dave:demo.local')}/status`,
                {
                  method: 'PUT',
                  headers: { authorization: 'Bearer dave-demo-token' },
                  body: JSON.stringify({ presence: 'online', status_msg: 'nudge' }),
                },
              );
            })()
          : undefined;
        // (Not spawnSync: the server runs in this process and must answer meanwhile.)
        const ran = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
          (resolve) => {
            execFile('bash', ['-c', `set -o pipefail; ${command}`], (error, out, err) => {
              resolve({
                status: error ? ((error as { code?: number }).code ?? 1) : 0,
                stdout: out,
                stderr: err,
              });
            });
          },
        );
        done = true;
        await nudge;
        expect({ command, status: ran.status, stderr: ran.stderr }).toMatchObject({ status: 0 });
        expect(() => JSON.parse(ran.stdout), command).not.toThrow();
        expect(ran.stdout, command).not.toContain('errcode');
      }
    } finally {
      stop('test');
      await finished;
    }
  });

  it('the bin answers waiting long-polls and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--config', EXAMPLE, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/[^\s]+)/.exec(output);
        if (match) resolve(match[1] as string);
      });
      child.on('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
    const headers = { authorization: 'Bearer bob-example-token' };
    const first = (await (
      await fetch(`${url}/_matrix/client/v3/sync?timeout=0`, { headers })
    ).json()) as { next_batch: string };
    const waiting = fetch(`${url}/_matrix/client/v3/sync?timeout=60000&since=${first.next_batch}`, {
      headers,
    });
    await new Promise<void>((resolve) => {
      const poll = async (): Promise<void> => {
        const health = (await (await fetch(`${url}/health`)).json()) as {
          waiting_long_polls: number;
        };
        if (health.waiting_long_polls > 0) resolve();
        else setTimeout(poll, 20);
      };
      void poll();
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    child.kill('SIGTERM');
    const answered = await waiting;
    expect(answered.status).toBe(200);
    expect((await answered.json()) as object).toHaveProperty('next_batch');
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"presence server stopped"');
  });
});
