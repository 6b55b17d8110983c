/**
 * Prompts of an exact token length without the model's tokenizer (DESIGN.md 4): text made of
 * common English words, whose token count per word is calibrated from `usage.prompt_tokens` of
 * probe requests (a line through two probe sizes: tokens = overhead + perWord * words). With a
 * `tokenizer.json`, completions prompts are token-id arrays drawn from its vocabulary (exact by
 * construction; the server's fixed overhead, e.g. a BOS, is calibrated the same way).
 *
 * Every prompt starts with a random prefix so no prefix cache can serve it.
 */
import {randomInt} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import {badInput, failure, option} from '../../errors.js';

/** Short, common words: one token each (with their leading space) in the usual BPE vocabularies. */
const WORDS = [
  'the', 'time', 'people', 'year', 'way', 'day', 'man', 'thing', 'woman', 'life', 'child', 'world', 'school', 'state', 'family', 'student',
  'group', 'country', 'problem', 'hand', 'part', 'place', 'case', 'week', 'company', 'system', 'program', 'question', 'work', 'number', 'night', 'point',
  'home', 'water', 'room', 'mother', 'area', 'money', 'story', 'fact', 'month', 'lot', 'right', 'study', 'book', 'eye', 'job', 'word',
  'business', 'issue', 'side', 'kind', 'head', 'house', 'service', 'friend', 'father', 'power', 'hour', 'game', 'line', 'end', 'member', 'law',
];

/** Words in the unique prefix of every prompt: 64^8 combinations. */
export const PREFIX_WORDS = 8;

export interface Calibration {
  /** Prompt tokens the server adds to any prompt (template, BOS). */
  overheadTokens: number;
  /** Tokens per prompt unit (word, or token id). */
  tokensPerUnit: number;
}

export interface Probe {
  units: number;
  promptTokens: number;
}

/** Least-squares line through the probes; one probe means no overhead. */
export function calibrate(probes: Probe[]): Calibration {
  if (probes.length === 0) throw new Error('calibration needs at least one probe');
  if (probes.length === 1 || probes.every((p) => p.units === probes[0]!.units)) {
    return {overheadTokens: 0, tokensPerUnit: probes[0]!.promptTokens / probes[0]!.units};
  }
  const n = probes.length;
  const mx = probes.reduce((s, p) => s + p.units, 0) / n;
  const my = probes.reduce((s, p) => s + p.promptTokens, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of probes) {
    sxy += (p.units - mx) * (p.promptTokens - my);
    sxx += (p.units - mx) ** 2;
  }
  const tokensPerUnit = sxy / sxx;
  if (!(tokensPerUnit > 0)) throw failure(`prompt calibration failed: usage.prompt_tokens did not grow with the prompt (${probes.map((p) => `${p.units} -> ${p.promptTokens}`).join(', ')})`, `give ${option('tokenizer')} tokenizer.json of the served model`);
  return {overheadTokens: Math.max(0, my - tokensPerUnit * mx), tokensPerUnit};
}

/** Prompt units for a target ISL (at least the prefix plus one). */
export function unitsFor(isl: number, cal: Calibration, minUnits = PREFIX_WORDS + 1): number {
  return Math.max(minUnits, Math.round((isl - cal.overheadTokens) / cal.tokensPerUnit));
}

export type RandomInt = (maxExclusive: number) => number;
const cryptoInt: RandomInt = (max) => randomInt(max);

/** A prompt of `units` words: a random prefix, then filler cycling through the word list. */
export function wordPrompt(units: number, random: RandomInt = cryptoInt): string {
  const parts: string[] = [];
  const prefix = Math.min(PREFIX_WORDS, units);
  for (let i = 0; i < prefix; i++) parts.push(WORDS[random(WORDS.length)]!);
  for (let i = prefix; i < units; i++) parts.push(WORDS[i % WORDS.length]!);
  return parts.join(' ');
}

/** Token ids a prompt may use: the tokenizer's vocabulary minus added/special tokens. */
export interface IdVocabulary {
  ids: number[];
  file: string;
}

/** Read a Hugging Face tokenizer.json: `model.vocab` (object or [token, score] list) minus `added_tokens`. */
export async function loadTokenizerVocabulary(file: string): Promise<IdVocabulary> {
  let doc: {model?: {vocab?: unknown}; added_tokens?: {id?: unknown}[]};
  try {
    doc = JSON.parse(await readFile(file, 'utf8')) as typeof doc;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw badInput(`${option('tokenizer')} ${file}: ${code === 'ENOENT' ? 'the file does not exist' : `not a JSON tokenizer file (${(err as Error).message})`}`);
  }
  const vocab = doc?.model?.vocab;
  const special = new Set((doc.added_tokens ?? []).map((t) => t?.id).filter((id): id is number => typeof id === 'number'));
  let ids: number[] = [];
  if (Array.isArray(vocab)) ids = vocab.map((_, i) => i);
  else if (vocab && typeof vocab === 'object') ids = Object.values(vocab as Record<string, unknown>).filter((v): v is number => Number.isInteger(v));
  else throw badInput(`${option('tokenizer')} ${file}: no model.vocab in it`, 'give the tokenizer.json of the served model');
  // Byte-fallback and control pieces like <0x0A> or <s> are left out too.
  const names = Array.isArray(vocab) ? [] : Object.entries(vocab as Record<string, number>);
  const bad = new Set<number>(special);
  for (const [tok, id] of names) if (/^<.*>$/.test(tok)) bad.add(id);
  ids = ids.filter((id) => !bad.has(id));
  if (ids.length < 100) throw badInput(`${option('tokenizer')} ${file}: only ${ids.length} usable token ids`);
  return {ids, file};
}

/** A token-id prompt of `units` ids drawn at random (unique prefix by construction). */
export function idPrompt(units: number, vocab: IdVocabulary, random: RandomInt = cryptoInt): number[] {
  const out = new Array<number>(units);
  for (let i = 0; i < units; i++) out[i] = vocab.ids[random(vocab.ids.length)]!;
  return out;
}

/** Builds prompts of a target ISL once calibrated. */
export class PromptSource {
  calibration: Calibration = {overheadTokens: 0, tokensPerUnit: 1};
  constructor(readonly vocabulary?: IdVocabulary, private readonly random: RandomInt = cryptoInt) {}

  /** A prompt of `units` units (for probes). */
  raw(units: number): string | number[] {
    return this.vocabulary ? idPrompt(units, this.vocabulary, this.random) : wordPrompt(units, this.random);
  }

  /** A unique prompt aimed at `isl` tokens. */
  forIsl(isl: number): string | number[] {
    return this.raw(unitsFor(isl, this.calibration, this.vocabulary ? 1 : PREFIX_WORDS + 1));
  }
}
