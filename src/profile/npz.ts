/** NPZ files: a zip of `.npy` members, one per named array (what `numpy.savez` writes). */
import {readFile} from 'node:fs/promises';
import {writeOutput} from '../outputs.js';
import {badInput} from '../errors.js';
import {encodeNpy, parseNpy, type NpyArray} from './npy.js';
import {readZip, writeZip} from './zip.js';

export type NpzArrays = Record<string, NpyArray>;

/** Parse an NPZ held in memory; `file` names it in errors. */
export function parseNpz(buf: Buffer, file: string): NpzArrays {
  const members = readZip(buf, file).filter((m) => m.name.endsWith('.npy'));
  if (members.length === 0) throw badInput(`${file}: the archive holds no .npy arrays`, 'is this an .npz file written by numpy.savez?');
  const out: NpzArrays = {};
  for (const m of members) {
    const key = m.name.slice(0, -'.npy'.length);
    out[key] = parseNpy(m.data, `${file}:${m.name}`);
  }
  return out;
}

export function encodeNpz(arrays: NpzArrays): Buffer {
  return writeZip(Object.entries(arrays).map(([key, array]) => ({name: `${key}.npy`, data: encodeNpy(array)})));
}

export async function readNpz(file: string): Promise<NpzArrays> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw badInput(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseNpz(buf, file);
}

export async function writeNpz(file: string, arrays: NpzArrays): Promise<void> {
  await writeOutput(file, encodeNpz(arrays));
}
