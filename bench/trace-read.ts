/**
 * Benchmark: how fast a mooncake trace is parsed, beside the raw read speed of the same file in
 * the same run. The trace is made by the project's own `trace sin` (6 h at 25..75 req/s, about
 * 140 MB) in a temporary directory.
 * Run: npm run build && npx tsx bench/trace-read.ts [--hours 6]
 * Goal (issue 15): readTraceBatches >= 120 MB/s (it was 40 MB/s as a promise per line, 98-135 MB/s
 * with one JSON.parse per line); aimed at >= 150 MB/s so that it holds on a loaded machine.
 */
import {spawnSync} from 'node:child_process';
import {createReadStream, mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {readTrace, readTraceBatches} from '../src/trace/mooncake.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const hoursArg = process.argv.indexOf('--hours');
const hours = hoursArg > 0 ? Number(process.argv[hoursArg + 1]) : 6;

/** Wall and CPU time (user + sys) of one reader: on a machine shared with other work, CPU is the fair figure. */
async function timed(fn: () => Promise<number>): Promise<{s: number; cpuS: number; count: number}> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const count = await fn();
  const c = process.cpuUsage(c0);
  return {s: (performance.now() - t0) / 1000, cpuS: (c.user + c.system) / 1e6, count};
}

const dir = mkdtempSync(path.join(tmpdir(), 'bench-trace-'));
try {
  const file = path.join(dir, 'trace.jsonl');
  const gen = spawnSync(process.execPath, [path.join(root, 'bin/run.js'), 'trace', 'sin', '--time-duration', String(hours * 3600), '--request-rate-min', '25',
    '--request-rate-max', '75', '--request-rate-period', '3600', '--isl1', '3000', '--osl1', '150', '--isl2', '8000', '--osl2', '500', '--out', file], {encoding: 'utf8'});
  if (gen.status !== 0) throw new Error(`trace sin failed: ${gen.stderr}`);
  const mb = statSync(file).size / 1e6;

  const rows: [string, {s: number; cpuS: number; count: number}][] = [];
  for (let round = 0; round < 2; round++) {
    const raw = await timed(async () => {
      let bytes = 0;
      for await (const chunk of createReadStream(file, {highWaterMark: 1 << 20})) bytes += (chunk as Buffer).length;
      return bytes;
    });
    const decoded = await timed(async () => {
      let chars = 0;
      for await (const chunk of createReadStream(file, {encoding: 'utf8', highWaterMark: 1 << 20})) chars += (chunk as string).length;
      return chars;
    });
    const batches = await timed(async () => {
      let n = 0;
      for await (const batch of readTraceBatches(file)) n += batch.length;
      return n;
    });
    const perRecord = await timed(async () => {
      let n = 0;
      for await (const _ of readTrace(file)) n++;
      return n;
    });
    // The first round warms the page cache and the JIT; the second is reported.
    if (round === 1) rows.push(['raw read (bytes)', raw], ['raw read + utf8 decode', decoded], ['readTraceBatches (parse + validate)', batches], ['readTrace (one promise per record)', perRecord]);
  }
  console.log(`trace: ${mb.toFixed(0)} MB, ${rows[2]![1].count} records (${hours} h of trace sin)`);
  console.log(`${'reader'.padEnd(40)} ${'wall s'.padStart(7)} ${'MB/s'.padStart(8)} ${'vs raw'.padStart(8)} ${'CPU s'.padStart(7)} ${'MB/CPU-s'.padStart(9)}`);
  const rawS = rows[0]![1].s;
  for (const [label, r] of rows) {
    console.log(`${label.padEnd(40)} ${r.s.toFixed(3).padStart(7)} ${(mb / r.s).toFixed(0).padStart(8)} ${(r.s / rawS).toFixed(1).padStart(7)}x ${r.cpuS.toFixed(3).padStart(7)} ${(mb / r.cpuS).toFixed(0).padStart(9)}`);
  }
  console.log('goal (issue 15): readTraceBatches >= 120 MB/s, with a margin for a loaded machine: >= 150 MB/s');
} finally {
  rmSync(dir, {recursive: true, force: true});
}
