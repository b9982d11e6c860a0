/**
 * Property tests of `loadConfig` over generated and mutated YAML: a valid configuration always
 * loads as written; any text at all either loads or is refused with a `ConfigError` that has a
 * message, a path, a line and a column inside the text; nothing is ever imported but package
 * names and files. Runs are seeded and bounded; a run that does not settle fails (`timeout`).
 */
import { silentLogger } from '@presence-router/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, type LoadConfigOptions, loadConfig, ModuleRegistry } from '../src/index.ts';
import { AuditRouter, BadParseRouter, RoomRouter } from './support/test-modules.ts';

const registry = new ModuleRegistry()
  .register('audit.AuditRouter', AuditRouter)
  .register('rooms#RoomRouter', RoomRouter)
  .register('bad.BadParseRouter', BadParseRouter);

/** Options for one run: the registry, and an importer that records and imports nothing. */
function runOptions(): { options: LoadConfigOptions; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    options: {
      registry,
      logger: silentLogger,
      sourceName: 'generated.yaml',
      baseDir: '/nonexistent/presence-router-properties',
      importModule: async (specifier) => {
        asked.push(specifier);
        throw new Error(`Cannot find package '${specifier}' imported from the property test`);
      },
    },
  };
}

/** Runs per property, and the most one run may take before it counts as a hang. */
const RUNS = { numRuns: 250, timeout: 4000 } as const;
/** For the whole property: its runs take a few seconds, more on a slow machine. */
const PROPERTY_TIMEOUT = 30_000;

// --- valid configurations -------------------------------------------------------------------

const localpart = fc.stringMatching(/^[a-z0-9][a-z0-9._=-]{0,11}$/);
const serverName = fc.constantFrom('hs.example', 'example.org:8448', 'matrix.example.com');
const roomId = fc.tuple(localpart, serverName).map(([l, s]) => `!${l}:${s}`);
const userId = fc.tuple(localpart, serverName).map(([l, s]) => `@${l}:${s}`);
const roomList = fc.uniqueArray(roomId, { maxLength: 4 });

const auditEntry = fc.record({
  module: fc.constant('audit.AuditRouter'),
  config: fc.record({ auditor: userId, rooms: roomList }, { requiredKeys: ['auditor'] }),
});
const roomEntry = fc.record(
  {
    module: fc.constantFrom('rooms#RoomRouter', 'rooms.RoomRouter'),
    config: fc.option(fc.record({ room: roomId }), { nil: null }),
  },
  { requiredKeys: ['module'] },
);
const moduleEntry = fc.oneof(auditEntry, roomEntry);

const validConfig = fc.record(
  {
    server_name: serverName,
    use_presence: fc.boolean(),
    exclude_rooms_from_presence: roomList,
    presence: fc.record(
      {
        enabled: fc.constantFrom(true, false, 'untracked'),
        routing_modules: fc.array(moduleEntry, { maxLength: 3 }),
        presence_router: auditEntry,
        exclude_rooms_from_presence: roomList,
        include_offline_users_on_sync: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
    modules: fc.array(moduleEntry, { maxLength: 3 }),
    listeners: fc.array(fc.record({ port: fc.integer({ min: 1, max: 65535 }), tls: fc.boolean() })),
  },
  { requiredKeys: ['server_name'] },
);
type ValidConfig = typeof validConfig extends fc.Arbitrary<infer T> ? T : never;

/** The same configuration written in one of several YAML styles. */
const styledYaml = (config: ValidConfig) =>
  fc
    .record({
      collectionStyle: fc.constantFrom<'any' | 'block' | 'flow'>('any', 'block', 'flow'),
      defaultStringType: fc.constantFrom<'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE'>(
        'PLAIN',
        'QUOTE_DOUBLE',
        'QUOTE_SINGLE',
      ),
      indent: fc.constantFrom(2, 4),
    })
    .map((style) =>
      stringify(config, { ...style, version: '1.1', defaultKeyType: 'PLAIN', lineWidth: 0 }),
    );

const validText = validConfig.chain((config) =>
  styledYaml(config).map((text) => ({ config, text })),
);

function modulesOf(config: ValidConfig): string[] {
  return [
    ...(config.presence?.presence_router ? [config.presence.presence_router.module] : []),
    ...(config.presence?.routing_modules ?? []).map((entry) => entry.module),
    ...(config.modules ?? []).map((entry) => entry.module),
  ];
}

// --- mutations ------------------------------------------------------------------------------

const SIGNIFICANT = [
  ':',
  '-',
  '[',
  ']',
  '{',
  '}',
  '&',
  '*',
  '!',
  '#',
  '|',
  '>',
  '"',
  "'",
  '\n',
  ' ',
  '\t',
  ',',
  '?',
  '%',
  '@',
  '`',
  '\r',
  '\0',
  '\uFEFF',
  '\uD800',
  'é',
  '<<',
  '---',
  '...',
];

const deepFlow = fc
  .tuple(fc.integer({ min: 1, max: 300 }), fc.constantFrom('[', '{a: '))
  .map(([depth, open]) => `${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}`);
const deepBlock = fc
  .integer({ min: 1, max: 120 })
  .map((depth) => Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'));
const laughs = fc.integer({ min: 2, max: 12 }).map((levels) => {
  let text = 'l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
  for (let i = 1; i < levels; i++) {
    text += `l${i}: &l${i} [${Array(10)
      .fill(`*l${i - 1}`)
      .join(', ')}]\n`;
  }
  return text;
});
const aliases = fc
  .integer({ min: 1, max: 3000 })
  .map((count) => `anchor: &a [x]\nlist: [${Array(count).fill('*a').join(', ')}]`);
const hugeKey = fc
  .tuple(fc.integer({ min: 1, max: 60000 }), fc.constantFrom('', '"', "'"))
  .map(([length, quote]) => `${quote}${'k'.repeat(length)}${quote}: 1`);
const manyKeys = fc
  .integer({ min: 1, max: 5000 })
  .map((count) => Array.from({ length: count }, (_, i) => `k${i % 4000}: ${i}`).join('\n'));
const moduleUrl = fc
  .constantFrom(
    'data:text/javascript,globalThis.propertyRan=1',
    'https://evil.example/r.mjs',
    'node:fs.readFile',
    'file:///etc/hostname',
    '/etc/hostname',
    '../../x.mjs#R',
    '@acme/routers.Router',
    '',
    ' x',
  )
  .map((module) => `modules: [{ module: ${JSON.stringify(module)} }]`);
const snippet = fc.oneof(
  deepFlow,
  deepBlock,
  laughs,
  aliases,
  hugeKey,
  manyKeys,
  moduleUrl,
  fc.constantFrom(
    '*nowhere',
    '&a x',
    '<<: *a',
    '<<: 1',
    '<<: [{ a: 1 }, 2]',
    '? [complex, key]\n: v',
    '!!omap [a: 1]',
    '!!set { a, b }',
    '!!binary aGVsbG8=',
    '!!int x',
    '!room:hs.example',
    '!<tag:yaml.org,2002:str> x',
    '%YAML 1.2\n---',
    'a: &r [*r]',
    '__proto__: { polluted: true }',
    'constructor: 1',
    '- a\n- b',
    'enabled: yes',
    '2001-12-14: date key',
    '1e400: 1',
    '0x1F: 2',
  ),
  fc.jsonValue().map((value) => stringify(value, { version: '1.1' }).trimEnd()),
);

type Mutation = (text: string) => string;

const at = (position: number, length: number) => (length === 0 ? 0 : position % length);
const characterMutation = fc
  .tuple(
    fc.nat(),
    fc.constantFrom('delete', 'duplicate', 'replace'),
    fc.constantFrom(...SIGNIFICANT),
  )
  .map(
    ([position, kind, replacement]): Mutation =>
      (text) => {
        const i = at(position, text.length);
        if (kind === 'delete') return text.slice(0, i) + text.slice(i + 1);
        if (kind === 'duplicate') return text.slice(0, i + 1) + text.slice(i);
        return text.slice(0, i) + replacement + text.slice(i + 1);
      },
  );
const lineMutation = fc
  .tuple(fc.nat(), fc.nat(), fc.constantFrom('delete', 'duplicate', 'swap'))
  .map(
    ([first, second, kind]): Mutation =>
      (text) => {
        const lines = text.split('\n');
        const i = at(first, lines.length);
        const j = at(second, lines.length);
        if (kind === 'delete') lines.splice(i, 1);
        else if (kind === 'duplicate') lines.splice(i, 0, lines[i] ?? '');
        else [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
        return lines.join('\n');
      },
  );
const insertion = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 8 }), snippet, fc.boolean()).map(
  ([line, indent, inserted, asValue]): Mutation =>
    (text) => {
      const lines = text.split('\n');
      const i = at(line, lines.length + 1);
      const pad = ' '.repeat(indent);
      const block = inserted.split('\n').map((l) => pad + l);
      if (asValue && i < lines.length && (lines[i] ?? '').includes(': ')) {
        // Replace the value of an entry with the snippet (a random YAML value in a random place).
        const entry = lines[i] ?? '';
        lines[i] = `${entry.slice(0, entry.indexOf(': ') + 2)}${inserted.split('\n')[0] ?? ''}`;
        lines.splice(i + 1, 0, ...block.slice(1));
      } else {
        lines.splice(i, 0, ...block);
      }
      return lines.join('\n');
    },
);
const mutation = fc.oneof(characterMutation, lineMutation, insertion);

const mutatedText = fc
  .tuple(validText, fc.array(mutation, { minLength: 1, maxLength: 6 }))
  .map(([{ text }, mutations]) => mutations.reduce((current, mutate) => mutate(current), text));

// --- the property ---------------------------------------------------------------------------

/** What is wrong with how `loadConfig` settled on `text`: nothing, for a load or a good refusal. */
async function problemsOf(text: string, options: LoadConfigOptions): Promise<string[]> {
  let error: unknown;
  try {
    await loadConfig(text, options);
    return [];
  } catch (caught) {
    error = caught;
  }
  if (!(error instanceof ConfigError)) {
    return [`threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`];
  }
  const problems: string[] = [];
  const lines = text.split('\n').length;
  if (error.message === '' || error.detail === '') problems.push('an empty message');
  if (!/^[A-Z][A-Z_]+$/.test(error.code)) problems.push(`code ${error.code}`);
  if (!Array.isArray(error.pathParts) || error.path === '') problems.push('no path');
  if (!Number.isInteger(error.line) || (error.line ?? 0) < 1 || (error.line ?? 0) > lines + 1) {
    problems.push(`line ${error.line} of ${lines}`);
  }
  if (!Number.isInteger(error.column) || (error.column ?? 0) < 1) {
    problems.push(`column ${error.column}`);
  }
  if (error.sourceName !== 'generated.yaml') problems.push(`sourceName ${error.sourceName}`);
  return problems.map((problem) => `${problem} (${error.code}: ${error.message.slice(0, 200)})`);
}

/** Imports that are neither a package name nor a `file:` URL. */
function urlImports(asked: readonly string[]): string[] {
  return asked.filter((s) => !s.startsWith('file:') && /^[a-z][a-z0-9+.-]*:/i.test(s));
}

describe('loadConfig properties', () => {
  it(
    'loads every valid configuration as written, in every style',
    async () => {
      await fc.assert(
        fc.asyncProperty(validText, async ({ config, text }) => {
          const { options, asked } = runOptions();
          const loaded = await loadConfig(text, options);
          expect(loaded.serverName).toBe(config.server_name);
          expect(loaded.routingModules.map((m) => m.module)).toEqual(modulesOf(config));
          expect(new Set(loaded.excludeRoomsFromPresence)).toEqual(
            new Set([
              ...(config.exclude_rooms_from_presence ?? []),
              ...(config.presence?.exclude_rooms_from_presence ?? []),
            ]),
          );
          expect(asked).toEqual([]);
        }),
        { ...RUNS, seed: 20240601 },
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'loads or refuses mutated configurations with a located ConfigError',
    async () => {
      await fc.assert(
        fc.asyncProperty(mutatedText, async (text) => {
          const { options, asked } = runOptions();
          expect(await problemsOf(text, options)).toEqual([]);
          expect(urlImports(asked)).toEqual([]);
        }),
        { ...RUNS, seed: 424242 },
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'loads or refuses hostile snippets alone, at the top level',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(snippet, { minLength: 1, maxLength: 4 }), async (snippets) => {
          const { options, asked } = runOptions();
          expect(await problemsOf(snippets.join('\n'), options)).toEqual([]);
          expect(urlImports(asked)).toEqual([]);
        }),
        { ...RUNS, seed: 7 },
      );
    },
    PROPERTY_TIMEOUT,
  );
});
