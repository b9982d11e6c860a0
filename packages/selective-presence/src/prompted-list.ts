/**
 * A user's `m.presence.prompted` account data (MSC4495): the users and rooms whose "share
 * your presence?" prompt the user already answered, so other clients do not ask again. The
 * server does not act on it: it stores the content and returns it as the client wrote it.
 * {@link parsePromptedList} is for a server that wants to refuse malformed content
 * (`400 M_BAD_JSON`) and for clients reading it.
 *
 * @example
 * ```ts
 * parsePromptedList({ users: ['@joey:example.com'], rooms: ['!apartment:example.com'] });
 * // { users: ['@joey:example.com'], rooms: ['!apartment:example.com'] }
 * ```
 * @module
 */
import { roomIdProblem, userIdProblem } from '@presence-router/core';
import { SelectivePresenceError, type SelectivePresenceIssue } from './errors.ts';
import { isJsonObject, jsonPath } from './internal/json-path.ts';

/** Validated `m.presence.prompted` content (both lists default to empty). */
export interface PromptedList {
  readonly users: readonly string[];
  readonly rooms: readonly string[];
}

function readIds(
  content: Record<string, unknown>,
  key: 'users' | 'rooms',
  problemOf: (id: string) => string | undefined,
  issues: SelectivePresenceIssue[],
): string[] {
  const value = content[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.push({ path: jsonPath([key]), message: `${key} must be an array` });
    return [];
  }
  const ids: string[] = [];
  value.forEach((id: unknown, index) => {
    const problem = typeof id === 'string' ? problemOf(id) : 'must be a string';
    if (problem === undefined) ids.push(id as string);
    else issues.push({ path: jsonPath([key, index]), message: problem });
  });
  return ids;
}

/**
 * Validates `m.presence.prompted` content. Throws
 * `SelectivePresenceError('INVALID_PROMPTED_LIST')` listing every problem with its path.
 */
export function parsePromptedList(content: unknown): PromptedList {
  const issues: SelectivePresenceIssue[] = [];
  if (!isJsonObject(content)) {
    issues.push({ path: '$', message: 'm.presence.prompted content must be a JSON object' });
    throw new SelectivePresenceError('INVALID_PROMPTED_LIST', 'm.presence.prompted', issues);
  }
  const list: PromptedList = {
    users: readIds(content, 'users', userIdProblem, issues),
    rooms: readIds(content, 'rooms', roomIdProblem, issues),
  };
  if (issues.length > 0) {
    throw new SelectivePresenceError('INVALID_PROMPTED_LIST', 'm.presence.prompted', issues);
  }
  return list;
}
