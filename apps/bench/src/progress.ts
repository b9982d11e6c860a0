/**
 * A progress display on stderr: one rewritten line on a terminal, plain lines otherwise
 * (throttled), so results on stdout stay clean.
 *
 * @example
 * ```ts
 * const progress = new Progress();
 * progress.update('pareto-20k', 'engine 12/35');
 * progress.done('pareto-20k finished in 4.2 s');
 * ```
 * @module
 */

/** Writes progress to a stream (stderr by default). */
export class Progress {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  #lastPlain = 0;
  #started = Date.now();

  constructor(options: { stream?: NodeJS.WriteStream; enabled?: boolean } = {}) {
    this.#stream = options.stream ?? process.stderr;
    this.#enabled = options.enabled ?? true;
  }

  #elapsed(): string {
    return `${((Date.now() - this.#started) / 1000).toFixed(0).padStart(4)}s`;
  }

  /** Shows the current step. */
  update(scenario: string, step: string): void {
    if (!this.#enabled) return;
    const line = `[${this.#elapsed()}] ${scenario}: ${step}`;
    if (this.#stream.isTTY) {
      this.#stream.write(`\r\x1b[2K${line.slice(0, (this.#stream.columns ?? 120) - 1)}`);
    } else if (Date.now() - this.#lastPlain > 2000) {
      this.#lastPlain = Date.now();
      this.#stream.write(`${line}\n`);
    }
  }

  /** Ends a step with a permanent line. */
  done(message: string): void {
    if (!this.#enabled) return;
    const line = `[${this.#elapsed()}] ${message}`;
    this.#stream.write(this.#stream.isTTY ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }
}
