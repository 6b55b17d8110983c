/**
 * Writing output files safely: every destination is checked (its directory created one level at a
 * time, and writable) before anything is written, and every file is written under a temporary
 * name and renamed into place when complete, so a failure never leaves a partial or half-replaced
 * output. (Node 20's `mkdir(dir, {recursive: true})` never returns for some paths, e.g.
 * `/proc/x`; a non-recursive mkdir per level fails cleanly instead.)
 */
import {closeSync, constants, openSync, renameSync, rmSync, writeSync} from 'node:fs';
import {access, mkdir, rename, rm, stat, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {PlannerError, failure} from './errors.js';

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/** Nothing there (ENOENT), or a file where a directory of the path should be (ENOTDIR: said by makeDirectory). */
function absent(err: unknown): boolean {
  const c = (err as NodeJS.ErrnoException).code;
  return c === 'ENOENT' || c === 'ENOTDIR';
}

/** Create `dir` and its missing parents one level at a time; fail with the path that cannot be made. */
export async function makeDirectory(dir: string): Promise<void> {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      const s = await stat(cur);
      if (!s.isDirectory()) throw failure(`${cur} is not a directory, so ${abs} cannot be created`);
      break;
    } catch (err) {
      if (!absent(err)) {
        if (err instanceof PlannerError) throw err;
        throw failure(`${cur}: cannot use as a directory (${code(err)})`);
      }
      missing.push(cur);
      const parent = path.dirname(cur);
      if (parent === cur) break;
      cur = parent;
    }
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw failure(`${d}: cannot create directory (${code(err)})`);
    }
  }
  try {
    await access(abs, constants.W_OK);
  } catch (err) {
    throw failure(`${abs}: directory is not writable (${code(err)})`);
  }
}

/** Check (and create) the directories of every output before any output is written. */
export async function prepareOutputs(files: readonly string[]): Promise<void> {
  for (const f of files) {
    try {
      const s = await stat(f);
      if (s.isDirectory()) throw failure(`${f} is a directory, not a file`);
    } catch (err) {
      if (!absent(err)) {
        if (err instanceof PlannerError) throw err;
        throw failure(`${f}: cannot write (${code(err)})`);
      }
    }
  }
  for (const dir of new Set(files.map((f) => path.dirname(path.resolve(f))))) await makeDirectory(dir);
}

function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
}

export interface OutputFile {
  file: string;
  data: string | Uint8Array;
}

/**
 * Write several files as one output: destinations prepared first, every file written to a
 * temporary name, then all renamed into place. On any failure no destination is touched.
 */
export async function writeOutputs(outputs: readonly OutputFile[]): Promise<string[]> {
  await prepareOutputs(outputs.map((o) => o.file));
  const temps: string[] = [];
  try {
    for (const o of outputs) {
      const tmp = tempName(o.file);
      temps.push(tmp);
      await writeFile(tmp, o.data);
    }
    for (let i = 0; i < outputs.length; i += 1) await rename(temps[i]!, outputs[i]!.file);
  } catch (err) {
    await Promise.all(temps.map((t) => rm(t, {force: true})));
    if (err instanceof PlannerError) throw err;
    throw failure(`${outputs.map((o) => o.file).join(', ')}: cannot write (${code(err)})`);
  }
  return outputs.map((o) => o.file);
}

/** Write one file atomically (see writeOutputs). */
export async function writeOutput(file: string, data: string | Uint8Array): Promise<string> {
  await writeOutputs([{file, data}]);
  return file;
}

/**
 * A file streamed in pieces (e.g. a generated trace) under a temporary name: `commit()` renames
 * it into place, `abort()` removes it. The destination's directory must be prepared first.
 */
export class StreamedOutput {
  private readonly tmp: string;
  private fd: number | null;

  constructor(readonly file: string) {
    this.tmp = tempName(file);
    try {
      this.fd = openSync(this.tmp, 'w');
    } catch (err) {
      throw failure(`${file}: cannot write (${code(err)})`);
    }
  }

  write(text: string): void {
    if (this.fd === null) throw new Error('StreamedOutput: write after close');
    writeSync(this.fd, text);
  }

  commit(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    try {
      renameSync(this.tmp, this.file);
    } catch (err) {
      rmSync(this.tmp, {force: true});
      throw failure(`${this.file}: cannot write (${code(err)})`);
    }
  }

  abort(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.tmp, {force: true});
  }
}
