/**
 * Simulated closed-loop serving vs measured runs (fixtures/serving/agg_serving_calibration.csv):
 * every run is simulated as `planner simulate --synthetic` would (the library, in-process) and its
 * mean TTFT and TPOT compared with the measurement. Prints MAPE and median absolute error per
 * backend, GPU, model and TP, the worst runs, and grouped cross-validation: the serving overheads
 * and closed-loop spread are refitted without one backend version (or one GPU) and the left-out
 * runs predicted with them, so a fit that only memorises runs shows up.
 *
 *   npx tsx bench/serving-accuracy.ts [--json] [--worst N] [--backend vllm|sglang|trtllm]
 *
 * AIConfigurator's published accuracy on such runs: about 36 % TTFT and 25 % TPOT mean error.
 */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseMeasuredRuns, predictRun, type MeasuredRun, type RunPrediction} from '../src/engines/sim/measured-runs.js';
import {fitBackend, fitLimitsFor, selectRuns, sensitivities, type OverheadFit} from '../src/engines/sim/serving-fit.js';
import type {Profile} from '../src/profile/types.js';
import {median} from '../src/stats.js';
import {EXIT_BAD_INPUT, isTpUnfit, PlannerError} from '../src/errors.js';
import {textTable} from '../src/ui/table.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const file = 'fixtures/serving/agg_serving_calibration.csv';
const args = process.argv.slice(2);
const worstCount = args.includes('--worst') ? Number(args[args.indexOf('--worst') + 1]) : 15;
const AIC = {ttftPct: 36, tpotPct: 25};

interface Scored {
  run: MeasuredRun;
  pred?: RunPrediction;
  /** |pred / measured - 1|, NaN when the run could not be simulated. */
  ttftErr: number;
  tpotErr: number;
}

function score(run: MeasuredRun, pred: RunPrediction | undefined): Scored {
  if (!pred) return {run, ttftErr: Number.NaN, tpotErr: Number.NaN};
  return {run, pred, ttftErr: Math.abs(pred.ttftMs / run.ttftMs - 1), tpotErr: Math.abs(pred.tpotMs / run.tpotMs - 1)};
}

function simulate(run: MeasuredRun, fit?: OverheadFit): RunPrediction | undefined {
  try {
    return predictRun(run, fit ? {oslSpread: fit.oslSpread, synthetic: {overheads: {perRequestMs: fit.perRequestMs, perIterationMs: fit.perIterationMs}}} : {});
  } catch (err) {
    // A run the engine cannot hold (the model or one request does not fit) has no prediction.
    if (err instanceof PlannerError && err.exitCode === EXIT_BAD_INPUT) return undefined;
    if (isTpUnfit(err)) return undefined;
    throw err;
  }
}

const backendOnly = args.includes('--backend') ? args[args.indexOf('--backend') + 1] : undefined;
// --backend: that backend's runs only (its fits never use other backends' runs, so its figures are the same as in a full run).
const runs = parseMeasuredRuns(readFileSync(path.join(root, file), 'utf8'), file).filter((r) => backendOnly === undefined || r.backend === backendOnly);
if (runs.length === 0) throw new Error(`no runs of backend "${backendOnly}" in ${file}`);
const h200Profile = JSON.parse(readFileSync(path.join(root, 'profiles/h200-llama3.1-8b-fp8-tp1/profile.json'), 'utf8')) as Profile;
const t0 = performance.now();
const progress = (label: string) => (done: number, total: number) => {
  if (done % 200 === 0 || done === total) process.stderr.write(`${label}: ${done}/${total}\n`);
};

// In-sample: the shipped overheads (src/engines/synthetic/serving-overheads.ts).
const shipped = runs.map((run, i) => {
  progress('shipped overheads')(i + 1, runs.length);
  return score(run, simulate(run));
});

// Grouped cross-validation.
const all = sensitivities(runs, progress('sensitivities'));
const versionOf = (r: MeasuredRun) => `${r.backend} ${r.backendVersion || '(unrecorded)'}`;
function crossValidate(groupOf: (r: MeasuredRun) => string, label: string): {scored: Scored[]; fits: string[]} {
  const out = new Map<MeasuredRun, Scored>();
  const fits: string[] = [];
  const groups = [...new Set(runs.map(groupOf))].sort();
  let done = 0;
  for (const g of groups) {
    for (const backend of [...new Set(runs.filter((r) => groupOf(r) === g).map((r) => r.backend))]) {
      const training = selectRuns(all, (r) => r.backend === backend && groupOf(r) !== g);
      const n = [...training.values()][0]!.length;
      const fit = n > 0 ? fitBackend(training, fitLimitsFor(backend, h200Profile)) : undefined;
      fits.push(`without ${g}: ${backend} ${fit ? `${fit.perRequestMs} ms/request, ${fit.perIterationMs.toFixed(2)} ms/iteration, spread ${fit.oslSpread} (${n} runs)` : 'no training runs: uncalibrated defaults'}`);
      for (const run of runs.filter((r) => groupOf(r) === g && r.backend === backend)) {
        out.set(run, score(run, simulate(run, fit ?? {perRequestMs: 20, perIterationMs: 1, oslSpread: 0.1, objective: 0, runs: 0})));
        progress(label)(++done, runs.length);
      }
    }
  }
  return {scored: runs.map((r) => out.get(r)!), fits};
}
const byVersion = crossValidate(versionOf, 'leave one backend version out');
const byGpu = crossValidate((r) => r.gpu, 'leave one GPU out');
const wallS = (performance.now() - t0) / 1000;

interface Summary {
  runs: number;
  ttftMapePct: number;
  ttftMedianPct: number;
  tpotMapePct: number;
  tpotMedianPct: number;
}
function summarise(rows: readonly Scored[]): Summary {
  const ok = rows.filter((r) => Number.isFinite(r.ttftErr));
  const mean = (xs: number[]) => (100 * xs.reduce((a, b) => a + b, 0)) / xs.length;
  return {
    runs: ok.length,
    ttftMapePct: mean(ok.map((r) => r.ttftErr)),
    ttftMedianPct: 100 * median(ok.map((r) => r.ttftErr)),
    tpotMapePct: mean(ok.map((r) => r.tpotErr)),
    tpotMedianPct: 100 * median(ok.map((r) => r.tpotErr)),
  };
}

const dimensions: [string, (r: MeasuredRun) => string][] = [
  ['all', () => 'all runs'],
  ['backend', (r) => r.backend],
  ['backend version', versionOf],
  ['GPU', (r) => r.gpu],
  ['model', (r) => `${r.modelId.split('/').pop()} ${r.quant}`],
  ['TP', (r) => `tp${r.tp}`],
];
const columns = {shipped, 'CV: version out': byVersion.scored, 'CV: GPU out': byGpu.scored};
const report = dimensions.map(([dim, keyOf]) => {
  const keys = [...new Set(runs.map(keyOf))].sort();
  return {
    dimension: dim,
    groups: keys.map((key) => ({
      key,
      ...Object.fromEntries(Object.entries(columns).map(([name, rows]) => [name, summarise(rows.filter((r) => keyOf(r.run) === key))])),
    })) as ({key: string} & Record<keyof typeof columns, Summary>)[],
  };
});
const worst = [...byVersion.scored]
  .filter((r) => Number.isFinite(r.ttftErr))
  .sort((a, b) => Math.max(b.ttftErr, b.tpotErr) - Math.max(a.ttftErr, a.tpotErr))
  .slice(0, worstCount);
const unsimulated = shipped.filter((r) => !Number.isFinite(r.ttftErr)).map((r) => r.run.line);

if (args.includes('--json')) {
  process.stdout.write(`${JSON.stringify({report, worst: worst.map((w) => ({...w.run, predicted: w.pred})), fits: {version: byVersion.fits, gpu: byGpu.fits}, unsimulated, aic: AIC, wallS}, null, 2)}\n`);
} else {
  const pct = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');
  const out: string[] = [
    `Simulated vs measured closed-loop serving: ${runs.length} runs from ${file} (simulate --synthetic, each backend's scheduler policy; ${wallS.toFixed(0)} s)`,
    `Columns: MAPE / median absolute error, %. "shipped" = the fitted overheads in src/engines/synthetic/serving-overheads.ts (in-sample);`,
    `"CV" = overheads and spread refitted without the run's backend version, or without its GPU (out-of-sample). AIConfigurator: ~${AIC.ttftPct} % TTFT, ~${AIC.tpotPct} % TPOT mean error.`,
    '',
  ];
  for (const {dimension, groups} of report) {
    const header = [dimension, 'runs', ...Object.keys(columns).flatMap((c) => [`TTFT ${c}`, `TPOT ${c}`])];
    const body = groups.map((g) => [
      g.key,
      String(g.shipped.runs),
      ...Object.keys(columns).flatMap((c) => {
        const s = g[c as keyof typeof columns];
        return [`${pct(s.ttftMapePct)} / ${pct(s.ttftMedianPct)}`, `${pct(s.tpotMapePct)} / ${pct(s.tpotMedianPct)}`];
      }),
    ]);
    out.push(...textTable(header, body, {rightAligned: (i) => i > 0}), '');
  }
  out.push(`Worst ${worst.length} runs (leave-one-version-out predictions):`);
  out.push(
    ...textTable(
      ['line', 'gpu', 'backend', 'model', 'tp', 'isl/osl', 'conc', 'TTFT meas', 'TTFT pred', 'TPOT meas', 'TPOT pred', 'preempt'],
      worst.map((w) => [
        String(w.run.line),
        w.run.gpu,
        versionOf(w.run),
        `${w.run.modelId.split('/').pop()} ${w.run.quant}`,
        String(w.run.tp),
        `${w.run.isl}/${w.run.osl}`,
        String(w.run.concurrency),
        w.run.ttftMs.toFixed(0),
        w.pred!.ttftMs.toFixed(0),
        w.run.tpotMs.toFixed(1),
        w.pred!.tpotMs.toFixed(1),
        String(w.pred!.preemptions),
      ]),
    ),
  );
  out.push('', 'Cross-validation fits:', ...byVersion.fits.map((f) => `  ${f}`), ...byGpu.fits.map((f) => `  ${f}`));
  if (unsimulated.length > 0) out.push('', `Not simulated (do not fit in KV): lines ${unsimulated.join(', ')}`);
  process.stdout.write(`${out.join('\n')}\n`);
}
