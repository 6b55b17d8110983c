/** Reading and writing profiles (DESIGN.md 3.1). */
import {existsSync, readdirSync, statSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {writeOutput, type OutputFile} from '../outputs.js';
import path from 'node:path';
import {badInput} from '../errors.js';
import {TOOL_NAME} from '../version.js';
import {findDynamoFiles, isDynamoResultsDir, readDynamoFiles, type DynamoPhases} from './dynamo.js';
import {PROFILE_FILE, type EngineInfo, type Profile, type ProfileSource} from './types.js';
import {validateProfile} from './validate.js';

export {validateProfile};

/**
 * The profile.json of a profile directory (or the file itself when given one). A directory of
 * `tpN` profiles stands for its only profile; with several, the error lists them.
 */
export function profileFileOf(dirOrFile: string): string {
  if (existsSync(dirOrFile) && statSync(dirOrFile).isFile()) return dirOrFile;
  const subs = tpProfileDirs(dirOrFile);
  if (subs.length > 1) {
    const names = subs.map((d) => path.basename(d));
    throw badInput(`${dirOrFile} holds one profile per TP (${names.join(', ')}): give one of them, e.g. ${path.join(dirOrFile, names[0]!)}`);
  }
  return path.join(subs[0] ?? dirOrFile, PROFILE_FILE);
}

/**
 * The `tpN` profile directories `profile --synthetic` and `profile --launch` write, in TP order,
 * when `dir` is not itself a profile (empty otherwise).
 */
export function tpProfileDirs(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory() || existsSync(path.join(dir, PROFILE_FILE))) return [];
  return readdirSync(dir)
    .filter((name) => /^tp\d+$/.test(name) && existsSync(path.join(dir, name, PROFILE_FILE)))
    .sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)))
    .map((name) => path.join(dir, name));
}

/** Position -> line:column, so a JSON syntax error points at the spot. */
function lineColumn(text: string, message: string): string {
  // Node names the position in some versions; otherwise point at a NaN/Infinity token if there is one.
  const m = /position (\d+)/.exec(message) ?? /\b(?:NaN|-?Infinity)\b/.exec(text);
  if (!m) return '';
  const offset = m[0].startsWith('position') ? Number(m[1]) : m.index;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return ` at line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

export function parseProfileText(text: string, file: string): Profile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const nan = /\bNaN\b|\bInfinity\b/.test(text) ? ' (NaN and Infinity are not allowed in a profile)' : '';
    throw badInput(`${file}: not valid JSON${lineColumn(text, message)}${nan}`);
  }
  return validateProfile(doc, file);
}

/**
 * Load and validate a profile from a directory (its profile.json), a profile.json file, or a
 * Dynamo results directory (converted in memory, as `profile import` would).
 */
export async function loadProfile(dirOrFile: string): Promise<Profile> {
  if (!existsSync(dirOrFile)) throw badInput(`profile ${dirOrFile} does not exist`, 'give a profile directory such as profiles/h200-llama3.1-8b-fp8-tp1');
  const file = profileFileOf(dirOrFile);
  if (!existsSync(file)) {
    if (isDynamoResultsDir(dirOrFile)) return profileFromDynamo(await readDynamoFiles(findDynamoFiles(dirOrFile)), {origin: dirOrFile});
    throw badInput(`${dirOrFile}: no ${PROFILE_FILE} here, and no Dynamo results (selected_*_interpolation/raw_data.npz)`, 'create one with `planner profile` or `planner profile import`');
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw badInput(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseProfileText(text, file);
}

/** Write `dir/profile.json` (creating `dir`); returns the file written. */
export async function saveProfile(dir: string, profile: Profile): Promise<string> {
  return saveProfileFile(path.join(dir, PROFILE_FILE), profile);
}

/** Validate and write a profile to exactly `file` (atomically: the old file stays until the new one is complete). */
export async function saveProfileFile(file: string, profile: Profile): Promise<string> {
  const out = profileOutput(file, profile);
  return writeOutput(out.file, out.data);
}

/** A validated profile as an output file, to write together with others (writeOutputs). */
export function profileOutput(file: string, profile: Profile): OutputFile {
  validateProfile(profile, file);
  return {file, data: `${JSON.stringify(profile, null, 2)}\n`};
}

export interface ImportOptions {
  engine?: Partial<EngineInfo>;
  origin?: string;
  source?: Partial<ProfileSource>;
}

/** Build a validated profile from Dynamo's phase data. */
export function profileFromDynamo(phases: DynamoPhases, options: ImportOptions = {}): Profile {
  const maxKvTokens = phases.decode?.max_kv_tokens;
  const tp = options.engine?.tp ?? 1;
  const profile: Profile = {
    format: 'planner-profile',
    version: 1,
    engine: {
      model: 'unknown',
      gpu: 'unknown',
      tp,
      gpusPerEngine: tp,
      backend: 'unknown',
      ...(maxKvTokens !== undefined ? {maxKvTokens} : {}),
      ...options.engine,
    },
    source: {
      kind: 'import',
      createdAt: new Date().toISOString(),
      tool: TOOL_NAME,
      origin: options.origin ?? phases.files.join(', '),
      ...options.source,
    },
    ...(phases.prefill ? {prefill: phases.prefill} : {}),
    ...(phases.decode ? {decode: phases.decode} : {}),
    dtypes: phases.dtypes,
  };
  return validateProfile(profile, phases.files.join(' + '));
}
