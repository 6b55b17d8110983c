/**
 * `samples.jsonl` (DESIGN.md 3.4): one line per measured request, appended as requests finish.
 * Written by the sweep runners, read back by `--resume`, by `planner fit` and by reports.
 */
import {createReadStream, existsSync} from 'node:fs';
import readline from 'node:readline';
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

/** Read every sample; a bad line is an error naming file and line. */
export async function readSamples(file: string): Promise<SampleRecord[]> {
  if (!existsSync(file)) return [];
  const out: SampleRecord[] = [];
  const lines = readline.createInterface({input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY});
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    let rec: SampleRecord;
    try {
      rec = JSON.parse(text) as SampleRecord;
    } catch {
      // A sweep killed mid-write leaves a partial last line; anything else is corruption.
      throw badInput(`${file}:${n}: not a JSON sample record`, 'a partial last line from an interrupted sweep can be deleted');
    }
    if (typeof rec !== 'object' || rec === null || typeof rec.point !== 'string' || (rec.phase !== 'prefill' && rec.phase !== 'decode')) {
      throw badInput(`${file}:${n}: not a sample record (needs "point" and "phase")`);
    }
    const problem = sampleProblem(rec as unknown as Record<string, unknown>);
    if (problem) throw badInput(`${file}:${n}: ${problem}`);
    out.push(rec);
  }
  return out;
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
