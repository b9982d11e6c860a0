import { describe, expect, it } from 'vitest';
import { ConfigError, parseYamlSource } from '../src/index.ts';

function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseYamlSource', () => {
  it('reads plain values and locates paths by line and column', () => {
    const source = parseYamlSource(
      'server_name: hs.example\nmy_app:\n  port: "x"\n  hosts:\n    - a\n    - b\n',
      'homeserver.yaml',
    );
    expect(source.value).toEqual({
      server_name: 'hs.example',
      my_app: { port: 'x', hosts: ['a', 'b'] },
    });
    expect(source.sourceName).toBe('homeserver.yaml');
    expect(source.locate(['my_app', 'port'])).toEqual({ line: 3, column: 9 });
    expect(source.locateKey(['my_app', 'port'])).toEqual({ line: 3, column: 3 });
    expect(source.locate(['my_app', 'hosts', 1])).toEqual({ line: 6, column: 7 });
    expect(source.locate(['my_app', 'missing'])).toBeUndefined();
    expect(source.locate(['my_app', 'hosts', 5])).toBeUndefined();
  });

  it('falls back to the nearest existing ancestor', () => {
    const source = parseYamlSource('a:\n  b:\n    c: 1\n');
    expect(source.locateNearest(['a', 'b', 'x', 0])).toEqual({
      line: 3,
      column: 5,
      pathParts: ['a', 'b'],
    });
    expect(source.locateNearest(['zzz'])).toEqual({ line: 1, column: 1, pathParts: [] });
  });

  it('locates an empty value at its key', () => {
    const source = parseYamlSource('entry:\n  module: x\n  config:\nnext: 1\n');
    expect(source.locate(['entry', 'config'])).toEqual({ line: 3, column: 3 });
  });

  it('locates entries brought in by merge keys and aliases', () => {
    const source = parseYamlSource(
      'base: &base\n  port: 1\n  host: h\nmine:\n  <<: *base\n  port: 2\n',
    );
    expect(source.value).toEqual({
      base: { port: 1, host: 'h' },
      mine: { port: 2, host: 'h' },
    });
    expect(source.locate(['mine', 'port'])).toEqual({ line: 6, column: 9 });
    expect(source.locate(['mine', 'host'])).toEqual({ line: 3, column: 9 });
  });

  it('reads YAML 1.1 booleans as Synapse (PyYAML) does', () => {
    const source = parseYamlSource('a: yes\nb: off\nc: "yes"\n');
    expect(source.value).toEqual({ a: true, b: false, c: 'yes' });
  });

  it('reports malformed YAML as YAML_SYNTAX with the parser position', () => {
    const error = thrown(() => parseYamlSource('server_name: x\npresence: a: b\n', 'hs.yaml'));
    expect(error.code).toBe('YAML_SYNTAX');
    expect(error.line).toBe(2);
    expect(error.column).toBe(11);
    expect(error.sourceName).toBe('hs.yaml');
    expect(error.message).toBe(
      'hs.yaml:2:11: invalid YAML: Nested mappings are not allowed in compact mappings',
    );
    expect(error.cause).toBeInstanceOf(Error);
    const unclosed = thrown(() => parseYamlSource('a: 1\nserver_name: "hs\n'));
    expect(unclosed.code).toBe('YAML_SYNTAX');
    expect(unclosed.line).toBe(3);
    expect(unclosed.detail).toContain('Missing closing "quote');
  });

  it('reports a second document as YAML_SYNTAX', () => {
    const error = thrown(() => parseYamlSource('a: 1\n---\nb: 2\n'));
    expect(error.code).toBe('YAML_SYNTAX');
    expect(error.line).toBe(2);
  });

  it('refuses duplicate keys with the path and position of the second one', () => {
    const error = thrown(() =>
      parseYamlSource('presence:\n  enabled: true\n  routing_modules: []\n  enabled: false\n'),
    );
    expect(error.code).toBe('DUPLICATE_KEY');
    expect(error.path).toBe('presence.enabled');
    expect(error.line).toBe(4);
    expect(error.column).toBe(3);
    expect(error.detail).toContain('"enabled" appears twice');
  });

  it.each(['', '   \n\n', '# nothing here\n# at all\n', '---\n'])(
    'refuses %j, empty or only comments, as EMPTY_CONFIG',
    (text) => {
      const error = thrown(() => parseYamlSource(text, 'empty.yaml'));
      expect(error).toMatchObject({ code: 'EMPTY_CONFIG', line: 1, sourceName: 'empty.yaml' });
    },
  );

  it('reads an empty source as an empty mapping when allowed', () => {
    expect(parseYamlSource('# nothing\n', 'x', { allowEmpty: true }).value).toEqual({});
  });

  it('explains that an unquoted room ID is a YAML tag', () => {
    const error = thrown(() =>
      parseYamlSource('exclude_rooms_from_presence:\n  - "!ok:hs"\n  - !bad:hs.example\n'),
    );
    expect(error.code).toBe('INVALID_VALUE');
    expect(error.path).toBe('exclude_rooms_from_presence[1]');
    expect(error.line).toBe(3);
    expect(error.column).toBe(5);
    expect(error.detail).toContain("quote it: '!bad:hs.example'");
  });

  it('refuses an alias without an anchor', () => {
    const error = thrown(() => parseYamlSource('a: 1\nb: *nowhere\n'));
    expect(error.code).toBe('YAML_SYNTAX');
    expect(error.path).toBe('b');
    expect(error.line).toBe(2);
    expect(error.column).toBe(4);
  });

  it('builds located errors with errorAt', () => {
    const source = parseYamlSource('my_app:\n  port: "x"\n', 'app.yaml');
    const error = source.errorAt('INVALID_VALUE', ['my_app', 'port'], 'expected a number');
    expect(error.message).toBe('app.yaml:2:9: my_app.port: expected a number');
  });

  it('refuses text that is not a string', () => {
    const error = thrown(() => parseYamlSource(42 as unknown as string));
    expect(error.code).toBe('INVALID_TYPE');
  });
});
