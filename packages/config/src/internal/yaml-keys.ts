/**
 * Mapping keys as the plain values see them: a scalar key becomes the string property name it
 * is stored under (`1`, `"1"` and `!!int 1` are all `"1"`; an empty key is `""`), and a `<<`
 * merge key brings in the entries of other mappings instead of being stored.
 *
 * @example
 * ```ts
 * keyName(pair.key as Scalar); // 'port'
 * ```
 * @module
 */
import { isScalar, type Scalar } from 'yaml';

/** Whether `node` is a YAML 1.1 `<<` merge key. */
export function isMergeKey(node: unknown): boolean {
  if (!isScalar(node)) return false;
  return (
    typeof node.value === 'symbol' ||
    (node.value === '<<' && (node.type === undefined || node.type === 'PLAIN'))
  );
}

/**
 * The property name a scalar key is stored under: `String(value)`, `""` for an empty key, and
 * the text as written for values that are objects (a timestamp, binary data).
 */
export function keyName(key: Scalar | null): string {
  const value = key?.value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return key?.source ?? String(value);
  return String(value);
}
