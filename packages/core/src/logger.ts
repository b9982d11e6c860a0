/**
 * The logging interface core writes warnings to (dropped destinations, failing modules).
 * Pass your own; the default writes to the global `console` when there is one.
 *
 * @example
 * ```ts
 * const logger: Logger = { debug() {}, info() {}, warn: (m, d) => myLog.warn(d, m), error: (m, d) => myLog.error(d, m) };
 * ```
 * @module
 */

/** Structured data attached to a log line. */
export type LogData = Readonly<Record<string, unknown>>;

/** A minimal structured logger. */
export interface Logger {
  debug(message: string, data?: LogData): void;
  info(message: string, data?: LogData): void;
  warn(message: string, data?: LogData): void;
  error(message: string, data?: LogData): void;
}

interface ConsoleLike {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

const globalConsole = (globalThis as { console?: ConsoleLike }).console;

/** Writes warnings and errors to the global console (when present); drops debug and info. */
export const consoleLogger: Logger = {
  debug() {},
  info() {},
  warn(message, data) {
    globalConsole?.warn(`[presence-router] ${message}`, ...(data ? [data] : []));
  },
  error(message, data) {
    globalConsole?.error(`[presence-router] ${message}`, ...(data ? [data] : []));
  },
};

/** Discards everything. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
