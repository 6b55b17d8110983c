/** CSV tables via csv-stringify (RFC 4180 quoting). */
import {stringify} from 'csv-stringify/sync';

export type CsvValue = string | number | boolean | null | undefined;

/** A CSV document with a header row; `columns` gives the order and the header names. Booleans as true/false, missing as empty. */
export function toCsv(columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<CsvValue>>): string {
  return stringify(rows.map((r) => r.map((v) => (v === null || v === undefined ? '' : typeof v === 'boolean' ? String(v) : v))), {header: true, columns: [...columns]});
}

/** CSV from objects: one column per key of `columns`, in that order. */
export function objectsToCsv<T extends Record<string, CsvValue>>(columns: ReadonlyArray<keyof T & string>, rows: readonly T[]): string {
  return toCsv(columns, rows.map((r) => columns.map((c) => r[c])));
}
