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
    out.push(rec);
  }
  return out;
}
