/**
 * The one error class of `@presence-router/selective-presence`: {@link SelectivePresenceError},
 * a core `PresenceRouterError` with a stable `code` and every problem found in the input, each
 * with its JSON path (`$.users["@mallory:hs.example"]`).
 *
 * A server answers a client whose `m.presence.sharing` account data is refused
 * (`INVALID_SHARING_SETTINGS`, `INVALID_PROMPTED_LIST`) with `400 M_BAD_JSON` and the
 * error's `message`; a remote server's invalid `presence_recipients` answer
 * (`INVALID_RECIPIENTS_RESPONSE`) means the recipient set stays unknown (empty).
 *
 * @example
 * ```ts
 * try { parseSharingSettings({ rooms: { '!r:hs.example': 'deny' } }); }
 * catch (e) {
 *   if (e instanceof SelectivePresenceError && e.code === 'INVALID_SHARING_SETTINGS') {
 *     for (const issue of e.issues) console.log(issue.path, issue.message);
 *     // $.rooms["!r:hs.example"] rooms can only be "allow" (a room cannot be denied)
 *   }
 * }
 * ```
 * @module
 */
import { PresenceRouterError } from '@presence-router/core';

/** Codes of every error raised by this package. */
export type SelectivePresenceErrorCode =
  /** `m.presence.sharing` content that breaks MSC4495's rules (maps HTTP 400 `M_BAD_JSON`). */
  | 'INVALID_SHARING_SETTINGS'
  /** `m.presence.prompted` content that is not lists of user and room IDs (400 `M_BAD_JSON`). */
  | 'INVALID_PROMPTED_LIST'
  /** A `presence_recipients` query answer of the wrong shape. */
  | 'INVALID_RECIPIENTS_RESPONSE'
  /** An option or argument of the wrong type or out of range. */
  | 'INVALID_OPTIONS';

/** One problem in a JSON input, located by its path from the root `$`. */
export interface SelectivePresenceIssue {
  /** Where the offending value is: `$`, `$.share_locally`, `$.users["@a:hs.example"]`. */
  readonly path: string;
  /** What is wrong with it, for a person. */
  readonly message: string;
}

/** An error of `@presence-router/selective-presence`; see the module documentation. */
export class SelectivePresenceError extends PresenceRouterError<SelectivePresenceErrorCode> {
  override name = 'SelectivePresenceError';
  /** Every problem found (at least one). */
  readonly issues: readonly SelectivePresenceIssue[];

  constructor(
    code: SelectivePresenceErrorCode,
    what: string,
    issues: readonly SelectivePresenceIssue[],
  ) {
    const shown = issues
      .slice(0, 5)
      .map((issue) => `${issue.path}: ${issue.message}`)
      .join('; ');
    const more = issues.length > 5 ? `; and ${issues.length - 5} more` : '';
    super(code, `Invalid ${what}: ${shown}${more}`);
    this.issues = issues;
  }

  /** The path of the first problem (`$.rooms["!r:hs.example"]`). */
  get path(): string {
    return this.issues[0]?.path ?? '$';
  }
}
