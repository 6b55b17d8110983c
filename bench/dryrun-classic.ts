/**
 * Benchmark: classic dry run of a 24 h sinusoidal trace at 50 req/s on average (25..75 req/s,
 * 1 h period), shipped H200 profile, 180 s interval (480 decisions).
 * Run: npm run build && npx tsx bench/dryrun-classic.ts [--predictors arima,kalman,...]
 * Prints each phase's wall time, its speed-up over real time, its ratio to the constant
 * predictor's dry run, and the process's peak RSS.
 */
import {mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {sinTrace, SIN_DEFAULTS, type SinOptions} from '../src/trace/sin.js';
import {readTraceBatches, writeTrace} from '../src/trace/mooncake.js';
import {bucketTrace} from '../src/trace/windows.js';
import {loadProfile} from '../src/profile/io.js';
import {DecodeInterpolator, PrefillInterpolator} from '../src/profile/interpolate/spline.js';
import {createPredictor, PREDICTOR_NAMES, type PredictorName} from '../src/planner/predictors/index.js';
import {runClassicDryrun} from '../src/planner/dryrun-classic.js';
import {classicReport, ticksCsv} from '../src/planner/dryrun-report.js';
import {renderReport} from '../src/report/html.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = process.argv.indexOf('--predictors');
const predictors = (arg > 0 ? process.argv[arg + 1]!.split(',') : [...PREDICTOR_NAMES]) as PredictorName[];
const DAY_S = 86400;
const sin: SinOptions = {...SIN_DEFAULTS, timeDurationS: DAY_S, requestRateMin: 25, requestRateMax: 75, requestRatePeriodS: 3600,
  islOslRatioPeriodS: 7200, isl1: 3000, osl1: 150, isl2: 8000, osl2: 500, seed: 1};
const cfg = {intervalS: 180, ttftMs: 500, itlMs: 50, startPrefill: 1, startDecode: 1, maxGpuBudget: 16, minEndpoint: 1, prefillGpus: 1, decodeGpus: 1};

const rssMb = () => process.resourceUsage().maxRSS / 1024;
async function timed<T>(fn: () => Promise<T> | T): Promise<{value: T; s: number}> {
  const t0 = performance.now();
  const value = await fn();
  return {value, s: (performance.now() - t0) / 1000};
}

const dir = mkdtempSync(path.join(tmpdir(), 'bench-dryrun-'));
const file = path.join(dir, 'day.jsonl');
const rows: Array<[string, number, string]> = [];
try {
  const gen = await timed(() => writeTrace(file, sinTrace(sin)));
  rows.push([`write trace (${gen.value} req, ${(statSync(file).size / 1e6).toFixed(0)} MB)`, gen.s, `${rssMb().toFixed(0)} MB`]);
  const read = await timed(() => bucketTrace(readTraceBatches(file), cfg.intervalS));
  rows.push([`read + bucket trace (${read.value.length} intervals)`, read.s, `${rssMb().toFixed(0)} MB`]);
  const mem = await timed(() => bucketTrace(sinTrace(sin), cfg.intervalS));
  rows.push(['generate + bucket in memory', mem.s, `${rssMb().toFixed(0)} MB`]);

  const profile = await loadProfile(path.join(root, 'profiles/h200-llama3.1-8b-fp8-tp1'));
  const interp = await timed(() => ({prefill: new PrefillInterpolator(profile.prefill!), decode: new DecodeInterpolator(profile.decode!)}));
  rows.push(['build interpolators (100x100 decode grid)', interp.s, `${rssMb().toFixed(0)} MB`]);

  const planTimes: Record<string, number> = {};
  for (const name of predictors) {
    const make = () => createPredictor(name);
    const run = await timed(() => runClassicDryrun(read.value, cfg, interp.value, {numReq: make(), isl: make(), osl: make()}));
    planTimes[name] = run.s;
    rows.push([`plan 480 intervals, ${name} (peak ${run.value.summary.peakGpus} GPUs, ${run.value.summary.gpuHours.toFixed(1)} GPU-h)`, run.s, `${rssMb().toFixed(0)} MB`]);
    if (name === predictors[0]) {
      const rep = await timed(() => renderReport(classicReport(run.value.ticks, {config: cfg, summary: run.value.summary, predictor: name, load: 'bench', profile: 'h200'})).length + ticksCsv(run.value.ticks, cfg.intervalS).length);
      rows.push(['render report.html + ticks.csv', rep.s, `${rssMb().toFixed(0)} MB`]);
    }
  }
  const endToEnd = read.s + interp.s + (planTimes.arima ?? planTimes[predictors[0]!]!);
  rows.push([`end to end from the file (read + interpolators + ${planTimes.arima !== undefined ? 'arima' : predictors[0]})`, endToEnd, `${rssMb().toFixed(0)} MB`]);

  const base = planTimes.constant;
  console.log(`classic dry run, 24 h sinusoidal trace at 50 req/s mean, ${cfg.intervalS} s interval`);
  console.log(`${'phase'.padEnd(72)} ${'wall s'.padStart(8)} ${'x real time'.padStart(12)} ${'vs constant'.padStart(12)} ${'peak RSS'.padStart(9)}`);
  for (const [label, s, rss] of rows) {
    const planned = /^plan/.test(label) && base !== undefined ? `${(s / base).toFixed(1)}x` : '';
    console.log(`${label.padEnd(72)} ${s.toFixed(3).padStart(8)} ${(DAY_S / s).toFixed(0).padStart(11)}x ${planned.padStart(12)} ${rss.padStart(9)}`);
  }
} finally {
  rmSync(dir, {recursive: true, force: true});
}
