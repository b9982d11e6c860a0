/**
 * Number and table formatting shared by the reports (`report-table.ts`,
 * `federation-report.ts`): milliseconds, ratios, rates and MiB as table cells; tables as
 * padded text (the first two columns left-aligned, the others right-aligned) or Markdown.
 *
 * @example
 * ```ts
 * pad([['scenario', 'implementation', 'median ms'], ['pareto-20k', 'engine', ms(10.3)]]);
 * rate(52_000); // '52.0 k/s'
 * ```
 * @module
 */

const MIB = 1024 ** 2;

/** Milliseconds with 3 significant digits or so ('—' when not finite). */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

/** A ratio, `12.5x` ('—' when null or not finite). */
export function ratio(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  return value >= 100 ? `${value.toFixed(0)}x` : `${value.toFixed(value >= 10 ? 1 : 2)}x`;
}

/** A rate per second, `1.2 M/s` ('—' when null or not finite). */
export function rate(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (value >= 1e9) return `${(value / 1e9).toFixed(2)} G/s`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)} M/s`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k/s`;
  return `${value.toFixed(0)} /s`;
}

/** Bytes in MiB, no decimals ('—' when not positive). */
export function mib(bytes: number): string {
  return bytes > 0 ? (bytes / MIB).toFixed(0) : '—';
}

/** A text table: columns padded to their widest cell. */
export function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
    )
    .join('\n');
}

/** A Markdown table (the first row is the header). */
export function mdTable(rows: string[][]): string {
  const [head, ...body] = rows;
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  return [
    line(head!),
    `|${head!.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}
