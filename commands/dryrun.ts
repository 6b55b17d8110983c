import {Flags, type Interfaces} from '@oclif/core';
import {makeDirectory, writeOutputs, type OutputFile} from '../src/outputs.js';
import {GPUS, LATENCY_MS, MAX_INTERVALS} from '../src/limits.js';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {PlannerCommand} from '../src/ui/command.js';
import {SIN_FLAG_NAMES, SIN_OPTION_FLAGS, sinFlags, sinOptionsFromFlags} from '../src/ui/sin-flags.js';
import {badInput} from '../src/errors.js';
import {loadProfile} from '../src/profile/io.js';
import {DecodeInterpolator, PrefillInterpolator} from '../src/profile/interpolate/spline.js';
import {newReadStats, readTraceBatches} from '../src/trace/mooncake.js';
import {SIN_DEFAULTS, checkSinOptions, checkSinSize, sinTrace, type SinOptions} from '../src/trace/sin.js';
import {bucketTrace} from '../src/trace/windows.js';
import {PREDICTOR_NAMES, createPredictor} from '../src/planner/predictors/index.js';
import {runClassicDryrun, type ClassicDryrunConfig} from '../src/planner/dryrun-classic.js';
import {classicReport, ticksCsv} from '../src/planner/dryrun-report.js';
import {renderReport} from '../src/report/html.js';
import type {Profile} from '../src/profile/types.js';
import {progressFlag} from '../src/ui/progress.js';
import {prepareTicksDryrun, parseSetPairs, type BootstrapChoice} from '../src/planner/ticks/setup.js';
import {runTicksDryrun, type TickOutcome} from '../src/planner/dryrun-ticks.js';
import {ticksDecisionsCsv, ticksReport} from '../src/planner/dryrun-ticks-report.js';
import {syntheticFlags, syntheticOptionsFromFlags} from '../src/ui/synthetic-flags.js';
import {readPlannerConfigArg} from '../src/planner/ticks/setup.js';
import type {ConfigLayer} from '../src/planner/core/config-read.js';
import {readTraceAll} from '../src/trace/mooncake.js';
import {createSyntheticPerfModel} from '../src/engines/synthetic/index.js';
import {profilePerfModel} from '../src/engines/profile-perf-model.js';
import {DEFAULT_MAX_NUM_BATCHED_TOKENS, DEFAULT_MAX_NUM_SEQS} from '../src/engines/sim/engine.js';
import {ROUTER_POLICIES, type RouterPolicy} from '../src/replay/fleet.js';
import {kvBytesPerToken, parseFixedFleet} from '../src/replay/setup.js';
import {runReplayDryrun, type EngineTiming} from '../src/replay/dryrun-replay.js';
import {requestsJsonl, summaryJson, ticksCsv as replayTicksCsv, ticksJsonl} from '../src/replay/outputs.js';
import {replayReport} from '../src/replay/report.js';
import type {TraceRecord} from '../src/trace/mooncake.js';
import {numberFlag} from '../src/ui/number-flags.js';
import {counted} from '../src/ui/table.js';

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

--mode classic does what Dynamo's planner dry run does: bucket the trace per adjustment interval (empty buckets dropped), predict the next interval's request count, ISL and OSL, size prefill and decode replicas from the profile at the TTFT/ITL targets, cap them with the GPU budget (Python rounding), and compare each interval's load with the "safe" throughput of the replicas deployed. Without --trace the load is generated in memory from the sin flags; their defaults are a two-hour load with 30-minute cycles, not \`trace sin\`'s (Dynamo's sin_synth defaults: 100 s, which is shorter than one 180 s interval). With no flags at all it runs the shipped H200 profile under that load and writes dryrun-report/.

--mode ticks runs Dynamo's 2026 planner core (the state machine with FPM regressions, load and throughput scaling) over a tick recording (--ticks, ticks.jsonl) and prints each tick's decision and reasons. The recording's planner config can be overridden by --planner-config (a Dynamo planner config file, JSON or YAML, or inline JSON), then by --set KEY=VALUE and the named flags, to see what another sensitivity or interval would have decided on the same metrics. The regressions start from --profile, the recording's bootstrapProfile, --synthetic, or cold.

--mode replay lets the same planner core drive a simulated fleet over the trace (or the generated load): engines timed by the profile or --synthetic, started with --startup-time, fed by --router, with the KV transfer to decode; the --compare fixed fleets are replayed on the same requests, and each run's SLA attainment, goodput and GPU-hours are compared.`;

  static override examples = [
    '<%= config.bin %> dryrun',
    '<%= config.bin %> dryrun --trace trace.jsonl --profile profiles/h200-llama3.1-8b-fp8-tp1 --ttft 200 --itl 20 --out out/',
    '<%= config.bin %> dryrun --predictor kalman --adjustment-interval 60 --request-rate-max 80 --max-gpu-budget 16 --json',
    '<%= config.bin %> dryrun --mode ticks --ticks ticks.jsonl --out out/',
    '<%= config.bin %> dryrun --mode ticks --ticks ticks.jsonl --planner-config planner.yaml --set load_scaling_down_sensitivity=60 --json',
    '<%= config.bin %> dryrun --mode ticks --ticks ticks.jsonl --synthetic --model llama-3.1-8b --gpu h200_sxm --load-interval 10',
    '<%= config.bin %> dryrun --mode replay --request-rate-min 5 --request-rate-max 45 --request-rate-period 600 --time-duration 1800 --isl1 3000 --osl1 300 --isl2 3000 --osl2 300 --ttft 200 --itl 10 --adjustment-interval 60 --compare static:3p1d,static:2p2d --out replay/',
    '<%= config.bin %> dryrun --mode replay --trace trace.jsonl --planner-config planner.yaml --router kv-aware --startup-time 60 --compare static:2p2d,agg:4 --json',
  ];

  /** The generator's options are its sin flags (`timeDurationS` -> --time-duration). */
  static override optionFlags = SIN_OPTION_FLAGS;

  static override flags = {
    mode: Flags.option({description: 'Fidelity: classic = interval buckets and formulas, as Dynamo\'s dry run; ticks = the 2026 planner core over a tick recording; replay = the planner driving a simulated fleet.', options: ['classic', 'ticks', 'replay'] as const, default: 'classic' as const})(),
    compare: Flags.string({description: 'Fixed fleets replayed on the same trace (--mode replay): static:<N>p<M>d or agg:<N>, each optionally @PROFILE_DIR (its engines\' timing), comma-separated.', helpGroup: 'REPLAY'}),
    'no-planner': Flags.boolean({description: 'Replay only the --compare fleets, not the planner (--mode replay).', default: false, helpGroup: 'REPLAY'}),
    router: Flags.string({description: 'How requests are placed on engines (--mode replay).', options: [...ROUTER_POLICIES], default: 'least-loaded', helpGroup: 'REPLAY'}),
    'startup-time': numberFlag({description: 'Seconds from an engine\'s start until it takes requests (GPU time counts from the start) (--mode replay).', default: 30, min: 0, helpGroup: 'REPLAY'}),
    'kv-transfer-bandwidth': numberFlag({description: 'Prefill-to-decode KV transfer, GB/s; 0 = instant (--mode replay).', default: 64, min: 0, helpGroup: 'REPLAY'}),
    'kv-bytes-per-token': numberFlag({description: 'KV bytes per token moved to decode (default: from the catalog model, bf16 KV unless --kv-quant fp8) (--mode replay).', min: 1, integer: true, helpGroup: 'REPLAY'}),
    'prefix-caching': Flags.boolean({description: 'Prefix caching on the engines requests enter first (always on with --router kv-aware) (--mode replay).', default: false, helpGroup: 'REPLAY'}),
    'trace-block-size': numberFlag({description: 'Tokens per hash_ids entry of --trace (--mode replay; a generated load uses --block-size).', default: 512, min: 1, integer: true, helpGroup: 'REPLAY'}),
    ticks: Flags.string({description: 'Tick recording (ticks.jsonl) to run the planner core over (--mode ticks).', helpGroup: 'PLANNER CORE (TICKS, REPLAY)'}),
    'planner-config': Flags.string({description: 'Dynamo planner config (JSON or YAML file, or inline JSON) over the recording\'s (--mode ticks) or the defaults (--mode replay).', helpGroup: 'PLANNER CORE (TICKS, REPLAY)'}),
    set: Flags.string({description: 'Dynamo planner config KEY=VALUE over everything else (--mode ticks or replay; repeatable).', multiple: true, helpGroup: 'PLANNER CORE (TICKS, REPLAY)'}),
    'load-interval': numberFlag({description: 'load_adjustment_interval_seconds (--mode ticks or replay).', min: 1, integer: true, helpGroup: 'PLANNER CORE (TICKS, REPLAY)'}),
    sensitivity: numberFlag({description: 'load_scaling_down_sensitivity, percent (--mode ticks or replay).', min: 0, integer: true, helpGroup: 'PLANNER CORE (TICKS, REPLAY)'}),
    'min-gpu-budget': numberFlag({description: 'min_gpu_budget, GPUs; -1 = off (--mode ticks or replay).', min: -1, integer: true, helpGroup: 'PLANNER CORE (TICKS, REPLAY)'}),
    'optimization-target': Flags.string({description: 'optimization_target (--mode ticks or replay).', options: ['sla', 'throughput', 'latency', 'load'], helpGroup: 'PLANNER CORE (TICKS, REPLAY)'}),
    synthetic: Flags.boolean({description: 'Use the synthetic model (--model, --gpu, --tp): --mode ticks bootstraps the regressions from it, --mode replay times the engines with it.', default: false, helpGroup: 'PLANNER CORE (TICKS, REPLAY)'}),
    ...syntheticFlags,
    trace: Flags.string({description: 'Mooncake JSONL trace (default: generate one in memory from the sin flags).'}),
    'skip-bad-lines': Flags.boolean({description: 'Skip bad trace records (counted) instead of stopping at the first.', default: false}),
    'warmup-trace': Flags.string({description: 'Mooncake JSONL trace fed to the predictors before the run (history).'}),
    profile: Flags.string({char: 'p', description: 'Profile directory, profile.json or Dynamo results directory, for both phases (default: the shipped H200 profile).'}),
    'prefill-profile': Flags.string({description: 'Profile for prefill (overrides --profile for that phase).'}),
    'decode-profile': Flags.string({description: 'Profile for decode (overrides --profile for that phase).'}),
    ttft: numberFlag({description: 'TTFT target, ms (default: Dynamo\'s planner default).', default: 500, ...LATENCY_MS}),
    itl: numberFlag({description: 'ITL target, ms (default: Dynamo\'s planner default).', default: 50, ...LATENCY_MS}),
    'adjustment-interval': numberFlag({description: 'Planner interval, s (one decision per interval).', default: 180, min: 1, minReason: 'the planner cannot resize engines faster', max: 86_400, maxReason: 'longer than a day'}),
    predictor: Flags.option({description: 'Load predictor for request count, ISL and OSL.', options: PREDICTOR_NAMES, default: 'arima' as const})(),
    'prediction-window': numberFlag({description: 'Most recent intervals the predictors fit on.', default: 50, min: 1, max: 10_000, maxReason: 'predictors refit on every window each interval', integer: true}),
    'season-period': numberFlag({description: 'Prophet seasonality period, intervals (default: detect; 0 = none).', min: 0, max: 10_000, maxReason: 'longer than the prediction window can hold', integer: true}),
    'start-prefill': numberFlag({description: 'Prefill replicas in the first interval.', default: 1, ...GPUS, min: 0, integer: true}),
    'start-decode': numberFlag({description: 'Decode replicas in the first interval.', default: 1, ...GPUS, min: 0, integer: true}),
    'max-gpu-budget': numberFlag({description: 'GPUs available to prefill + decode.', default: 8, ...GPUS, min: 0, integer: true}),
    'min-endpoint': numberFlag({description: 'Minimum replicas per phase.', default: 1, ...GPUS, min: 0, integer: true}),
    'prefill-gpus': numberFlag({description: 'GPUs per prefill engine (default: the profile\'s, else 1).', ...GPUS, integer: true}),
    'decode-gpus': numberFlag({description: 'GPUs per decode engine (default: the profile\'s, else 1).', ...GPUS, integer: true}),
    out: Flags.string({description: 'Directory for report.html and ticks.csv.', default: 'dryrun-report'}),
    progress: progressFlag(),
    ...sinFlags(DRYRUN_SIN_DEFAULTS, 'LOAD (without --trace)'),
  };

  async run(): Promise<void> {
    const {flags, metadata} = await this.parse(Dryrun);
    const given = (name: string): boolean => (flags as Record<string, unknown>)[name] !== undefined && metadata.flags[name]?.setFromDefault !== true;
    refuseUnusedFlags(flags.mode, given);
    // The destination is checked (and created) before any work, in every mode.
    await makeDirectory(flags.out);
    if (flags.mode === 'ticks') {
      await this.runTicks(flags, given);
      return;
    }
    if (flags.mode === 'replay') {
      await this.runReplayMode(flags, given);
      return;
    }
    const setSin = SIN_FLAG_NAMES.filter((n) => given(n));
    if (flags.trace !== undefined && setSin.length > 0) throw badInput(`--trace cannot be combined with generator flags (${setSin.map((n) => `--${n}`).join(', ')})`);

    const prefillPath = flags['prefill-profile'] ?? flags.profile ?? SHIPPED_PROFILE;
    const decodePath = flags['decode-profile'] ?? flags.profile ?? SHIPPED_PROFILE;
    const prefillProfile = await loadProfile(prefillPath);
    const decodeProfile = decodePath === prefillPath ? prefillProfile : await loadProfile(decodePath);
    if (!prefillProfile.prefill) throw badInput(`${prefillPath}: the profile has no prefill data`, 'give --prefill-profile');
    if (!decodeProfile.decode) throw badInput(`${decodePath}: the profile has no decode data`, 'give --decode-profile');
    const prefill = new PrefillInterpolator(prefillProfile.prefill);
    const decode = new DecodeInterpolator(decodeProfile.decode);

    const progress = await this.startProgress(flags.progress, flags.json);
    const onProgress = progress.report;
    const intervalS = flags['adjustment-interval'];
    let loadText: string;
    const readStats = newReadStats();
    let metrics;
    if (flags.trace !== undefined) {
      metrics = await bucketTrace(readTraceBatches(flags.trace, {skipBadLines: flags['skip-bad-lines'], onProgress}, readStats), intervalS);
      loadText = flags.trace;
      if (readStats.badLines > 0) this.note(`skipped ${counted(readStats.badLines, 'bad line')} in ${flags.trace} (first at line ${readStats.firstBad[0]?.line})`);
    } else {
      const sin = sinOptionsFromFlags(flags);
      checkSinOptions(sin);
      checkSinSize(sin);
      checkIntervals(sin.timeDurationS / intervalS);
      metrics = await bucketTrace(sinTrace(sin, onProgress), intervalS);
      loadText = `sinusoid ${sin.requestRateMin}-${sin.requestRateMax} req/s, period ${sin.requestRatePeriodS} s, ${sin.timeDurationS} s, ` +
        `presets ${sin.isl1}/${sin.osl1} and ${sin.isl2}/${sin.osl2} tokens, seed ${sin.seed}`;
    }
    checkIntervals(metrics.length);
    if (metrics.length === 0) throw badInput(`${flags.trace ?? 'the generated load'} has no requests: nothing to dry-run`);
    if (metrics.length === 1) {
      this.warnLine(`${flags.trace ?? 'the generated load'} fits in one ${intervalS} s adjustment interval: the planner makes one decision with nothing to predict from (use a longer trace or a shorter --adjustment-interval)`);
    }

    const settings = {windowSize: flags['prediction-window'], seasonPeriod: flags['season-period']};
    const name = flags.predictor;
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
    const {ticks, summary} = runClassicDryrun(metrics, config, {prefill, decode}, predictors, onProgress);
    progress.stop();

    const outDir = flags.out;
    const reportFile = path.join(outDir, 'report.html');
    const csvFile = path.join(outDir, 'ticks.csv');
    const profileText = prefillPath === decodePath
      ? `${prefillProfile.engine.model} on ${prefillProfile.engine.gpu} TP${prefillProfile.engine.tp} (${prefillPath})`
      : `prefill ${prefillProfile.engine.model} on ${prefillProfile.engine.gpu} (${prefillPath}); decode ${decodeProfile.engine.model} on ${decodeProfile.engine.gpu} (${decodePath})`;
    await writeOutputs([
      {file: reportFile, data: renderReport(classicReport(ticks, {config, summary, predictor: name, load: loadText, profile: profileText, warmup}))},
      {file: csvFile, data: ticksCsv(ticks, intervalS)},
    ]);

    if (summary.overBudgetIntervals > 0) {
      this.warnLine(`in ${counted(summary.overBudgetIntervals, 'interval')} the replicas use up to ${summary.peakGpus} GPUs, over the budget of ${config.maxGpuBudget}: Dynamo's v2025-08 budget rule (scale, round half to even, then at least --min-endpoint per phase) can overshoot, and this dry run reproduces it`);
    }
    if (flags.json) {
      this.printJson({
        mode: flags.mode,
        summary: {...summary, predictor: name, report: path.resolve(reportFile), csv: path.resolve(csvFile), skippedBadLines: readStats.badLines},
        ticks: ticks.map((t) => ({
          step: Math.round(t.timeS / intervalS), windowStartS: t.windowStartS, observed: t.observed, predicted: t.predicted,
          prefillReplicas: t.prefillReplicas, decodeReplicas: t.decodeReplicas, gpus: t.gpus,
          prefillTokens: t.prefillTokens, decodeTokens: t.decodeTokens,
          safePrefillTokens: t.safePrefillTokens, safeDecodeTokens: t.safeDecodeTokens, budgetApplied: t.budgetApplied, overBudget: t.overBudget,
        })),
      });
      return;
    }
    this.print(`dry run (${flags.mode}, ${name} predictor) of ${loadText}`);
    this.print(`  profile: ${profileText}; SLA TTFT ${config.ttftMs} ms, ITL ${config.itlMs} ms; interval ${intervalS} s; budget ${config.maxGpuBudget} GPUs`);
    this.print(`  intervals: ${summary.intervals} (${summary.totalRequests} requests)`);
    this.print(`  peak replicas: prefill ${summary.peakPrefillReplicas}, decode ${summary.peakDecodeReplicas}; peak GPUs ${summary.peakGpus}`);
    this.print(`  GPU-hours: ${summary.gpuHours.toFixed(2)}`);
    this.print(`  intervals over the safe limit: ${summary.overLimitIntervals} (prefill ${summary.prefillOverLimitIntervals}, decode ${summary.decodeOverLimitIntervals}); cut by the GPU budget: ${summary.budgetLimitedIntervals}, over it: ${summary.overBudgetIntervals}`);
    if (summary.prefillSlaInfeasibleIntervals > 0) this.warnLine(`in ${counted(summary.prefillSlaInfeasibleIntervals, 'interval')} the TTFT target is missed even at batch 1 for the predicted ISL`);
    if (summary.decodeSlaInfeasibleIntervals > 0) this.warnLine(`in ${counted(summary.decodeSlaInfeasibleIntervals, 'interval')} no decode point meets the ITL target at the predicted context`);
    this.print(`  report: ${reportFile}`);
    this.print(`  ticks:  ${csvFile}`);
  }

  private async runReplayMode(flags: DryrunFlags, given: (name: string) => boolean): Promise<void> {
    const setSin = SIN_FLAG_NAMES.filter((n) => given(n));
    if (flags.trace !== undefined && setSin.length > 0) throw badInput(`--trace cannot be combined with generator flags (${setSin.map((n) => `--${n}`).join(', ')})`);
    if (flags.synthetic && flags.profile !== undefined) throw badInput('give either --profile or --synthetic for the engine timing, not both');
    if (flags.trace === undefined && given('trace-block-size')) throw badInput('--trace-block-size applies to --trace', 'the generated load has --block-size tokens per hash id');

    let records: TraceRecord[];
    let loadText: string;
    if (flags.trace !== undefined) {
      const {records: read, stats} = await readTraceAll(flags.trace, {skipBadLines: flags['skip-bad-lines']});
      if (stats.badLines > 0) this.note(`skipped ${counted(stats.badLines, 'bad line')} in ${flags.trace} (first at line ${stats.firstBad[0]?.line})`);
      records = [...read].sort((a, b) => a.timestamp - b.timestamp);
      loadText = flags.trace;
    } else {
      const sin = sinOptionsFromFlags(flags);
      checkSinOptions(sin);
      checkSinSize(sin);
      records = [...sinTrace(sin)];
      loadText = `sinusoid ${sin.requestRateMin}-${sin.requestRateMax} req/s, period ${sin.requestRatePeriodS} s, ${sin.timeDurationS} s, ISL/OSL ${sin.isl1}/${sin.osl1} and ${sin.isl2}/${sin.osl2}, seed ${sin.seed}`;
    }
    if (records.length === 0) throw badInput(`${flags.trace ?? 'the generated load'} has no requests: nothing to replay`);

    const fromProfile = async (dir: string): Promise<EngineTiming> => {
      const profile = await loadProfile(dir);
      const perfModel = profilePerfModel(profile, {file: dir});
      return {
        profile, source: dir,
        spec: {perfModel, engine: {maxNumBatchedTokens: profile.engine.maxNumBatchedTokens ?? DEFAULT_MAX_NUM_BATCHED_TOKENS, maxNumSeqs: profile.engine.maxNumSeqs ?? DEFAULT_MAX_NUM_SEQS, maxKvTokens: perfModel.maxKvTokens}},
      };
    };
    let prefill: EngineTiming;
    let decode: EngineTiming;
    let model: string;
    if (flags.synthetic) {
      const perfModel = createSyntheticPerfModel(syntheticOptionsFromFlags(flags));
      prefill = decode = {source: perfModel.name, spec: {perfModel, engine: {maxNumBatchedTokens: perfModel.maxNumBatchedTokens, maxNumSeqs: perfModel.maxNumSeqs, maxKvTokens: perfModel.maxKvTokens}}};
      model = flags.model!;
    } else {
      const prefillPath = flags['prefill-profile'] ?? flags.profile ?? SHIPPED_PROFILE;
      const decodePath = flags['decode-profile'] ?? flags.profile ?? SHIPPED_PROFILE;
      prefill = await fromProfile(prefillPath);
      decode = decodePath === prefillPath ? prefill : await fromProfile(decodePath);
      model = prefill.profile!.engine.model;
    }
    const compare = (flags.compare ?? '').split(',').map((x) => x.trim()).filter(Boolean).map(parseFixedFleet);
    const fleetTimings = new Map<string, EngineTiming>();
    for (const f of compare) if (f.profile !== undefined && !fleetTimings.has(f.profile)) fleetTimings.set(f.profile, await fromProfile(f.profile));
    if (flags['no-planner'] && compare.length === 0) throw badInput('--no-planner needs --compare: there is nothing else to replay');

    const kvBytes = flags['kv-bytes-per-token'] ?? kvBytesPerToken(model, flags['kv-quant'] === 'fp8' ? 1 : 2);
    if (kvBytes === undefined && flags['kv-transfer-bandwidth'] > 0) {
      throw badInput(`cannot tell the KV bytes per token of model ${model} (not in the catalog)`, 'give --kv-bytes-per-token, or --kv-transfer-bandwidth 0');
    }
    const layers: ConfigLayer[] = [{source: 'replay defaults', raw: {mode: 'disagg', optimization_target: 'sla'}}];
    if (flags['planner-config'] !== undefined) layers.push(await readPlannerConfigArg(flags['planner-config']));
    layers.push({source: 'command line', raw: ticksOverrides(flags as Record<string, unknown>, given)});

    const progress = await this.startProgress(flags.progress, flags.json);
    const result = runReplayDryrun({
      records, prefill, decode, fleetTimings, configLayers: layers, compare,
      startPrefill: flags['start-prefill'], startDecode: flags['start-decode'], router: flags.router as RouterPolicy,
      startupS: flags['startup-time'], kvBytesPerToken: kvBytes ?? 0, kvTransferGBps: flags['kv-transfer-bandwidth'],
      traceBlockSize: flags.trace === undefined ? flags['block-size'] : flags['trace-block-size'], prefixCaching: flags['prefix-caching'], planner: !flags['no-planner'],
    }, progress.report);
    progress.stop();
    for (const w of result.warnings) this.warnLine(w);

    const outDir = flags.out;
    const files = {report: path.join(outDir, 'report.html'), requests: path.join(outDir, 'requests.jsonl'), ticks: path.join(outDir, 'ticks.jsonl'), csv: path.join(outDir, 'ticks.csv'), summary: path.join(outDir, 'summary.json')};
    const planned = result.runs.find((r) => r.planner);
    const summary = summaryJson(result.runs);
    const outputs: OutputFile[] = [{file: files.requests, data: requestsJsonl(result.runs)}];
    if (planned) {
      outputs.push({file: files.ticks, data: ticksJsonl(planned, {plannerConfig: result.plannerConfigRaw, capabilities: result.capabilities, bootstrapProfile: flags.synthetic ? undefined : prefill.source})});
      outputs.push({file: files.csv, data: replayTicksCsv(planned)});
    }
    outputs.push({file: files.summary, data: `${JSON.stringify(summary, null, 2)}\n`});
    outputs.push({file: files.report, data: renderReport(replayReport(result.runs, {
      load: loadText, timing: prefill.source === decode.source ? prefill.source : `prefill ${prefill.source}; decode ${decode.source}`,
      ttftMs: result.sla.ttftMs, itlMs: result.sla.itlMs, router: flags.router, startupS: flags['startup-time'], kvTransferGBps: flags['kv-transfer-bandwidth'],
      decodeMaxKvTokens: decode.spec.engine.maxKvTokens ?? decode.spec.perfModel.maxKvTokens,
    }))});
    await writeOutputs(outputs);
    if (flags.json) {
      this.printJson(summary);
      return;
    }
    this.print(`replay of ${loadText}: ${records.length} requests; SLA TTFT ${result.sla.ttftMs} ms, ITL ${result.sla.itlMs} ms; router ${flags.router}; start-up ${flags['startup-time']} s`);
    const nameWidth = Math.max(12, ...summary.runs.map((r) => r.name.length)) + 2;
    const headers = ['SLA met', 'goodput req/s', 'GPU-h', 'good req/GPU-h', 'peak P/D', 'TTFT ms p50/p99', 'ITL ms p50/p99', 'events'];
    const rows = summary.runs.map((s) => [
      `${(100 * s.slaAttainment).toFixed(1)} %`, s.goodputRps.toFixed(2), s.gpuHours.toFixed(2), s.goodputPerGpuHour.toFixed(0), `${s.peakPrefillReplicas}/${s.peakDecodeReplicas}`,
      `${s.ttftMs.p50.toFixed(0)}/${s.ttftMs.p99.toFixed(0)}`, `${s.itlMs.p50.toFixed(1)}/${s.itlMs.p99.toFixed(1)}`, String(s.scalingEvents),
    ]);
    const widths = headers.map((h, i) => 2 + Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const cells = (values: string[]) => values.map((v, i) => v.padStart(widths[i]!)).join('');
    this.print(`  ${'run'.padEnd(nameWidth)}${cells(headers)}`);
    for (const [i, s] of summary.runs.entries()) this.print(`  ${s.name.padEnd(nameWidth)}${cells(rows[i]!)}`);
    this.print(`  outputs: ${Object.values(files).filter((f) => planned || (f !== files.ticks && f !== files.csv)).join(', ')}`);
  }

  private async runTicks(flags: DryrunFlags, given: (name: string) => boolean): Promise<void> {
    if (flags.ticks === undefined) throw badInput('--mode ticks needs --ticks FILE (a tick recording, ticks.jsonl)');
    if (flags.synthetic && flags.profile !== undefined) throw badInput('give either --profile or --synthetic to bootstrap the regressions, not both');
    const bootstrap: BootstrapChoice = flags.synthetic
      ? {kind: 'synthetic', options: syntheticOptionsFromFlags(flags)}
      : flags.profile !== undefined ? {kind: 'profile', path: flags.profile} : {kind: 'header'};
    const setup = await prepareTicksDryrun({
      ticksFile: flags.ticks, skipBadLines: flags['skip-bad-lines'], plannerConfig: flags['planner-config'],
      overrides: ticksOverrides(flags as Record<string, unknown>, given), bootstrap, warmupTrace: flags['warmup-trace'],
    });
    for (const w of setup.warnings) this.note(`warning: ${w}`);
    const {recording, config} = setup;
    if (recording.badLines > 0) this.note(`skipped ${counted(recording.badLines, 'bad line')} in ${flags.ticks} (first at line ${recording.firstBadLine?.line}: ${recording.firstBadLine?.reason})`);
    const {outcomes, notDue} = runTicksDryrun(recording.ticks, recording.header.startS, config, setup.capabilities, setup.bootstrap, setup.warmup);

    const outDir = flags.out;
    const reportFile = path.join(outDir, 'report.html');
    const csvFile = path.join(outDir, 'ticks.csv');
    await writeOutputs([
      {file: reportFile, data: renderReport(ticksReport(outcomes, {
        recording: flags.ticks, config, capabilities: setup.capabilities, bootstrap: setup.bootstrapText, notDue, skippedBadLines: recording.badLines,
      }))},
      {file: csvFile, data: ticksDecisionsCsv(outcomes)},
    ]);
    const decisions = outcomes.filter((o) => o.record.scaleTo !== null).length;
    if (flags.json) {
      this.printJson({
        mode: 'ticks',
        summary: {
          ticks: outcomes.length, decisions, linesNotDue: notDue, skippedBadLines: recording.badLines, bootstrap: setup.bootstrapText,
          plannerMode: config.mode, optimizationTarget: config.optimizationTarget,
          enableLoadScaling: config.enableLoadScaling, enableThroughputScaling: config.enableThroughputScaling,
          report: path.resolve(reportFile), csv: path.resolve(csvFile),
        },
        decisions: outcomes.map((o) => o.record),
      });
      return;
    }
    this.print(`dry run (ticks) of ${flags.ticks}: ${config.mode}, target ${config.optimizationTarget}, ` +
      `load scaling ${config.enableLoadScaling ? 'on' : 'off'}, throughput scaling ${config.enableThroughputScaling ? 'on' : 'off'}; bootstrap: ${setup.bootstrapText}`);
    for (const o of outcomes) this.print(`  ${formatOutcome(o)}`);
    this.print(`  ticks: ${outcomes.length}, decisions: ${decisions}${notDue > 0 ? `, lines not due: ${notDue}` : ''}`);
    this.print(`  report: ${reportFile}`);
    this.print(`  ticks:  ${csvFile}`);
  }
}

/** One tick as a line: time, cadences, decision, reasons, estimates. */
function formatOutcome(o: TickOutcome): string {
  const r = o.record;
  const d = r.diagnostics;
  const kinds = [o.tick.runLoadScaling ? 'load' : '', o.tick.runThroughputScaling ? 'throughput' : ''].filter(Boolean).join('+');
  const target = r.scaleTo === null ? 'no decision' : `scale to ${[r.scaleTo.prefill !== null ? `prefill ${r.scaleTo.prefill}` : '', r.scaleTo.decode !== null ? `decode ${r.scaleTo.decode}` : ''].filter(Boolean).join(', ')}`;
  const perComponent = d.loadDecisionReasonPrefill !== null || d.loadDecisionReasonDecode !== null
    ? ` [prefill ${d.loadDecisionReasonPrefill ?? '-'}, decode ${d.loadDecisionReasonDecode ?? '-'}]` : '';
  const reasons = [
    d.loadDecisionReason !== null ? `load ${d.loadDecisionReason}${perComponent}` : '',
    d.throughputDecisionReason !== null ? `throughput ${d.throughputDecisionReason}` : '',
  ].filter(Boolean).join(', ');
  const est = [
    d.estimatedTtftMs !== null ? `TTFT ${d.estimatedTtftMs.toFixed(1)} ms` : '',
    d.estimatedItlMs !== null ? `ITL ${d.estimatedItlMs.toFixed(2)} ms` : '',
  ].filter(Boolean).join(', ');
  return `t=${r.nowS}s [${kinds}] ${target}${reasons ? ` (${reasons})` : ''}${est ? `; est ${est}` : ''}`;
}

type DryrunFlags = Interfaces.InferredFlags<typeof Dryrun.flags & typeof PlannerCommand.baseFlags>;

/** Replay-only flags: the fleet simulation's. */
const REPLAY_FLAGS = ['compare', 'no-planner', 'router', 'startup-time', 'kv-transfer-bandwidth', 'kv-bytes-per-token', 'prefix-caching', 'trace-block-size'];
/** The planner-core flags ticks and replay share (classic runs the v2025-08 formulas instead). */
const CORE_FLAGS = ['planner-config', 'set', 'load-interval', 'sensitivity', 'min-gpu-budget', 'optimization-target', 'synthetic', ...Object.keys(syntheticFlags)];
/** Flags each mode never reads: a given one is an error, not silently ignored. */
const UNUSED_FLAGS: Record<'classic' | 'ticks' | 'replay', readonly string[]> = {
  classic: ['ticks', ...CORE_FLAGS, ...REPLAY_FLAGS],
  ticks: ['trace', ...REPLAY_FLAGS, ...SIN_FLAG_NAMES, 'prefill-profile', 'decode-profile', 'prediction-window', 'season-period', 'start-prefill', 'start-decode', 'prefill-gpus', 'decode-gpus'],
  replay: ['ticks', 'warmup-trace', 'prediction-window', 'season-period', 'prefill-gpus', 'decode-gpus'],
};

function refuseUnusedFlags(mode: keyof typeof UNUSED_FLAGS, given: (name: string) => boolean): void {
  const unused = UNUSED_FLAGS[mode].filter((n) => given(n));
  if (unused.length === 0) return;
  const modesOf = (n: string) => (['classic', 'ticks', 'replay'] as const).filter((m) => !UNUSED_FLAGS[m].includes(n)).map((m) => `--mode ${m}`).join(' or ');
  const hints = [...new Set(unused.map(modesOf))];
  const hint = hints.length === 1 ? `give ${hints[0]}` : unused.map((n) => `--${n}: ${modesOf(n)}`).join('; ');
  throw badInput(`${unused.map((n) => `--${n}`).join(', ')} ${unused.length > 1 ? 'are' : 'is'} not used by --mode ${mode}`, hint);
}

/** Dynamo keys the named flags set, only for flags the user gave (defaults belong to the classic mode). */
function ticksOverrides(flags: Record<string, unknown>, given: (name: string) => boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const named: Array<[string, string]> = [
    ['ttft', 'ttft_ms'], ['itl', 'itl_ms'], ['max-gpu-budget', 'max_gpu_budget'], ['min-gpu-budget', 'min_gpu_budget'],
    ['min-endpoint', 'min_endpoint'], ['adjustment-interval', 'throughput_adjustment_interval_seconds'],
    ['load-interval', 'load_adjustment_interval_seconds'], ['sensitivity', 'load_scaling_down_sensitivity'],
    ['optimization-target', 'optimization_target'], ['predictor', 'load_predictor'],
  ];
  for (const [flag, key] of named) if (given(flag) && flags[flag] !== undefined) out[key] = flags[flag];
  return {...out, ...parseSetPairs((flags.set as string[] | undefined) ?? [])};
}

/** Each interval refits the predictors: bound the run's length before starting it. */
function checkIntervals(count: number): void {
  if (count > MAX_INTERVALS) throw badInput(`the load spans ${Math.ceil(count)} adjustment intervals, more than the ${MAX_INTERVALS} a dry run decides`, 'raise --adjustment-interval or shorten the load');
}

function gpusOf(p: Profile): number {
  return p.engine.gpusPerEngine > 0 ? p.engine.gpusPerEngine : 1;
}
