/**
 * A logger that records every line, for asserting on warnings and errors. It has the shape of
 * core's `Logger` (structurally: this package depends on nothing, so every package's tests,
 * core's included, can use it).
 *
 * @example
 * ```ts
 * const logger = new RecordingLogger();
 * new PresenceRouter({ serverName, membership, logger });
 * expect(logger.messages()).toEqual([...]); // warnings and errors
 * ```
 * @module
 */

/** Structured data of a log line. */
export type LogData = Readonly<Record<string, unknown>>;

/** A recorded line. */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly data?: LogData;
}

/** Records every line; see the module documentation. */
export class RecordingLogger {
  readonly lines: LogLine[] = [];

  debug(message: string, data?: LogData): void {
    this.#record('debug', message, data);
  }

  info(message: string, data?: LogData): void {
    this.#record('info', message, data);
  }

  warn(message: string, data?: LogData): void {
    this.#record('warn', message, data);
  }

  error(message: string, data?: LogData): void {
    this.#record('error', message, data);
  }

  /** Messages at `levels` (warn and error when none are given). */
  messages(...levels: LogLine['level'][]): string[] {
    const wanted = levels.length > 0 ? levels : ['warn', 'error'];
    return this.lines.filter((line) => wanted.includes(line.level)).map((line) => line.message);
  }

  /** Forgets every line recorded so far. */
  clear(): void {
    this.lines.length = 0;
  }

  #record(level: LogLine['level'], message: string, data: LogData | undefined): void {
    this.lines.push(data === undefined ? { level, message } : { level, message, data });
  }
}
