/**
 * `samples.jsonl` (DESIGN.md 3.4): one line per measured request, appended as requests finish.
 * Written by the sweep runners, read back by `--resume`, by `planner fit` and by reports.
 */
import {existsSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {badInput} from '../errors.js';

export interface SampleRecord {
  /** Sweep point id, e.g. "prefill/isl=3000" or "decode/isl=2997/n=64". */
  point: string;
  phase: 'prefill' | 'decode';
  /** Requested input and output tokens. */
  isl: number;
  osl: number;
  /** Streams in flight at this point. */
  concurrency: number;
  /** Scheduled and actual send time, ms since the sweep started. */
  intendedSendMs: number;
  sendMs: number;
  /** Send -> first chunk with content or reasoning tokens, ms. */
  ttftMs: number | null;
  /** (last token time - first token time) / (output tokens - 1), ms. */
  itlMs: number | null;
  /** [offset from send ms, tokens] per streamed chunk. */
  chunks: [number, number][];
  /** usage.prompt_tokens / usage.completion_tokens as the server reported them. */
  inputTokens: number | null;
  outputTokens: number | null;
  status: 'ok' | 'error' | 'timeout';
  httpStatus?: number;
  error?: string;
  /** Decode: true when the request's measured window lies where all n streams were generating. */
  steady?: boolean;
  /** Live: the id the server gave the response (matches server-side logs such as serve-mock --truth). */
  responseId?: string;
  /** Live: sends it took (more than 1 after retries of connection errors, 429 or 503). */
  attempts?: number;
}

/**
 * The samples of a samples.jsonl text. Text after the last newline is a write cut short by a kill
 * (every record ends with one) and belongs to no finished request: it is left out. Any other bad
 * line is an error naming the file and line.
 */
export function parseSamples(text: string, file: string): SampleRecord[] {
  const end = text.lastIndexOf('\n');
  const out: SampleRecord[] = [];
  (end < 0 ? '' : text.slice(0, end)).split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let rec: SampleRecord;
    try {
      rec = JSON.parse(line) as SampleRecord;
    } catch {
      throw badInput(`${file}:${i + 1}: not a JSON sample record`);
    }
    if (typeof rec !== 'object' || rec === null || typeof rec.point !== 'string' || (rec.phase !== 'prefill' && rec.phase !== 'decode')) {
      throw badInput(`${file}:${i + 1}: not a sample record (needs "point" and "phase")`);
    }
    const problem = sampleProblem(rec as unknown as Record<string, unknown>);
    if (problem) throw badInput(`${file}:${i + 1}: ${problem}`);
    out.push(rec);
  });
  return out;
}

/** Read every sample of a file (none when it does not exist); see parseSamples. */
export async function readSamples(file: string): Promise<SampleRecord[]> {
  if (!existsSync(file)) return [];
  return parseSamples(await readFile(file, 'utf8'), file);
}

const STATUSES = new Set(['ok', 'error', 'timeout']);
const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isTime = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

/** What is wrong with a parsed sample's fields (types and physical ranges), or null. */
function sampleProblem(r: Record<string, unknown>): string | null {
  for (const key of ['isl', 'osl', 'concurrency']) if (!isCount(r[key])) return `"${key}" must be a non-negative number (got ${JSON.stringify(r[key])})`;
  for (const key of ['intendedSendMs', 'sendMs']) if (!isTime(r[key])) return `"${key}" must be a number, ms (got ${JSON.stringify(r[key])})`;
  for (const key of ['ttftMs', 'itlMs', 'inputTokens', 'outputTokens']) {
    if (r[key] !== null && !isCount(r[key])) return `"${key}" must be a non-negative number or null (got ${JSON.stringify(r[key])})`;
  }
  if (!STATUSES.has(r.status as string)) return `"status" must be ok, error or timeout (got ${JSON.stringify(r.status)})`;
  const chunks = r.chunks;
  if (!Array.isArray(chunks)) return `"chunks" must be an array of [offset ms, tokens] (got ${JSON.stringify(chunks)})`;
  for (let i = 0; i < chunks.length; i++) {
    const c: unknown = chunks[i];
    if (!Array.isArray(c) || c.length !== 2 || !isTime(c[0]) || !isCount(c[1])) return `"chunks"[${i}] must be [offset ms, tokens] (got ${JSON.stringify(c)})`;
  }
  return null;
}
