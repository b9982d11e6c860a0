/**
 * The recipient sets last computed for local senders under MSC4495, and their inverse (who
 * receives whose presence), for the read side: a syncing user's snapshot holds the senders
 * whose set names it.
 *
 * @example
 * ```ts
 * const index = new RecipientIndex();
 * index.set('@alice:hs', new Set(['@bob:hs']));
 * index.sendersFor('@bob:hs'); // Set { '@alice:hs' }
 * ```
 * @module
 */

/** Sender → recipients, and recipient → senders. */
export class RecipientIndex {
  readonly #recipients = new Map<string, ReadonlySet<string>>();
  readonly #senders = new Map<string, Set<string>>();

  /** Replaces `sender`'s recipient set (an empty set removes it). */
  set(sender: string, recipients: ReadonlySet<string>): void {
    const previous = this.#recipients.get(sender);
    if (previous !== undefined) {
      for (const recipient of previous) {
        if (recipients.has(recipient)) continue;
        const senders = this.#senders.get(recipient);
        senders?.delete(sender);
        if (senders?.size === 0) this.#senders.delete(recipient);
      }
    }
    for (const recipient of recipients) {
      let senders = this.#senders.get(recipient);
      if (senders === undefined) {
        senders = new Set();
        this.#senders.set(recipient, senders);
      }
      senders.add(sender);
    }
    if (recipients.size === 0) this.#recipients.delete(sender);
    else this.#recipients.set(sender, new Set(recipients));
  }

  /** `sender`'s last computed set (empty when none). */
  recipientsOf(sender: string): ReadonlySet<string> {
    return this.#recipients.get(sender) ?? new Set();
  }

  /** The senders whose set holds `recipient`. */
  sendersFor(recipient: string): ReadonlySet<string> {
    return this.#senders.get(recipient) ?? new Set();
  }
}
