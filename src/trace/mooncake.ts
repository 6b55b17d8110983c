/**
 * Mooncake JSONL traces (DESIGN.md 3.3): one request per line with `timestamp` (ms from trace
 * start), `input_length`, `output_length` (tokens) and `hash_ids` (one id per block of prompt).
 * Reading goes chunk by chunk; every bad record is reported with its line number.
 */
import {statSync} from 'node:fs';
import {open} from 'node:fs/promises';
import {StreamedOutput} from '../outputs.js';
import {badInput, failure, option} from '../errors.js';
import type {OnProgress} from '../progress.js';
import {MAX_TIMESTAMP_MS, TOKENS} from '../limits.js';
import {scanRecord} from './record-scanner.js';

export interface TraceRecord {
  /** Arrival time, ms from trace start. */
  timestamp: number;
  /** Prompt length, tokens. */
  input_length: number;
  /** Output length, tokens. */
  output_length: number;
  /** Prefix-cache block ids, one per block of the prompt. */
  hash_ids?: number[];
}

export interface BadLine {
  line: number;
  reason: string;
}

/** Check one parsed line; returns the record or the reason it is bad. */
export function validateRecord(value: unknown): TraceRecord | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const v = value as Record<string, unknown>;
  const ts = v.timestamp;
  if (typeof ts !== 'number' || !Number.isFinite(ts)) return '"timestamp" must be a number (ms)';
  if (ts < 0) return `"timestamp" must be >= 0, got ${ts}`;
  if (ts > MAX_TIMESTAMP_MS) return `"timestamp" must be <= ${MAX_TIMESTAMP_MS} ms (about 300 years), got ${ts}`;
  for (const key of ['input_length', 'output_length'] as const) {
    const x = v[key];
    if (typeof x !== 'number' || !Number.isInteger(x)) return `"${key}" must be an integer (tokens)`;
    if (x < 0) return `"${key}" must be >= 0, got ${x}`;
    if (x > TOKENS.max) return `"${key}" must be <= ${TOKENS.max}, got ${x}: ${TOKENS.maxReason}`;
  }
  const ids = v.hash_ids;
  if (ids !== undefined) {
    if (!Array.isArray(ids)) return '"hash_ids" must be an array';
    for (let i = 0; i < ids.length; i += 1) {
      const id: unknown = ids[i];
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return `"hash_ids"[${i}] must be a non-negative integer, got ${JSON.stringify(id)}`;
    }
  }
  return value as TraceRecord;
}

export interface ReadTraceOptions {
  /** Skip bad records (counted in `stats.badLines`) instead of failing on the first. */
  skipBadLines?: boolean;
  /** How many bad lines to remember for reporting (all are counted). */
  keepBadLines?: number;
  /** Called after each chunk read, in MB of the file. */
  onProgress?: OnProgress;
}

/** Counters a reader fills while it streams. */
export interface ReadStats {
  /** Bytes of the file read so far. */
  bytesRead: number;
  lines: number;
  records: number;
  blankLines: number;
  badLines: number;
  firstBad: BadLine[];
}

/** Bytes read at a time; a longer line grows the buffer. */
const CHUNK_BYTES = 1 << 20;

/**
 * Stream the records of a mooncake JSONL file, one array per chunk read (about 1 MB). Each chunk
 * is split at its newline bytes and parsed synchronously into one reused buffer, so a reader pays
 * one promise per chunk rather than per line, and a line in the usual mooncake shape is scanned
 * from its bytes (record-scanner.ts) rather than decoded and JSON-parsed. Blank lines are ignored.
 * A bad record throws `badInput` naming `file:line`, unless `skipBadLines`, in which case it is
 * counted in `stats`.
 */
export async function* readTraceBatches(file: string, options: ReadTraceOptions = {}, stats: ReadStats = newReadStats()): AsyncGenerator<TraceRecord[]> {
  const parser = new LineParser(file, options, stats);
  const readError = (err: unknown): Error => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return badInput(`trace file ${file} does not exist`);
    if (code === 'EISDIR') return badInput(`trace file ${file} is a directory`);
    return failure(`cannot read trace file ${file}: ${(err as Error).message}`);
  };
  const handle = await open(file, 'r').catch((err: unknown) => {
    throw readError(err);
  });
  let buf = Buffer.allocUnsafe(CHUNK_BYTES);
  // buf[0, kept) holds the start of a line the last read cut.
  let kept = 0;
  let bytesRead = 0;
  let totalBytes: number | undefined;
  try {
    for (;;) {
      if (kept === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]);
      let n: number;
      try {
        ({bytesRead: n} = await handle.read(buf, kept, buf.length - kept, null));
      } catch (err) {
        throw readError(err);
      }
      if (n === 0) break;
      bytesRead += n;
      stats.bytesRead = bytesRead;
      if (options.onProgress) {
        totalBytes ??= statSync(file).size;
        options.onProgress({task: `reading ${file}`, done: stats.bytesRead / 1e6, total: totalBytes / 1e6, unit: 'MB'});
      }
      const filled = kept + n;
      const end = buf.lastIndexOf(0x0a, filled - 1);
      if (end < 0) {
        kept = filled;
        continue;
      }
      const batch = parser.parse(buf, end + 1);
      kept = filled - (end + 1);
      buf.copyWithin(0, end + 1, filled);
      if (batch.length > 0) yield batch;
    }
  } finally {
    await handle.close();
  }
  if (kept > 0) {
    const last = parser.parse(Buffer.concat([buf.subarray(0, kept), NEWLINE]), kept + 1);
    if (last.length > 0) yield last;
  }
}

const NEWLINE = Buffer.from('\n');

/** Parses whole lines, numbering them across chunks. */
class LineParser {
  private lineNo = 0;
  private readonly keep: number;

  constructor(private readonly file: string, private readonly options: ReadTraceOptions, private readonly stats: ReadStats) {
    this.keep = options.keepBadLines ?? 10;
  }

  /** The records of bytes[0, end), which ends with a newline. */
  parse(bytes: Buffer, end: number): TraceRecord[] {
    const out: TraceRecord[] = [];
    const stats = this.stats;
    let start = 0;
    while (start < end) {
      const nl = bytes.indexOf(0x0a, start);
      this.lineNo += 1;
      const lineEnd = nl > start && bytes[nl - 1] === 0x0d ? nl - 1 : nl;
      const scanned = scanRecord(bytes, start, lineEnd);
      if (scanned !== undefined) {
        stats.records += 1;
        out.push(scanned);
        start = nl + 1;
        continue;
      }
      // The general path: anything the scanner does not read exactly, and every bad line.
      const line = bytes.toString('utf8', start, lineEnd);
      start = nl + 1;
      if (line.trim() === '') {
        stats.blankLines += 1;
        continue;
      }
      let reason: string;
      try {
        const checked = validateRecord(JSON.parse(line));
        if (typeof checked !== 'string') {
          stats.records += 1;
          out.push(checked);
          continue;
        }
        reason = checked;
      } catch {
        reason = 'not valid JSON';
      }
      stats.badLines += 1;
      if (stats.firstBad.length < this.keep) stats.firstBad.push({line: this.lineNo, reason});
      if (!this.options.skipBadLines) {
        stats.lines = this.lineNo;
        throw badInput(`${this.file}:${this.lineNo}: bad trace record: ${reason}`, `pass ${option('skipBadLines')} to skip bad records`);
      }
    }
    stats.lines = this.lineNo;
    return out;
  }
}

/** The records of a mooncake JSONL file one by one (readTraceBatches flattened). */
export async function* readTrace(file: string, options: ReadTraceOptions = {}, stats: ReadStats = newReadStats()): AsyncGenerator<TraceRecord> {
  for await (const batch of readTraceBatches(file, options, stats)) yield* batch;
}

export function newReadStats(): ReadStats {
  return {bytesRead: 0, lines: 0, records: 0, blankLines: 0, badLines: 0, firstBad: []};
}

/** Read a whole (small) trace into memory; for tests and short traces. */
export async function readTraceAll(file: string, options: ReadTraceOptions = {}): Promise<{records: TraceRecord[]; stats: ReadStats}> {
  const stats = newReadStats();
  const records: TraceRecord[] = [];
  for await (const batch of readTraceBatches(file, options, stats)) for (const r of batch) records.push(r);
  return {records, stats};
}

/** One JSONL line for a record, keys in mooncake order. */
export function formatRecord(r: TraceRecord): string {
  const hash = r.hash_ids === undefined ? '' : `,"hash_ids":[${r.hash_ids.join(',')}]`;
  return `{"timestamp":${r.timestamp},"input_length":${r.input_length},"output_length":${r.output_length}${hash}}`;
}

/**
 * Write records to `file` as they are produced, buffering about 1 MB at a time, so a generator
 * of any length streams to disk. The file appears only when complete (written under a temporary
 * name; an error leaves nothing behind). Prepare its directory first (prepareOutputs). Returns
 * the number of records written.
 */
export function writeTrace(file: string, records: Iterable<TraceRecord>): number {
  const out = new StreamedOutput(file);
  let count = 0;
  let buffer: string[] = [];
  let size = 0;
  try {
    for (const r of records) {
      const line = formatRecord(r);
      buffer.push(line);
      size += line.length + 1;
      count += 1;
      if (size >= 1 << 20) {
        out.write(buffer.join('\n') + '\n');
        buffer = [];
        size = 0;
      }
    }
    if (buffer.length > 0) out.write(buffer.join('\n') + '\n');
  } catch (err) {
    out.abort();
    throw err;
  }
  out.commit();
  return count;
}
