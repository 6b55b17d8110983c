/** CSV tables via csv-stringify (RFC 4180 quoting). */
import {stringify} from 'csv-stringify/sync';

export type CsvValue = string | number | boolean | null | undefined;

/**
 * Booleans as true/false (csv-stringify would write 1 and an empty cell), missing as empty, numbers
 * to 15 significant digits (what a double holds; drops noise such as 45.769000000000005).
 */
function cell(v: CsvValue): string | number {
  if (typeof v === 'number') return Number.isFinite(v) && !Number.isInteger(v) ? Number(v.toPrecision(15)) : v;
  return v === null || v === undefined ? '' : typeof v === 'boolean' ? String(v) : v;
}

/** A CSV document with a header row; `columns` gives the order and the header names. */
export function toCsv(columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<CsvValue>>): string {
  return stringify(rows.map((r) => r.map(cell)), {header: true, columns: [...columns]});
}

/** One CSV line, for output streamed row by row (write the header the same way). */
export function csvLine(values: ReadonlyArray<CsvValue>): string {
  return stringify([values.map(cell)]);
}

/** CSV from objects: one column per key of `columns`, in that order. */
export function objectsToCsv<T extends Record<string, CsvValue>>(columns: ReadonlyArray<keyof T & string>, rows: readonly T[]): string {
  return toCsv(columns, rows.map((r) => columns.map((c) => r[c])));
}
