/**
 * `MatrixHttpClient`: GET requests to a Matrix homeserver with everything a long-running
 * adapter needs: a limit on requests in flight, a timeout per attempt (headers and body), a
 * response size limit, retries of 5xx and network errors with capped exponential backoff
 * and jitter, 429 answers honoured (`Retry-After`, then `retry_after_ms`, capped), a total
 * deadline per request with its retries and waits (`lookupTimeoutMs`), and a clear
 * `UNAUTHORIZED` error for rejected credentials. Other 4xx answers are returned to the
 * caller, which knows what they mean for its endpoint.
 *
 * @example
 * ```ts
 * const client = new MatrixHttpClient({ baseUrl: 'http://127.0.0.1:8008', accessToken: 'syt_...' });
 * const answer = await client.get('/_matrix/client/v3/joined_rooms', { description: 'joined rooms' });
 * if (answer.status === 200) console.log(answer.body);
 * client.close();
 * ```
 * @module
 */
import { MembershipError, type MembershipErrorCode } from '../../errors.ts';
import type { MatrixHttpMembershipOptions } from '../../http/matrix-http-options.ts';
import { ConcurrencyLimit } from './concurrency-limit.ts';
import { LookupDeadlineClock } from './lookup-deadline-clock.ts';
import { readBodyWithLimit } from './response-body.ts';
import { backoffDelay, type RetryPolicy, rateLimitDelay, retryPolicy } from './retry-policy.ts';

/**
 * Options of {@link MatrixHttpClient}: the connection settings of `MatrixHttpMembership`
 * (documented there), the token and the query parameters of every request.
 */
export interface MatrixHttpClientOptions
  extends Pick<
    MatrixHttpMembershipOptions,
    | 'baseUrl'
    | 'concurrency'
    | 'timeoutMs'
    | 'lookupTimeoutMs'
    | 'maxResponseBytes'
    | 'retry'
    | 'fetch'
  > {
  /** Sent as `Authorization: Bearer <token>`. */
  readonly accessToken: string;
  /** Query parameters added to every request (e.g. an application service's `user_id`). */
  readonly query?: Readonly<Record<string, string>>;
}

/** What a request is about: used in error messages and attached to errors. */
export interface RequestSubject {
  /** Words for messages, e.g. `the members of !room:hs`. */
  readonly description: string;
  /** The room concerned, set as the error's `roomId`. */
  readonly roomId?: string;
}

/** An answer the client did not turn into an error: a 2xx, or a 4xx other than 401 and 429. */
export interface MatrixResponse {
  readonly status: number;
  /** The parsed JSON body (for non-2xx answers: when it was JSON; otherwise `undefined`). */
  readonly body: unknown;
  /** The Matrix `errcode` of an error answer. */
  readonly errcode: string | undefined;
  /** The Matrix `error` text of an error answer. */
  readonly error: string | undefined;
  /** Attempts it took. */
  readonly attempts: number;
}

/** Error bodies are read only this far. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

type AttemptOutcome =
  | { readonly kind: 'answer'; readonly response: Omit<MatrixResponse, 'attempts'> }
  | {
      readonly kind: 'retry';
      readonly code: MembershipErrorCode;
      readonly detail: string;
      readonly status?: number;
      readonly errcode?: string;
      readonly cause?: unknown;
      /** The wait the server asked for (429), when it did. */
      readonly waitMs?: number;
      /** The attempt was cut short by the lookup deadline (not by its own timeout). */
      readonly deadlineReached?: boolean;
    };

type RetryOutcome = Extract<AttemptOutcome, { kind: 'retry' }>;

/** Default of `lookupTimeoutMs`. */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 5_000;

/** The longest delay `setTimeout` takes (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

function lookupTimeout(value: unknown): number {
  if (value === Number.POSITIVE_INFINITY) return value;
  const ms = positiveInteger('lookupTimeoutMs', value, DEFAULT_LOOKUP_TIMEOUT_MS);
  if (ms > MAX_TIMER_MS) {
    throw new MembershipError(
      'INVALID_OPTIONS',
      `lookupTimeoutMs must be at most ${MAX_TIMER_MS} (or Infinity), got ${ms}`,
    );
  }
  return ms;
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new MembershipError(
      'INVALID_OPTIONS',
      `${name} must be a positive integer, got ${String(value)}`,
    );
  }
  return value;
}

function matrixErrorOf(body: unknown): { errcode?: string; error?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const { errcode, error } = body as { errcode?: unknown; error?: unknown };
  return {
    ...(typeof errcode === 'string' ? { errcode } : {}),
    ...(typeof error === 'string' ? { error } : {}),
  };
}

function describeAnswer(status: number, errcode?: string, error?: string): string {
  return `HTTP ${status}${errcode ? ` ${errcode}` : ''}${error ? `: ${error}` : ''}`;
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** GETs JSON from a homeserver with limits, timeouts and retries; see the module docs. */
export class MatrixHttpClient {
  /** The base URL, normalized with a trailing `/`. */
  readonly baseUrl: URL;
  readonly #authorization: string;
  readonly #query: Readonly<Record<string, string>>;
  readonly #limit: ConcurrencyLimit;
  readonly #timeoutMs: number;
  readonly #lookupTimeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #retry: RetryPolicy;
  readonly #fetch: typeof fetch;
  readonly #closing = new AbortController();
  /** The deadlines of requests running now, cancelled by {@link close}. */
  readonly #clocks = new Set<LookupDeadlineClock>();

  constructor(options: MatrixHttpClientOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new MembershipError('INVALID_OPTIONS', 'MatrixHttpClient needs options');
    }
    let base: URL;
    try {
      base = new URL(String(options.baseUrl));
    } catch (cause) {
      throw new MembershipError(
        'INVALID_OPTIONS',
        `baseUrl ${JSON.stringify(String(options.baseUrl))} is not a URL`,
        { cause },
      );
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new MembershipError(
        'INVALID_OPTIONS',
        `baseUrl must be an http: or https: URL, got ${base.protocol}`,
      );
    }
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    base.search = '';
    base.hash = '';
    this.baseUrl = base;
    if (typeof options.accessToken !== 'string' || options.accessToken.trim() === '') {
      throw new MembershipError(
        'INVALID_OPTIONS',
        'an access token (a non-empty string) is needed',
      );
    }
    this.#authorization = `Bearer ${options.accessToken}`;
    this.#query = { ...(options.query ?? {}) };
    this.#limit = new ConcurrencyLimit(positiveInteger('concurrency', options.concurrency, 8));
    this.#timeoutMs = positiveInteger('timeoutMs', options.timeoutMs, 30_000);
    this.#lookupTimeoutMs = lookupTimeout(options.lookupTimeoutMs);
    this.#maxResponseBytes = positiveInteger(
      'maxResponseBytes',
      options.maxResponseBytes,
      64 * 1024 * 1024,
    );
    this.#retry = retryPolicy(options.retry);
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') {
      throw new MembershipError('INVALID_OPTIONS', 'no fetch function is available');
    }
    this.#fetch = fetchImpl;
  }

  /** The concurrency limit (for metrics: `active`, `waiting`). */
  get limit(): ConcurrencyLimit {
    return this.#limit;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  /** Aborts requests in flight and backoff waits; later requests fail with `CLOSED`. */
  close(): void {
    this.#closing.abort();
    for (const clock of this.#clocks) clock.cancel();
  }

  /**
   * GETs `path` (relative to the base URL, already URL-encoded). Resolves with 2xx answers
   * (JSON body parsed) and 4xx answers other than 401/429; throws `MembershipError`:
   * `UNAUTHORIZED` (401), `RATE_LIMITED` / `SERVER_ERROR` / `TIMEOUT` / `NETWORK_ERROR` once
   * the retries are used up, `TIMEOUT` when the lookup deadline (`lookupTimeoutMs`) passes or
   * the next wait would pass it, `MALFORMED_RESPONSE` for a 2xx body that is not JSON or is
   * too large, `CLOSED` after {@link close}.
   */
  async get(path: string, subject: RequestSubject): Promise<MatrixResponse> {
    const url = new URL(path.replace(/^\/+/, ''), this.baseUrl);
    for (const [key, value] of Object.entries(this.#query)) url.searchParams.set(key, value);
    this.#throwIfClosed(subject);
    const clock = new LookupDeadlineClock(this.#lookupTimeoutMs);
    this.#clocks.add(clock);
    try {
      return await this.#attempts(url, subject, clock);
    } finally {
      clock.dispose();
      this.#clocks.delete(clock);
    }
  }

  /** The retry loop of {@link get}, within `clock`'s deadline. */
  async #attempts(
    url: URL,
    subject: RequestSubject,
    clock: LookupDeadlineClock,
  ): Promise<MatrixResponse> {
    const policy = this.#retry;
    let last: RetryOutcome | undefined;
    for (let attempt = 1; ; attempt++) {
      this.#throwIfClosed(subject);
      let outcome: AttemptOutcome;
      try {
        outcome = await this.#limit.run(() => {
          clock.start();
          return this.#attempt(url, subject, clock);
        }, clock.signal);
      } catch (error) {
        // Only a wait for a slot is aborted: by close(), or by the deadline after attempt 1.
        this.#throwIfClosed(subject);
        if (last !== undefined && clock.expired)
          throw this.#deadlineError(subject, attempt - 1, last);
        throw error;
      }
      if (outcome.kind === 'answer') return { ...outcome.response, attempts: attempt };
      if (outcome.deadlineReached === true || clock.expired) {
        // An attempt the deadline cut short says nothing of the server: name its last answer.
        const told = outcome.deadlineReached === true && last !== undefined ? last : outcome;
        throw this.#deadlineError(subject, attempt, told);
      }
      last = outcome;
      if (attempt >= policy.maxAttempts) {
        throw new MembershipError(
          outcome.code,
          `GET ${subject.description} failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${outcome.detail}`,
          { ...this.#errorData(subject, outcome), cause: outcome.cause },
        );
      }
      const waitMs = outcome.waitMs ?? backoffDelay(policy, attempt + 1);
      if (waitMs >= clock.remaining()) throw this.#deadlineError(subject, attempt, outcome, waitMs);
      await pause(waitMs, clock.signal);
      this.#throwIfClosed(subject);
      if (clock.expired) throw this.#deadlineError(subject, attempt, outcome);
    }
  }

  /** The `TIMEOUT` of a request stopped by its lookup deadline; `waitMs`: the wait that would pass it. */
  #deadlineError(
    subject: RequestSubject,
    attempts: number,
    last: RetryOutcome,
    waitMs?: number,
  ): MembershipError {
    const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
    const why =
      waitMs === undefined
        ? `gave up after ${tries}; last: ${last.detail}`
        : `gave up after ${tries}, as the ${last.waitMs !== undefined ? 'wait the homeserver asked for' : 'backoff'} (${Math.round(waitMs)} ms) would pass it; last: ${last.detail}`;
    return new MembershipError(
      'TIMEOUT',
      `GET ${subject.description}: no answer within the lookup deadline of ${this.#lookupTimeoutMs} ms (lookupTimeoutMs); ${why}`,
      { ...this.#errorData(subject, last), cause: last.cause },
    );
  }

  #errorData(
    subject: RequestSubject,
    outcome: RetryOutcome,
  ): { roomId?: string; status?: number; errcode?: string } {
    return {
      ...(subject.roomId !== undefined ? { roomId: subject.roomId } : {}),
      ...(outcome.status !== undefined ? { status: outcome.status } : {}),
      ...(outcome.errcode !== undefined ? { errcode: outcome.errcode } : {}),
    };
  }

  #throwIfClosed(subject: RequestSubject): void {
    if (this.closed) {
      throw new MembershipError(
        'CLOSED',
        `GET ${subject.description}: the HTTP membership client is closed`,
        subject.roomId !== undefined ? { roomId: subject.roomId } : {},
      );
    }
  }

  async #attempt(
    url: URL,
    subject: RequestSubject,
    clock: LookupDeadlineClock,
  ): Promise<AttemptOutcome> {
    this.#throwIfClosed(subject);
    const remaining = clock.remaining();
    if (remaining === 0) {
      return {
        kind: 'retry',
        code: 'TIMEOUT',
        detail: 'the deadline passed before the attempt could start',
        deadlineReached: true,
      };
    }
    // The attempt's own timeout, cut to what is left of the lookup's deadline.
    const cappedByDeadline = remaining < this.#timeoutMs;
    // One controller per attempt, aborted by its timeout or by close(); the listener on the
    // closing signal is removed afterwards so that long-lived adapters do not pile them up.
    const attemptAbort = new AbortController();
    const { signal } = attemptAbort;
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        attemptAbort.abort();
      },
      cappedByDeadline ? remaining : this.#timeoutMs,
    );
    const onClose = (): void => attemptAbort.abort();
    this.#closing.signal.addEventListener('abort', onClose, { once: true });
    const roomData = subject.roomId !== undefined ? { roomId: subject.roomId } : {};
    try {
      const response = await this.#fetch(url, {
        method: 'GET',
        headers: { authorization: this.#authorization, accept: 'application/json' },
        signal,
        redirect: 'error',
      });
      const { status } = response;
      if (status >= 200 && status < 300) {
        const body = await readBodyWithLimit(response, this.#maxResponseBytes);
        if (body.tooLarge) {
          throw new MembershipError(
            'MALFORMED_RESPONSE',
            `GET ${subject.description}: ${body.declared ? `the response declares ${body.receivedBytes} bytes` : `the response was cut off after ${body.receivedBytes} bytes`}, more than the limit of ${this.#maxResponseBytes} (maxResponseBytes)`,
            { ...roomData, status },
          );
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.text);
        } catch (cause) {
          throw new MembershipError(
            'MALFORMED_RESPONSE',
            `GET ${subject.description}: HTTP ${status} with a body that is not JSON (${JSON.stringify(body.text.slice(0, 60))})`,
            { ...roomData, status, cause },
          );
        }
        return {
          kind: 'answer',
          response: { status, body: parsed, errcode: undefined, error: undefined },
        };
      }
      const errorBody = await this.#readErrorBody(response);
      const { errcode, error } = matrixErrorOf(errorBody);
      const detail = describeAnswer(status, errcode, error);
      if (status === 401) {
        throw new MembershipError(
          'UNAUTHORIZED',
          `GET ${subject.description}: the homeserver rejected the access token (${detail}); check the configured token`,
          { ...roomData, status, ...(errcode !== undefined ? { errcode } : {}) },
        );
      }
      if (status === 429) {
        const waitMs = rateLimitDelay(this.#retry, response.headers, errorBody, Date.now());
        return {
          kind: 'retry',
          code: 'RATE_LIMITED',
          detail,
          status,
          ...(errcode !== undefined ? { errcode } : {}),
          ...(waitMs !== undefined ? { waitMs } : {}),
        };
      }
      if (status >= 500) {
        return {
          kind: 'retry',
          code: 'SERVER_ERROR',
          detail,
          status,
          ...(errcode !== undefined ? { errcode } : {}),
        };
      }
      return { kind: 'answer', response: { status, body: errorBody, errcode, error } };
    } catch (cause) {
      if (cause instanceof MembershipError) throw cause;
      this.#throwIfClosed(subject);
      if (timedOut) {
        return {
          kind: 'retry',
          code: 'TIMEOUT',
          detail: cappedByDeadline
            ? 'no complete answer before the deadline'
            : `no complete answer within ${this.#timeoutMs} ms (timeoutMs)`,
          cause,
          ...(cappedByDeadline ? { deadlineReached: true } : {}),
        };
      }
      const reason = cause instanceof Error ? (cause.cause ?? cause) : cause;
      return {
        kind: 'retry',
        code: 'NETWORK_ERROR',
        detail: `network error: ${reason instanceof Error ? reason.message : String(reason)}`,
        cause,
      };
    } finally {
      clearTimeout(timer);
      this.#closing.signal.removeEventListener('abort', onClose);
    }
  }

  /** The JSON error body of a non-2xx answer, when it is small and JSON; never throws. */
  async #readErrorBody(response: Response): Promise<unknown> {
    try {
      const body = await readBodyWithLimit(
        response,
        Math.min(MAX_ERROR_BODY_BYTES, this.#maxResponseBytes),
      );
      return body.tooLarge ? undefined : JSON.parse(body.text);
    } catch {
      return undefined;
    }
  }
}
