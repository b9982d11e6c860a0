/**
 * Temporary folders for resolution tests: an application with its own `node_modules`, written
 * from a table of files, with symbolic links where a package manager would make them.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A temporary folder and a way to remove it. */
export interface FixtureFolder {
  /** Its real path (no symbolic links: macOS's /tmp is one). */
  readonly dir: string;
  /** Writes more files into it, by path relative to it. */
  write(files: Readonly<Record<string, string>>): void;
  /** Makes `link` (relative to the folder) a symbolic link to the folder `target`. */
  link(link: string, target: string): void;
  remove(): void;
}

/** Creates a temporary folder holding `files` (path relative to it -> text). */
export function fixtureFolder(files: Readonly<Record<string, string>> = {}): FixtureFolder {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'presence-router-config-')));
  const folder: FixtureFolder = {
    dir,
    write(more) {
      for (const [path, text] of Object.entries(more)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
    },
    link(link, target) {
      mkdirSync(dirname(join(dir, link)), { recursive: true });
      symlinkSync(target, join(dir, link), 'dir');
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  folder.write(files);
  return folder;
}

/** A `package.json` text. */
export function packageJson(fields: Record<string, unknown>): string {
  return `${JSON.stringify({ type: 'module', version: '1.0.0', ...fields }, null, 2)}\n`;
}

/** An ES module exporting a routing module class named `name` that says where it was loaded from. */
export function routerModule(name: string, loadedAs: string, exportDefault = false): string {
  return [
    `export ${exportDefault ? 'default ' : ''}class ${name} {`,
    `  static loadedAs = ${JSON.stringify(loadedAs)};`,
    '  constructor(config) { this.config = config; }',
    '  getRoomsAndUsersForStates() { return [{}, {}]; }',
    '}',
    '',
  ].join('\n');
}
