/**
 * Structured JSON logs: one JSON object per line (`time`, `level`, `msg`, then the data),
 * implementing core's `Logger` so routing warnings land in the same stream.
 *
 * @example
 * ```ts
 * const logger = new JsonLogger({ level: 'info', write: (line) => process.stdout.write(line) });
 * logger.info('listening', { url: 'http://127.0.0.1:8008' });
 * // {"time":"2026-01-01T00:00:00.000Z","level":"info","msg":"listening","url":"http://127.0.0.1:8008"}
 * ```
 * @module
 */
import type { LogData, Logger } from '@presence-router/core';

/** Log levels, least severe first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Options of {@link JsonLogger}. */
export interface JsonLoggerOptions {
  /** Lines below this level are dropped (default `info`). */
  readonly level?: LogLevel;
  /** Where lines go (each ends in `\n`). */
  readonly write: (line: string) => void;
  /** The clock (default `Date.now`). */
  readonly now?: () => number;
}

function serializable(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/** A `Logger` writing JSON lines. */
export class JsonLogger implements Logger {
  readonly #rank: number;
  readonly #write: (line: string) => void;
  readonly #now: () => number;

  constructor(options: JsonLoggerOptions) {
    this.#rank = LOG_LEVELS.indexOf(options.level ?? 'info');
    this.#write = options.write;
    this.#now = options.now ?? Date.now;
  }

  debug(message: string, data?: LogData): void {
    this.#log('debug', message, data);
  }

  info(message: string, data?: LogData): void {
    this.#log('info', message, data);
  }

  warn(message: string, data?: LogData): void {
    this.#log('warn', message, data);
  }

  error(message: string, data?: LogData): void {
    this.#log('error', message, data);
  }

  #log(level: Exclude<LogLevel, 'silent'>, message: string, data?: LogData): void {
    if (LOG_LEVELS.indexOf(level) < this.#rank) return;
    const record: Record<string, unknown> = {
      time: new Date(this.#now()).toISOString(),
      level,
      msg: message,
    };
    if (data) for (const [key, value] of Object.entries(data)) record[key] = serializable(value);
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ time: record.time, level, msg: message, data: '[unserializable]' });
    }
    this.#write(`${line}\n`);
  }
}
