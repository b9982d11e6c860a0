/**
 * The SQL drivers are optional peer dependencies: `better-sqlite3` (a native module) for a
 * SQLite path, `pg` for a PostgreSQL URL. They are imported here, with `import()`, only when
 * an adapter first needs one, so installing or importing the package never loads either.
 * When one is not installed (or cannot be loaded: a native build for another Node.js), the
 * adapter fails with `MembershipError('DEPENDENCY_MISSING')` saying what to install.
 *
 * @example
 * ```ts
 * const Database = await loadBetterSqlite3(); // or throws DEPENDENCY_MISSING
 * const db = new Database('/data/homeserver.db', { readonly: true });
 * ```
 * @module
 */
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import { MembershipError } from '../../errors.ts';

/** An optional dependency, and what it is needed for. */
export interface OptionalDependency {
  /** The npm package. */
  readonly name: string;
  /** The command that installs a supported version. */
  readonly install: string;
  /** What it is needed for, completing "install it ... to". */
  readonly purpose: string;
}

/** `better-sqlite3`, for `sqlitePath`. */
export const BETTER_SQLITE3: OptionalDependency = Object.freeze({
  name: 'better-sqlite3',
  install: 'npm install better-sqlite3@12',
  purpose: 'read a Synapse SQLite database (sqlitePath)',
});

/** `pg`, for `postgresUrl`. */
export const PG: OptionalDependency = Object.freeze({
  name: 'pg',
  install: 'npm install pg@8',
  purpose: 'read a Synapse PostgreSQL database (postgresUrl)',
});

/** The `better-sqlite3` database constructor. */
export type SqliteDatabaseClass = typeof BetterSqlite3;

/** The `pg` module (its default export). */
export type PgModule = typeof pg;

/** Whether `error` says that `name` itself cannot be found (not a module it needs). */
function isNotFound(error: unknown, name: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes(`'${name}'`)
  );
}

/** The `DEPENDENCY_MISSING` error for `dependency`, which failed to import with `cause`. */
export function dependencyMissing(dependency: OptionalDependency, cause: unknown): MembershipError {
  const { name, install, purpose } = dependency;
  const message = isNotFound(cause, name)
    ? `${name} is not installed: install ${name} (${install}) to ${purpose}; it is an optional peer dependency of @presence-router/membership`
    : `${name} is installed but cannot be loaded (${cause instanceof Error ? cause.message : String(cause)}): reinstall ${name} (${install}; after a Node.js upgrade, npm rebuild ${name}) to ${purpose}`;
  return new MembershipError('DEPENDENCY_MISSING', message, { cause });
}

/**
 * Imports an optional dependency with `importer` (a function around a literal `import()`, so
 * that tools see the specifier); any failure becomes {@link dependencyMissing}.
 */
export async function loadOptionalDependency<Module>(
  dependency: OptionalDependency,
  importer: () => Promise<Module>,
): Promise<Module> {
  try {
    return await importer();
  } catch (cause) {
    throw dependencyMissing(dependency, cause);
  }
}

/** Loads `better-sqlite3`'s database class; throws `DEPENDENCY_MISSING`. */
export async function loadBetterSqlite3(): Promise<SqliteDatabaseClass> {
  const module = await loadOptionalDependency(BETTER_SQLITE3, () => import('better-sqlite3'));
  return module.default;
}

/** Loads `pg`; throws `DEPENDENCY_MISSING`. */
export async function loadPg(): Promise<PgModule> {
  const module = await loadOptionalDependency(PG, () => import('pg'));
  return module.default;
}
