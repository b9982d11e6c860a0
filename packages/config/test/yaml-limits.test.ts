/**
 * Hostile YAML: every document here used to take seconds, minutes or the whole stack. Each
 * test asserts the outcome only; the bound on time is Vitest's timeout.
 */
import { describe, expect, it } from 'vitest';
import {
  type ConfigError,
  DEFAULT_YAML_LIMITS,
  parseYamlSource,
  type YamlLimits,
} from '../src/index.ts';
import { loadError } from './support/load-error.ts';
import { thrownBy } from './support/thrown.ts';

function parseError(text: string, limits: Partial<YamlLimits> = {}): ConfigError {
  return thrownBy(() => parseYamlSource(text, 'hostile.yaml', { limits }));
}

function manyKeys(count: number, indent = ''): string {
  let text = '';
  for (let i = 0; i < count; i++) text += `${indent}k${i}: 1\n`;
  return text;
}

describe('the size limit', () => {
  it('is 512 KiB by default', () => {
    expect(DEFAULT_YAML_LIMITS).toEqual({
      maxBytes: 524288,
      maxDepth: 64,
      maxAliases: 1000,
      maxAliasExpansion: 1048576,
    });
  });

  it('refuses a 5 MB document at the line and column where it goes past the limit', () => {
    const line = `# ${'x'.repeat(62)}\n`; // 65 bytes
    const error = parseError(`server_name: hs.example\n${line.repeat(80000)}`);
    expect(error.code).toBe('YAML_TOO_LARGE');
    expect(error.path).toBe('(top level)');
    // 524288 bytes: the first line's 24, then 8065 lines of 65 (524249), then 39 more.
    expect(error).toMatchObject({ line: 8067, column: 40, sourceName: 'hostile.yaml' });
    expect(error.detail).toContain('limit of 524288 bytes');
  });

  it('counts bytes of UTF-8, not characters', () => {
    const text = 'a: "éééé"\n'; // 14 bytes, 10 characters
    expect(parseYamlSource(text, 'x', { limits: { maxBytes: 14 } }).value).toEqual({ a: 'éééé' });
    const error = parseError(text, { maxBytes: 13 });
    expect(error).toMatchObject({ code: 'YAML_TOO_LARGE', line: 1, column: 10 });
    const emoji = parseError('a: "😀"\n', { maxBytes: 6 });
    expect(emoji).toMatchObject({ code: 'YAML_TOO_LARGE', line: 1, column: 5 });
  });

  it('reads a bigger document when the limit is raised', () => {
    const text = `server_name: hs.example\n${'# padding\n'.repeat(60000)}`;
    expect(parseError(text).code).toBe('YAML_TOO_LARGE');
    const source = parseYamlSource(text, 'x', { limits: { maxBytes: Number.POSITIVE_INFINITY } });
    expect(source.value).toEqual({ server_name: 'hs.example' });
  });

  it('refuses limits that are not whole numbers >= 0', () => {
    expect(() => parseYamlSource('a: 1\n', 'x', { limits: { maxDepth: -1 } })).toThrow(RangeError);
    expect(() => parseYamlSource('a: 1\n', 'x', { limits: { maxBytes: Number.NaN } })).toThrow(
      'limits.maxBytes must be a whole number >= 0 or Infinity, got NaN',
    );
  });
});

describe('the nesting limit', () => {
  it('refuses 100,000 nested flow lists at the first list past 64 levels', () => {
    const error = parseError(`x: ${'['.repeat(100000)}${']'.repeat(100000)}\n`);
    expect(error.code).toBe('YAML_TOO_DEEP');
    // The top-level mapping is level 1, the list at x level 2: the 65th collection is the
    // 64th "[", at column 4 + 63.
    expect(error).toMatchObject({ line: 1, column: 67 });
    expect(error.pathParts).toEqual(['x', ...Array(63).fill(0)]);
    expect(error.detail).toContain('more than 64 levels');
  });

  it('refuses 100,000 nested flow mappings', () => {
    const error = parseError(`x: ${'{a: '.repeat(100000)}1${'}'.repeat(100000)}\n`);
    expect(error.code).toBe('YAML_TOO_DEEP');
    expect(error).toMatchObject({ line: 1, column: 4 + 63 * 4 });
    expect(error.pathParts).toEqual(['x', ...Array(63).fill('a')]);
  });

  it('refuses 100,000 nested block lists on one line', () => {
    const error = parseError(`${'- '.repeat(100000)}x\n`);
    expect(error).toMatchObject({ code: 'YAML_TOO_DEEP', line: 1, column: 129 });
    expect(error.pathParts).toEqual(Array(64).fill(0));
  });

  it('refuses nested block mappings with the path of the first one past the limit', () => {
    let text = '';
    for (let i = 0; i < 1000; i++) text += `${' '.repeat(i)}k${i}:\n`;
    const error = parseError(text);
    expect(error).toMatchObject({ code: 'YAML_TOO_DEEP', line: 65, column: 65 });
    expect(error.pathParts).toEqual(Array.from({ length: 64 }, (_, i) => `k${i}`));
  });

  it('accepts 64 levels and refuses 65', () => {
    const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}\n`;
    expect(parseYamlSource(nested(64)).value).toBeInstanceOf(Array);
    expect(parseError(nested(65))).toMatchObject({ code: 'YAML_TOO_DEEP', column: 65 });
    expect(parseError(nested(4), { maxDepth: 3 })).toMatchObject({ code: 'YAML_TOO_DEEP' });
  });

  it('refuses what the stack cannot read when the limit is turned off, at the deepest point', () => {
    const error = parseError(`x: ${'['.repeat(100000)}${']'.repeat(100000)}\n`, {
      maxDepth: Number.POSITIVE_INFINITY,
    });
    expect(error).toMatchObject({ code: 'YAML_TOO_DEEP', line: 1, column: 100003 });
    expect(error.detail).toContain('more than the stack allows');
  });

  it('counts the one-entry mappings of `[key: value]` lists', () => {
    // 40 lists, each holding a mapping: 80 levels, though the parser sees 40 collections.
    const error = parseError(`${'[a: '.repeat(40)}1${']'.repeat(40)}\n`);
    expect(error.code).toBe('YAML_TOO_DEEP');
    // The 65th collection is the 33rd list, inside 32 lists and their mappings.
    expect(error.pathParts).toEqual(Array.from({ length: 32 }, () => [0, 'a']).flat());
  });

  it('counts what aliases bring in, at the alias', () => {
    const deep = `${'['.repeat(61)}${']'.repeat(61)}`;
    const error = parseError(`base: &deep ${deep}\nmore:\n  - [[*deep]]\n`);
    expect(error).toMatchObject({ code: 'YAML_TOO_DEEP', line: 3, column: 7 });
    expect(error.path).toBe('more[0][0][0]');
    expect(error.detail).toContain('alias *deep brings in collections nested 61 deep');
  });
});

describe('the alias limits', () => {
  it('refuses 20,000 aliases at the alias past 1,000', () => {
    const error = parseError(
      `server_name: hs.example\nanchor: &a x\nlist:\n${'  - *a\n'.repeat(20000)}`,
    );
    expect(error.code).toBe('YAML_TOO_MANY_ALIASES');
    expect(error.path).toBe('list[1000]');
    expect(error).toMatchObject({ line: 1004, column: 5 });
    expect(error.detail).toContain('more than 1000 aliases');
  });

  it('refuses a billion laughs at the alias that expands past the limit', () => {
    let text = 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
    for (let i = 1; i < 10; i++) {
      text += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    }
    const error = parseError(text);
    expect(error.code).toBe('YAML_TOO_MANY_ALIASES');
    // a4 stands for about 52,000 characters, a5 for about 522,000: a5's first alias crosses.
    expect(error.path).toBe('a5[0]');
    expect(error).toMatchObject({ line: 6, column: 10 });
    expect(error.detail).toContain('more than 1048576 characters');
  });

  it('refuses an alias inside the node it refers to', () => {
    const error = parseError('a: &loop\n  - 1\n  - *loop\n');
    expect(error).toMatchObject({ code: 'YAML_TOO_MANY_ALIASES', line: 3, column: 5 });
    expect(error.path).toBe('a[1]');
    expect(error.detail).toContain('would expand without end');
  });

  it('applies the limits given', () => {
    const text = 'a: &a [1, 2, 3]\nb: [*a, *a, *a]\n';
    expect(parseYamlSource(text).value).toEqual({
      a: [1, 2, 3],
      b: [
        [1, 2, 3],
        [1, 2, 3],
        [1, 2, 3],
      ],
    });
    expect(parseError(text, { maxAliases: 2 })).toMatchObject({
      code: 'YAML_TOO_MANY_ALIASES',
      line: 2,
      column: 13,
    });
    // Each alias stands for the 9 characters of [1, 2, 3].
    expect(parseYamlSource(text, 'x', { limits: { maxAliasExpansion: 27 } }).value).toBeTruthy();
    expect(parseError(text, { maxAliasExpansion: 26 }).path).toBe('b[2]');
    expect(parseError(text, { maxAliases: 0 }).path).toBe('b[0]');
  });

  it('shares the value of an anchor with its aliases', () => {
    const value = parseYamlSource('a: &a { x: 1 }\nb: *a\n').value as Record<string, unknown>;
    expect(value.b).toBe(value.a);
  });
});

describe('duplicate keys', () => {
  it('accepts 40,000 keys in one mapping', () => {
    const source = parseYamlSource(`server_name: hs.example\n${manyKeys(40000)}`);
    expect(Object.keys(source.value as object)).toHaveLength(40001);
  });

  it('refuses a duplicate after 40,000 keys at the second occurrence', () => {
    const error = parseError(`server_name: hs.example\n${manyKeys(40000)}k0: again\n`);
    expect(error).toMatchObject({ code: 'DUPLICATE_KEY', line: 40002, column: 1 });
    expect(error.path).toBe('k0');
  });

  it('refuses a 100,000-key document by size, and finds its duplicate when allowed', () => {
    const text = `presence:\n${manyKeys(100000, '  ')}  k7: again\n`;
    expect(parseError(text).code).toBe('YAML_TOO_LARGE');
    const error = parseError(text, { maxBytes: Number.POSITIVE_INFINITY });
    expect(error).toMatchObject({ code: 'DUPLICATE_KEY', line: 100002, column: 3 });
    expect(error.path).toBe('presence.k7');
  });

  it('compares keys as the property names they become', () => {
    const error = parseError('a:\n  1: one\n  "1": also one\n');
    expect(error).toMatchObject({ code: 'DUPLICATE_KEY', line: 3, column: 3 });
    expect(error.path).toBe('a.1');
    expect(parseError('{ x: 1, y: 2, x: 3 }\n')).toMatchObject({
      code: 'DUPLICATE_KEY',
      column: 15,
    });
  });

  it('lets keys override what << merges in', () => {
    const source = parseYamlSource(
      'base: &b { a: 1, b: 2 }\nmine:\n  <<: *b\n  b: 3\n  <<: { c: 4 }\n',
    );
    expect(source.value).toEqual({ base: { a: 1, b: 2 }, mine: { a: 1, b: 3, c: 4 } });
  });
});

describe('other structure', () => {
  it('refuses a mapping or a list used as a key', () => {
    const error = parseError('a:\n  ? [x, y]\n  : 1\n');
    expect(error).toMatchObject({ code: 'INVALID_TYPE', line: 2, column: 5 });
    expect(error.path).toBe('a');
    expect(error.detail).toContain('found a list used as a key');
    expect(parseError('b: &m { x: 1 }\n*m : 2\n').detail).toContain(
      'found a mapping used as a key',
    );
  });

  it('refuses a << merge of something other than mappings, at its value', () => {
    const error = parseError('a:\n  <<: 1\n');
    expect(error).toMatchObject({ code: 'INVALID_TYPE', line: 2, column: 7 });
    expect(error.path).toBe('a.<<');
    expect(parseError('x: &x 1\na:\n  <<: [*x]\n').code).toBe('INVALID_TYPE');
  });

  it('refuses !!omap (the yaml library checks its keys pairwise) and reads !!set', () => {
    const error = parseError('a: !!omap\n  - x: 1\n');
    expect(error).toMatchObject({ code: 'INVALID_VALUE', line: 1, column: 4 });
    expect(error.detail).toContain('unsupported YAML tag !!omap');
    expect(parseYamlSource('a: !!set { x, z }\n').value).toEqual({ a: new Set(['x', 'z']) });
  });

  it('keeps __proto__ an own key', () => {
    const value = parseYamlSource('__proto__: { polluted: true }\n').value as object;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
  });
});

describe('loadConfig applies the limits', () => {
  it('with its limits option', async () => {
    const text = 'server_name: hs.example\npresence: { enabled: [[[true]]] }\n';
    const error = await loadError(text, { limits: { maxDepth: 3 }, sourceName: 'hs.yaml' });
    expect(error).toMatchObject({ code: 'YAML_TOO_DEEP', line: 2, column: 23 });
    expect(error.message).toMatch(/^hs\.yaml:2:23: presence\.enabled\[0\]: /);
  });
});

describe('the nesting limit, found by the property tests', () => {
  it('names a malformed key in the path instead of throwing the parser error', () => {
    let text = ',0:\n';
    for (let i = 1; i <= 64; i++) text += `${' '.repeat(i)}k${i}:\n`;
    const error = parseError(text);
    expect(error).toMatchObject({ code: 'YAML_TOO_DEEP', line: 65, column: 65 });
    expect(error.pathParts).toEqual([',0', ...Array.from({ length: 63 }, (_, i) => `k${i + 1}`)]);
  });
});
