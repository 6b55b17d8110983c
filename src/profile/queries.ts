/** SLA queries from a JSONL file (`{"isl","osl","ttft","itl"}` per line), read line by line. */
import {createReadStream, existsSync} from 'node:fs';
import readline from 'node:readline';
import {badInput} from '../errors.js';
import {LATENCY_MS, TOKENS, checkNumber, type NumberRange} from '../limits.js';
import type {SlaQuery} from './sla.js';

function checked(value: unknown, key: string, where: string, range: NumberRange): number {
  if (typeof value !== 'number') throw badInput(`${where}: ${key} must be a number (got ${JSON.stringify(value)})`);
  return checkNumber(value, range, `${where}: ${key}`);
}

/** Parse one query line; fields left out take the defaults. */
export function parseQueryLine(line: string, where: string, defaults: SlaQuery): SlaQuery {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    throw badInput(`${where}: not a JSON object`, 'each line must look like {"isl":3000,"osl":300,"ttft":200,"itl":10}');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw badInput(`${where}: not a JSON object`);
  const q = doc as Record<string, unknown>;
  return {
    isl: q.isl === undefined ? defaults.isl : checked(q.isl, 'isl', where, {...TOKENS, min: 0, exclusiveMin: true}),
    osl: q.osl === undefined ? defaults.osl : checked(q.osl, 'osl', where, {...TOKENS, min: 0, exclusiveMin: true}),
    ttftMs: q.ttft === undefined ? defaults.ttftMs : checked(q.ttft, 'ttft', where, LATENCY_MS),
    itlMs: q.itl === undefined ? defaults.itlMs : checked(q.itl, 'itl', where, LATENCY_MS),
  };
}

/** The queries of a JSONL file with their line numbers; blank lines are skipped. A missing file throws here, before any output. */
export function readQueries(file: string, defaults: SlaQuery): AsyncGenerator<{line: number; query: SlaQuery}> {
  if (!existsSync(file)) throw badInput(`query file ${file} does not exist`);
  return queryLines(file, defaults);
}

async function* queryLines(file: string, defaults: SlaQuery): AsyncGenerator<{line: number; query: SlaQuery}> {
  const lines = readline.createInterface({input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY});
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    yield {line: n, query: parseQueryLine(text, `${file}:${n}`, defaults)};
  }
}
