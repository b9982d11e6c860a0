import type { LogData, Logger } from '../../src/index.ts';

/** A logger that records every line, for asserting on warnings. */
export class CaptureLogger implements Logger {
  readonly lines: { level: string; message: string; data?: LogData }[] = [];

  debug(message: string, data?: LogData): void {
    this.lines.push({ level: 'debug', message, ...(data ? { data } : {}) });
  }
  info(message: string, data?: LogData): void {
    this.lines.push({ level: 'info', message, ...(data ? { data } : {}) });
  }
  warn(message: string, data?: LogData): void {
    this.lines.push({ level: 'warn', message, ...(data ? { data } : {}) });
  }
  error(message: string, data?: LogData): void {
    this.lines.push({ level: 'error', message, ...(data ? { data } : {}) });
  }

  /** Messages at `level` (warn and error by default). */
  messages(...levels: string[]): string[] {
    const wanted = levels.length > 0 ? levels : ['warn', 'error'];
    return this.lines.filter((line) => wanted.includes(line.level)).map((line) => line.message);
  }
}
