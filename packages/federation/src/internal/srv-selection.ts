/**
 * Picking the SRV record to use, as RFC 2782 orders them: the lowest priority first, and
 * within it a weighted random choice. A lone record whose target is `.` means the service
 * is decidedly not offered, which counts as no record.
 * @module
 */

/** One SRV record. */
export interface SrvRecord {
  /** The target host name (a trailing dot is ignored). */
  readonly name: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
}

/** The record to connect to, or `undefined` when there is none usable. */
export function selectSrvRecord(
  records: readonly SrvRecord[],
  random: () => number,
): SrvRecord | undefined {
  const usable = records.filter(
    (record) =>
      record.name !== '.' &&
      record.name !== '' &&
      Number.isInteger(record.port) &&
      record.port > 0 &&
      record.port < 65536,
  );
  if (usable.length === 0) return undefined;
  const best = Math.min(...usable.map((record) => record.priority));
  const group = usable.filter((record) => record.priority === best);
  const total = group.reduce((sum, record) => sum + Math.max(0, record.weight), 0);
  if (total === 0) return group[Math.floor(random() * group.length)] ?? group[0];
  let pick = random() * total;
  for (const record of group) {
    pick -= Math.max(0, record.weight);
    if (pick < 0) return record;
  }
  return group[group.length - 1];
}
