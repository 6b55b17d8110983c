/**
 * Reads the profile that drives a simulated engine.
 * TODO(merge): replace the body with the lead's `loadProfile` from src/profile/io.ts once it is on main.
 */
import {readFile, stat} from 'node:fs/promises';
import path from 'node:path';
import {badInput} from '../../errors.js';
import {PROFILE_FILE, type Profile} from '../../profile/types.js';

export async function readProfileForSim(dirOrFile: string): Promise<{profile: Profile; file: string}> {
  let file = dirOrFile;
  try {
    if ((await stat(dirOrFile)).isDirectory()) file = path.join(dirOrFile, PROFILE_FILE);
  } catch {
    throw badInput(`profile ${dirOrFile} does not exist`);
  }
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw badInput(`cannot read profile ${file}: ${(err as Error).message}`);
  }
  const p = value as Partial<Profile>;
  if (typeof p !== 'object' || p === null || p.format !== 'planner-profile' || typeof p.engine !== 'object') {
    throw badInput(`${file} is not a planner profile (format "planner-profile" with an engine section expected)`);
  }
  return {profile: p as Profile, file};
}
