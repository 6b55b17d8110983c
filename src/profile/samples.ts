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
    out.push(rec);
  });
  return out;
}

/** Read every sample of a file (none when it does not exist); see parseSamples. */
export async function readSamples(file: string): Promise<SampleRecord[]> {
  if (!existsSync(file)) return [];
  return parseSamples(await readFile(file, 'utf8'), file);
}
