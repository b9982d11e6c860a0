import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  configErrorsFromZodError,
  parseWithSchema,
  parseYamlSource,
} from '../src/index.ts';
import { describeValue, valueAtPath } from '../src/internal/value-description.ts';

const APP_YAML = [
  'server_name: hs.example',
  'demo_server:',
  '  port: "eighty"',
  '  bind: 127.0.0.1',
  '  origins:',
  '    - https://a.example',
  '    - 42',
  '',
].join('\n');

const appSchema = z.object({
  port: z.number({ error: 'a port number' }).int().min(1).max(65535),
  bind: z.string(),
  origins: z.array(z.string({ error: 'an origin URL' })),
  workers: z.number({ error: 'a number of workers' }),
});

/** What checking APP_YAML's `demo_server` keys (without `workers`) throws. */
function appKeysError(): ConfigError {
  const source = parseYamlSource(APP_YAML, 'homeserver.yaml');
  const mine = valueAtPath(source.value, ['demo_server']);
  try {
    parseWithSchema(appSchema.omit({ workers: true }), mine, { source, path: ['demo_server'] });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('the check passed');
}

describe('zod issues as ConfigErrors', () => {
  it("validates an app's own keys with the same positions", () => {
    const error = appKeysError();
    // The first problem in source order.
    expect(error).toMatchObject({ code: 'INVALID_TYPE', line: 3, column: 9 });
    expect(error.path).toBe('demo_server.port');
    expect(error.message).toBe(
      'homeserver.yaml:3:9: demo_server.port: expected a port number, found the string "eighty"',
    );
  });

  it('throws the first problem with the others in `more`, each located', () => {
    const error = appKeysError();
    const more = error.more;
    expect(more.map((e) => e.message)).toEqual([
      'homeserver.yaml:7:7: demo_server.origins[1]: expected an origin URL, found the number 42',
    ]);
    // Relocated (as module configs are), each problem keeps its place under the new prefix.
    const moved = error.relocated(['app'], (path) => ({
      line: path.length,
      sourceName: 'moved.yaml',
    }));
    expect([moved, ...moved.more].map((e) => [e.path, e.line, e.sourceName])).toEqual([
      ['app.demo_server.port', 3, 'moved.yaml'],
      ['app.demo_server.origins[1]', 4, 'moved.yaml'],
    ]);
  });

  it('translates every issue, sorted by position, missing keys at the nearest ancestor', () => {
    const source = parseYamlSource(APP_YAML, 'homeserver.yaml');
    const value = valueAtPath(source.value, ['demo_server']);
    const result = appSchema.safeParse(value);
    expect(result.success).toBe(false);
    const errors = configErrorsFromZodError(result.error as z.ZodError, {
      source,
      path: ['demo_server'],
      value,
    });
    expect(errors.map((e) => [e.path, e.line, e.column, e.detail])).toEqual([
      // A missing key is located at its mapping.
      ['demo_server.workers', 3, 3, 'missing key "workers": expected a number of workers'],
      ['demo_server.port', 3, 9, 'expected a port number, found the string "eighty"'],
      ['demo_server.origins[1]', 7, 7, 'expected an origin URL, found the number 42'],
    ]);
  });

  it('reports range and enum problems as INVALID_VALUE saying what was found', () => {
    const source = parseYamlSource('port: 70000\nmode: fast\n');
    const schema = z.object({ port: z.number().max(65535), mode: z.enum(['slow', 'steady']) });
    const result = schema.safeParse(source.value);
    const errors = configErrorsFromZodError(result.error as z.ZodError, {
      source,
      value: source.value,
    });
    expect(errors.map((e) => [e.code, e.path, e.line, e.detail])).toEqual([
      ['INVALID_VALUE', 'port', 1, 'expected at most 65535, found the number 70000'],
      ['INVALID_VALUE', 'mode', 2, 'expected one of "slow", "steady", found the string "fast"'],
    ]);
  });

  it('lets a custom issue choose its code', () => {
    const schema = z.string().check((ctx) => {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: 'these two keys cannot both be set',
        params: { configCode: 'CONFLICTING_KEYS' },
      });
    });
    expect(() => parseWithSchema(schema, 'x', { path: ['a'] })).toThrow(
      expect.objectContaining({ code: 'CONFLICTING_KEYS', path: 'a' }),
    );
  });
});

describe('describeValue', () => {
  it('names YAML values in plain words', () => {
    expect(describeValue([1])).toBe('a list');
    expect(describeValue([])).toBe('an empty list');
    expect(describeValue({ a: 1 })).toBe('a mapping');
    expect(describeValue(null)).toBe('an empty value (null)');
    expect(describeValue('')).toBe('an empty string');
    expect(describeValue('x'.repeat(80))).toBe(`the string "${'x'.repeat(57)}..."`);
    expect(describeValue(false)).toBe('the boolean false');
    expect(describeValue(undefined)).toBe('nothing');
  });
});
