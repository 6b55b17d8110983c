import {Flags} from '@oclif/core';
import {prepareOutputs, writeOutputs} from '../src/outputs.js';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {PlannerCommand} from '../src/ui/command.js';
import {SIN_FLAG_NAMES, sinFlagOf, sinFlags, sinOptionsFromFlags} from '../src/ui/sin-flags.js';
import {GPUS, LATENCY_MS, MAX_INTERVALS} from '../src/limits.js';
import {badInput} from '../src/errors.js';
import {loadProfile} from '../src/profile/io.js';
import {DecodeInterpolator, PrefillInterpolator} from '../src/profile/interpolate/spline.js';
import {newReadStats, readTraceBatches} from '../src/trace/mooncake.js';
import {SIN_DEFAULTS, checkSinOptions, checkSinSize, sinTrace, type SinOptions} from '../src/trace/sin.js';
import {bucketTrace} from '../src/trace/windows.js';
import {PREDICTOR_NAMES, createPredictor, type PredictorName} from '../src/planner/predictors/index.js';
import {runClassicDryrun, type ClassicDryrunConfig} from '../src/planner/dryrun-classic.js';
import {classicReport, ticksCsv} from '../src/planner/dryrun-report.js';
import {renderReport} from '../src/report/html.js';
import type {Profile} from '../src/profile/types.js';
import {numberFlag} from '../src/ui/number-flags.js';

const SHIPPED_PROFILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../profiles/h200-llama3.1-8b-fp8-tp1');

/** The load `planner dryrun` generates when no --trace is given: two hours, 30-minute rate cycles. */
export const DRYRUN_SIN_DEFAULTS: SinOptions = {
  ...SIN_DEFAULTS,
  timeDurationS: 7200,
  requestRateMin: 5,
  requestRateMax: 30,
  requestRatePeriodS: 1800,
  islOslRatioPeriodS: 3600,
  isl1: 3000,
  osl1: 150,
  isl2: 8000,
  osl2: 500,
};

export default class Dryrun extends PlannerCommand {
  static override description = `Dry-run Dynamo's SLA planner over a load trace and write an HTML report.

--mode classic does what Dynamo's planner dry run does: bucket the trace per adjustment interval
(empty buckets dropped), predict the next interval's request count, ISL and OSL, size prefill and
decode replicas from the profile at the TTFT/ITL targets, cap them with the GPU budget (Python
rounding), and compare each interval's load with the "safe" throughput of the replicas deployed.
Without --trace the load is generated in memory from the sin flags. With no flags at all it runs
the shipped H200 profile under a two-hour sinusoidal load and writes dryrun-report/.`;

  static override examples = [
    '<%= config.bin %> dryrun',
    '<%= config.bin %> dryrun --trace trace.jsonl --profile profiles/h200-llama3.1-8b-fp8-tp1 --ttft 200 --itl 20 --out out/',
    '<%= config.bin %> dryrun --predictor kalman --adjustment-interval 60 --request-rate-max 80 --max-gpu-budget 16 --json',
  ];

  static override flags = {
    mode: Flags.string({description: 'Fidelity: classic = interval buckets and formulas, as Dynamo\'s dry run.', options: ['classic'], default: 'classic'}),
    trace: Flags.string({description: 'Mooncake JSONL trace (default: generate one in memory from the sin flags).'}),
    'skip-bad-lines': Flags.boolean({description: 'Skip bad trace records (counted) instead of stopping at the first.', default: false}),
    'warmup-trace': Flags.string({description: 'Mooncake JSONL trace fed to the predictors before the run (history).'}),
    profile: Flags.string({description: 'Profile directory or profile.json for both phases (default: the shipped H200 profile).'}),
    'prefill-profile': Flags.string({description: 'Profile for prefill (overrides --profile for that phase).'}),
    'decode-profile': Flags.string({description: 'Profile for decode (overrides --profile for that phase).'}),
    ttft: numberFlag({description: 'TTFT target, ms.', default: 500, ...LATENCY_MS}),
    itl: numberFlag({description: 'ITL target, ms.', default: 50, ...LATENCY_MS}),
    'adjustment-interval': numberFlag({description: 'Planner interval, s (one decision per interval).', default: 180, min: 1, minReason: 'the planner cannot resize engines faster', max: 86_400, maxReason: 'longer than a day'}),
    predictor: Flags.string({description: 'Load predictor for request count, ISL and OSL.', options: [...PREDICTOR_NAMES], default: 'arima'}),
    'prediction-window': numberFlag({description: 'Most recent intervals the predictors fit on.', default: 50, min: 1, max: 10_000, maxReason: 'predictors refit on every window each interval', integer: true}),
    'season-period': numberFlag({description: 'Prophet seasonality period, intervals (default: detect; 0 = none).', min: 0, max: 10_000, maxReason: 'longer than the prediction window can hold', integer: true}),
    'start-prefill': numberFlag({description: 'Prefill replicas in the first interval.', default: 1, ...GPUS, min: 0, integer: true}),
    'start-decode': numberFlag({description: 'Decode replicas in the first interval.', default: 1, ...GPUS, min: 0, integer: true}),
    'max-gpu-budget': numberFlag({description: 'GPUs available to prefill + decode.', default: 8, ...GPUS, min: 0, integer: true}),
    'min-endpoint': numberFlag({description: 'Minimum replicas per phase.', default: 1, ...GPUS, min: 0, integer: true}),
    'prefill-gpus': numberFlag({description: 'GPUs per prefill engine (default: the profile\'s, else 1).', ...GPUS, integer: true}),
    'decode-gpus': numberFlag({description: 'GPUs per decode engine (default: the profile\'s, else 1).', ...GPUS, integer: true}),
    out: Flags.string({description: 'Directory for report.html and ticks.csv.', default: 'dryrun-report'}),
    ...sinFlags(DRYRUN_SIN_DEFAULTS, 'LOAD (without --trace)'),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Dryrun);
    const reportFile = path.join(flags.out, 'report.html');
    const csvFile = path.join(flags.out, 'ticks.csv');
    await prepareOutputs([reportFile, csvFile]);
    const setSin = SIN_FLAG_NAMES.filter((n) => process.argv.includes(`--${n}`) || process.argv.some((a) => a.startsWith(`--${n}=`)));
    if (flags.trace !== undefined && setSin.length > 0) throw badInput(`--trace cannot be combined with generator flags (${setSin.map((n) => `--${n}`).join(', ')})`);

    const prefillPath = flags['prefill-profile'] ?? flags.profile ?? SHIPPED_PROFILE;
    const decodePath = flags['decode-profile'] ?? flags.profile ?? SHIPPED_PROFILE;
    const prefillProfile = await loadProfile(prefillPath);
    const decodeProfile = decodePath === prefillPath ? prefillProfile : await loadProfile(decodePath);
    if (!prefillProfile.prefill) throw badInput(`${prefillPath}: the profile has no prefill data`, 'give --prefill-profile');
    if (!decodeProfile.decode) throw badInput(`${decodePath}: the profile has no decode data`, 'give --decode-profile');
    const prefill = new PrefillInterpolator(prefillProfile.prefill);
    const decode = new DecodeInterpolator(decodeProfile.decode);

    const intervalS = flags['adjustment-interval'];
    let loadText: string;
    const readStats = newReadStats();
    let metrics;
    if (flags.trace !== undefined) {
      metrics = await bucketTrace(readTraceBatches(flags.trace, {skipBadLines: flags['skip-bad-lines']}, readStats), intervalS);
      loadText = flags.trace;
      if (readStats.badLines > 0) this.note(`skipped ${readStats.badLines} bad lines in ${flags.trace} (first at line ${readStats.firstBad[0]?.line})`);
    } else {
      const sin = sinOptionsFromFlags(flags);
      checkSinOptions(sin, sinFlagOf);
      checkSinSize(sin, sinFlagOf);
      checkIntervals(sin.timeDurationS / intervalS);
      metrics = await bucketTrace(sinTrace(sin), intervalS);
      loadText = `sinusoid ${sin.requestRateMin}-${sin.requestRateMax} req/s, period ${sin.requestRatePeriodS} s, ${sin.timeDurationS} s, ` +
        `presets ${sin.isl1}/${sin.osl1} and ${sin.isl2}/${sin.osl2} tokens, seed ${sin.seed}`;
    }
    checkIntervals(metrics.length);
    if (metrics.length === 0) throw badInput(`${flags.trace ?? 'the generated load'} has no requests: nothing to dry-run`);

    const settings = {windowSize: flags['prediction-window'], seasonPeriod: flags['season-period']};
    const name = flags.predictor as PredictorName;
    const predictors = {numReq: createPredictor(name, settings), isl: createPredictor(name, settings), osl: createPredictor(name, settings)};
    let warmup: Array<{numReq: number; isl: number; osl: number}> | undefined;
    if (flags['warmup-trace'] !== undefined) {
      const w = await bucketTrace(readTraceBatches(flags['warmup-trace'], {skipBadLines: flags['skip-bad-lines']}), intervalS);
      predictors.numReq.warmUp(w.map((m) => m.requestCount));
      predictors.isl.warmUp(w.map((m) => m.avgIsl));
      predictors.osl.warmUp(w.map((m) => m.avgOsl));
      warmup = w.map((m) => ({numReq: m.requestCount, isl: m.avgIsl, osl: m.avgOsl}));
    }

    const config: ClassicDryrunConfig = {
      intervalS,
      ttftMs: flags.ttft,
      itlMs: flags.itl,
      startPrefill: flags['start-prefill'],
      startDecode: flags['start-decode'],
      maxGpuBudget: flags['max-gpu-budget'],
      minEndpoint: flags['min-endpoint'],
      prefillGpus: flags['prefill-gpus'] ?? gpusOf(prefillProfile),
      decodeGpus: flags['decode-gpus'] ?? gpusOf(decodeProfile),
    };
    const {ticks, summary} = runClassicDryrun(metrics, config, {prefill, decode}, predictors);

    const profileText = prefillPath === decodePath
      ? `${prefillProfile.engine.model} on ${prefillProfile.engine.gpu} TP${prefillProfile.engine.tp} (${prefillPath})`
      : `prefill ${prefillProfile.engine.model} on ${prefillProfile.engine.gpu} (${prefillPath}); decode ${decodeProfile.engine.model} on ${decodeProfile.engine.gpu} (${decodePath})`;
    await writeOutputs([
      {file: reportFile, data: renderReport(classicReport(ticks, {config, summary, predictor: name, load: loadText, profile: profileText, warmup}))},
      {file: csvFile, data: ticksCsv(ticks)},
    ]);

    if (flags.json) {
      this.printJson({
        mode: flags.mode,
        summary: {...summary, predictor: name, report: path.resolve(reportFile), csv: path.resolve(csvFile), skippedBadLines: readStats.badLines},
        ticks: ticks.map((t) => ({
          timeS: t.timeS, windowStartS: t.windowStartS, observed: t.observed, predicted: t.predicted,
          prefillReplicas: t.prefillReplicas, decodeReplicas: t.decodeReplicas, gpus: t.gpus,
          prefillTokens: t.prefillTokens, decodeTokens: t.decodeTokens,
          safePrefillThpt: t.safePrefillThpt, safeDecodeThpt: t.safeDecodeThpt, budgetApplied: t.budgetApplied,
        })),
      });
      return;
    }
    this.print(`dry run (${flags.mode}, ${name} predictor) of ${loadText}`);
    this.print(`  profile: ${profileText}; SLA TTFT ${config.ttftMs} ms, ITL ${config.itlMs} ms; interval ${intervalS} s; budget ${config.maxGpuBudget} GPUs`);
    this.print(`  intervals: ${summary.intervals} (${summary.totalRequests} requests)`);
    this.print(`  peak replicas: prefill ${summary.peakPrefillReplicas}, decode ${summary.peakDecodeReplicas}; peak GPUs ${summary.peakGpus}`);
    this.print(`  GPU-hours: ${summary.gpuHours.toFixed(2)}`);
    this.print(`  intervals over the safe limit: ${summary.overLimitIntervals} (prefill ${summary.prefillOverLimitIntervals}, decode ${summary.decodeOverLimitIntervals}); cut by the GPU budget: ${summary.budgetLimitedIntervals}`);
    if (summary.prefillSlaInfeasibleIntervals > 0) this.warnLine(`in ${summary.prefillSlaInfeasibleIntervals} intervals the TTFT target is missed even at batch 1 for the predicted ISL`);
    if (summary.decodeSlaInfeasibleIntervals > 0) this.warnLine(`in ${summary.decodeSlaInfeasibleIntervals} intervals no decode point meets the ITL target at the predicted context`);
    this.print(`  report: ${reportFile}`);
    this.print(`  ticks:  ${csvFile}`);
  }
}

/** Each interval refits the predictors: bound the run's length before starting it. */
function checkIntervals(count: number): void {
  if (count > MAX_INTERVALS) throw badInput(`the load spans ${Math.ceil(count)} adjustment intervals, more than the ${MAX_INTERVALS} a dry run decides`, 'raise --adjustment-interval or shorten the load');
}

function gpusOf(p: Profile): number {
  return p.engine.gpusPerEngine > 0 ? p.engine.gpusPerEngine : 1;
}
