/**
 * Where presence for remote users goes: a {@link FederationSender}. This server does not
 * speak federation; the shipped implementation logs what it would send and keeps a bounded
 * record of it (for tests and the admin API).
 *
 * @example
 * ```ts
 * const sender = new LoggingFederationSender(logger);
 * await sender.sendPresence('other.example', ['@bob:other.example'], [aliceOnline]);
 * sender.sent; // [{ serverName: 'other.example', userIds: [...], states: [...] }]
 * ```
 * @module
 */
import type { Logger, UserPresenceState } from '@presence-router/core';

/** Sends local users' presence to a remote homeserver. */
export interface FederationSender {
  /**
   * Sends `states` (local users' presence) to `serverName` for its users `userIds`.
   * Implementations must not throw for delivery problems: retry or log them.
   */
  sendPresence(
    serverName: string,
    userIds: readonly string[],
    states: readonly UserPresenceState[],
  ): Promise<void>;
}

/** One batch a {@link LoggingFederationSender} was given. */
export interface SentPresence {
  readonly serverName: string;
  readonly userIds: readonly string[];
  readonly states: readonly UserPresenceState[];
}

/** Logs every batch (info level) and keeps the last `keep` of them in {@link sent}. */
export class LoggingFederationSender implements FederationSender {
  readonly #logger: Logger;
  readonly #keep: number;
  readonly sent: SentPresence[] = [];

  constructor(logger: Logger, keep = 1000) {
    this.#logger = logger;
    this.#keep = keep;
  }

  async sendPresence(
    serverName: string,
    userIds: readonly string[],
    states: readonly UserPresenceState[],
  ): Promise<void> {
    this.#logger.info('federation: would send presence', {
      destination: serverName,
      recipients: userIds.length,
      states: states.map((state) => `${state.userId}=${state.state}`),
    });
    this.sent.push({ serverName, userIds, states });
    if (this.sent.length > this.#keep) this.sent.splice(0, this.sent.length - this.#keep);
  }
}
