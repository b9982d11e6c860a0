import { type LogData, type Logger, silentLogger } from '@presence-router/core';
import { expect } from 'vitest';
import { ConfigError, type LoadConfigOptions, loadConfig } from '../../src/index.ts';

/** Loads `text` and returns the ConfigError it must throw. */
export async function loadError(
  text: string,
  options: LoadConfigOptions = {},
): Promise<ConfigError> {
  try {
    await loadConfig(text, { logger: silentLogger, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

/** A logger that keeps what it is given. */
export class RecordingLogger implements Logger {
  readonly lines: { level: string; message: string; data: LogData | undefined }[] = [];
  debug(message: string, data?: LogData): void {
    this.lines.push({ level: 'debug', message, data });
  }
  info(message: string, data?: LogData): void {
    this.lines.push({ level: 'info', message, data });
  }
  warn(message: string, data?: LogData): void {
    this.lines.push({ level: 'warn', message, data });
  }
  error(message: string, data?: LogData): void {
    this.lines.push({ level: 'error', message, data });
  }
  get warnings(): string[] {
    return this.lines.filter((line) => line.level === 'warn').map((line) => line.message);
  }
}
