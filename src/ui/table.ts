/** A plain-text table: each column padded to its widest cell, columns two spaces apart. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], options: {indent?: string; rightAligned?: (column: number) => boolean} = {}): string[] {
  const indent = options.indent ?? '';
  const right = options.rightAligned ?? (() => false);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => `${indent}${cells.map((c, i) => (right(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

/** A count with its noun, singular for one: `counted(1, 'window')` is "1 window", `counted(3, 'bad line')` "3 bad lines". */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
