/**
 * Which file a SQLite database path names, from one `stat` (device, inode, size, mtime), and
 * how two such readings differ: the SQLite driver compares them on every check to notice a
 * database file replaced (a new inode at the path, e.g. renamed over), truncated (smaller
 * than before), deleted, or back after being missing.
 *
 * @example
 * ```ts
 * const before = statDatabaseFile('/data/homeserver.db');
 * // ... later
 * const now = statDatabaseFile('/data/homeserver.db');
 * fileChangeKind(before.identity, now.identity, true); // 'replaced' | 'truncated' | 'deleted' | ... | undefined
 * ```
 * @module
 */
import { statSync } from 'node:fs';

/** What one `stat` of the path found. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

/** How a file at the path changed between two readings. */
export type FileChangeKind = 'replaced' | 'truncated' | 'deleted' | 'back' | 'modified';

/**
 * Stats `path`: its identity, `identity: undefined` when nothing is there, or `problem` when
 * the path cannot be looked at (e.g. a directory without permission).
 */
export function statDatabaseFile(path: string): {
  readonly identity: FileIdentity | undefined;
  readonly problem?: string;
} {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats === undefined) return { identity: undefined };
    return {
      identity: { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs },
    };
  } catch (error) {
    return {
      identity: undefined,
      problem: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * How the file changed from `before` to `now` (`undefined`: missing). While the database is
 * readable (`readable`), growth and new modification times are ordinary writes and not
 * reported; while it is not, any difference is (`modified`), as the file may be usable now.
 */
export function fileChangeKind(
  before: FileIdentity | undefined,
  now: FileIdentity | undefined,
  readable: boolean,
): FileChangeKind | undefined {
  if (now === undefined) return before === undefined ? undefined : 'deleted';
  if (before === undefined) return 'back';
  if (now.dev !== before.dev || now.ino !== before.ino) return 'replaced';
  if (now.size < before.size) return 'truncated';
  if (!readable && (now.size !== before.size || now.mtimeMs !== before.mtimeMs)) {
    return 'modified';
  }
  return undefined;
}
