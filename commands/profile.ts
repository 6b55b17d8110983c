import {Flags, type Interfaces} from '@oclif/core';
import path from 'node:path';
import {PlannerCommand} from '../src/ui/command.js';
import {badInput, EXIT_FAILURE} from '../src/errors.js';
import {CONCURRENCY, GPUS, TOKENS} from '../src/limits.js';
import {syntheticFlags, syntheticOptionsFromFlags} from '../src/ui/synthetic-flags.js';
import {DEFAULT_DECODE_OSL} from '../src/sweep/plan.js';
import {TOOL_NAME} from '../src/version.js';
import {loadTokenizerVocabulary, type IdVocabulary} from '../src/engines/http/prompt.js';
import type {LiveOutputExtras} from '../src/sweep/live-run.js';
import type {LiveArrays} from '../src/sweep/live-profile.js';
import {profileLiveTps, profileSyntheticTps} from '../src/sweep/profile-tps.js';
import type {Profile as ProfileDoc} from '../src/profile/types.js';
import {liveOutputs} from '../src/report/live.js';
import type {LiveProgress} from '../src/sweep/live.js';
import {PlainProgress, resumeCommand} from '../src/ui/live-progress.js';
import {progressFlag, useInk} from '../src/ui/progress.js';
import {integerFlag, integerListFlag} from '../src/ui/number-flags.js';

/** createdAt honours SOURCE_DATE_EPOCH (seconds) so repeated runs can be byte-identical. */
function createdAt(): string {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000).toISOString();
  return new Date().toISOString();
}

export default class Profile extends PlannerCommand {
  static override description = `Profile an engine configuration: sweep prefill ISLs and decode (ISL, concurrency) points, write one profile per TP.

The sweep plan is Dynamo's (v2025-08): prefill ISLs range(100, max context, (max context - 100) // prefill granularity), one request each; decode ISLs range(100, max context - OSL, (max context - OSL) // decode granularity) with OSL 500 and concurrencies up to what the KV cache holds. --synthetic evaluates the plan on the op-level synthetic model (no GPU): kernel efficiencies fitted on H200 measurements, other GPUs scaled by their own peaks. Output: DIR/tp1/profile.json, DIR/tp2/profile.json, ...

--endpoint URL measures a running OpenAI-compatible server (vLLM, SGLang, TensorRT-LLM, a Dynamo frontend) with the same plan: prefill points at batch 1 (--prefill-repeats each, median kept, p10/p90 in spread), decode points with n streams started together, ITL taken in the window where all n are generating. Prompt lengths are calibrated with usage.prompt_tokens (or exact token ids from --tokenizer with --api completions); every prompt starts with a random prefix so no prefix cache serves it. Every request is appended to DIR/samples.jsonl as it finishes; Ctrl-C keeps them and --resume continues. Output: DIR/profile.json, DIR/report.html (and per-point CSV with --csv). --launch "<command with {tp} and {port}>" starts one engine per --tp (no shell), waits for /health, profiles it into DIR/tp<N> and stops it.`;

  static override examples = [
    '<%= config.bin %> profile --synthetic --model llama-3.1-8b --gpu h200_sxm --tp 1,2,4,8 --quant fp8 --out out/llama8b-h200',
    '<%= config.bin %> profile --synthetic --model llama-3.1-70b --gpu h100_sxm --tp 4,8 --out out/70b --max-context 8192',
    '<%= config.bin %> profile --endpoint http://localhost:8000 --tp 1 --gpu h200_sxm --out results/live-tp1',
    '<%= config.bin %> profile --endpoint http://localhost:8000 --only prefill --prefill-repeats 5 --out results/prefill --resume',
    '<%= config.bin %> profile --launch "vllm serve meta-llama/Llama-3.1-8B-Instruct --tensor-parallel-size {tp} --port {port}" --tp 1,2 --out results/llama8b',
  ];

  static override flags = {
    synthetic: Flags.boolean({description: 'Evaluate the sweep on the synthetic op-level model instead of a live endpoint.', default: false}),
    ...syntheticFlags,
    model: Flags.string({description: `${syntheticFlags.model.description} With --endpoint/--launch: the served model name sent in requests (default: the first model of /v1/models).`, helpGroup: 'SYNTHETIC ENGINE'}),
    tp: integerListFlag({...GPUS, description: 'Tensor-parallel sizes to profile, comma-separated; one profile directory each.', default: [1, 2, 4, 8], helpGroup: 'SYNTHETIC ENGINE'}),
    out: Flags.string({description: 'Output directory: --synthetic and --launch write DIR/tp<N>/profile.json, --endpoint writes DIR/profile.json (with samples.jsonl and report.html).', required: true}),
    'max-context': integerFlag({description: 'Largest context the sweep covers, tokens (capped at the model\'s positions).', default: 16384, min: 200, max: TOKENS.max, maxReason: TOKENS.maxReason}),
    'prefill-granularity': integerFlag({description: 'Number of prefill ISL steps.', default: 16, min: 1, max: 1000, maxReason: 'each step is a separate measurement'}),
    'decode-granularity': integerFlag({description: 'Number of decode ISL steps and concurrency steps per ISL.', default: 6, min: 1, max: 100, maxReason: 'each step squared is a separate measurement'}),
    'decode-osl': integerFlag({description: 'Output tokens of each decode request.', default: DEFAULT_DECODE_OSL, min: 2, max: TOKENS.max, maxReason: TOKENS.maxReason, aliases: ['osl']}),
    endpoint: Flags.string({description: 'Base URL of a running OpenAI-compatible server to measure (e.g. http://localhost:8000).', helpGroup: 'LIVE', exclusive: ['synthetic', 'launch']}),
    launch: Flags.string({description: 'Command that starts one engine, with {tp} and {port} placeholders; run without a shell once per --tp.', helpGroup: 'LIVE', exclusive: ['synthetic']}),
    port: integerFlag({description: 'Port given to --launch as {port} (default: a free port).', min: 1, max: 65_535, helpGroup: 'LIVE'}),
    'launch-timeout': integerFlag({description: 'Seconds to wait for a launched engine to answer /health.', default: 900, min: 1, max: 86_400, maxReason: 'longer than a day', helpGroup: 'LIVE'}),
    api: Flags.option({description: 'Which API to stream from.', options: ['completions', 'chat'] as const, default: 'completions' as const, helpGroup: 'LIVE'})(),
    'api-key': Flags.string({description: 'Bearer token (default: $OPENAI_API_KEY); never written to any file.', helpGroup: 'LIVE'}),
    header: Flags.string({description: 'Extra request header "Name: value" (repeatable).', multiple: true, helpGroup: 'LIVE'}),
    'request-timeout': integerFlag({description: 'Seconds before one request counts as timed out.', default: 600, min: 1, max: 86_400, maxReason: 'longer than a day', helpGroup: 'LIVE'}),
    retries: integerFlag({description: 'Retries of a request after a connection error, 429 or 503 (with backoff, Retry-After honoured).', default: 3, min: 0, max: 100, maxReason: 'a request that failed 100 times will not succeed', helpGroup: 'LIVE'}),
    'max-retry-wait': integerFlag({description: 'Longest wait before a retry, s: a server\'s Retry-After above it is capped (waits over a second are announced).', default: 30, min: 0, max: 3600, maxReason: 'an hour', helpGroup: 'LIVE'}),
    tokenizer: Flags.string({description: 'tokenizer.json of the served model: prompts become exact token-id arrays (needs --api completions).', helpGroup: 'LIVE'}),
    'prefill-repeats': integerFlag({description: 'Requests per prefill ISL; the median TTFT is kept, p10/p90 go to spread.', default: 3, min: 1, max: 1000, maxReason: 'each repeat is a separate request', helpGroup: 'LIVE'}),
    'prefill-osl': integerFlag({description: 'Output tokens of each prefill request (Dynamo uses 5).', default: 5, ...TOKENS, helpGroup: 'LIVE'}),
    'max-kv-tokens': integerFlag({description: 'KV-cache capacity of the engine, tokens (default: read from the server\'s /metrics).', min: 1, max: 1e12, maxReason: 'more than any GPU memory holds', helpGroup: 'LIVE'}),
    'max-concurrency': integerFlag({description: 'Largest number of concurrent decode streams (Dynamo caps at 2000).', default: 2000, ...CONCURRENCY, helpGroup: 'LIVE'}),
    only: Flags.option({description: 'Measure one phase only.', options: ['prefill', 'decode'] as const, helpGroup: 'LIVE'})(),
    warmup: integerFlag({description: 'Unrecorded warm-up requests before the sweep.', default: 3, min: 0, max: 10_000, maxReason: 'warm-up only needs a few requests', helpGroup: 'LIVE'}),
    'decode-warmup': Flags.boolean({description: 'Send each decode point\'s prompts once with max_tokens 1 first (a prefix cache then shortens the measured prefill).', default: false, helpGroup: 'LIVE'}),
    resume: Flags.boolean({description: 'Continue an interrupted sweep in the same --out: finished points are kept, the rest run.', default: false, helpGroup: 'LIVE'}),
    csv: Flags.boolean({description: 'Also write prefill.csv and decode.csv (one row per point).', default: false, helpGroup: 'LIVE'}),
    report: Flags.boolean({description: 'Write report.html next to profile.json.', default: true, allowNo: true, helpGroup: 'LIVE'}),
    progress: progressFlag({helpGroup: 'LIVE'}),
  };

  /** The library's output directory is this command's --out; its request headers are --header. */
  static override optionFlags = {dir: 'out', headers: 'header', readyTimeoutMs: 'launch-timeout'};

  async run(): Promise<void> {
    const {flags} = await this.parse(Profile);
    if (flags.endpoint || flags.launch) return this.runLive(flags);
    if (!flags.synthetic) {
      throw badInput('choose what to profile: --endpoint URL (a running server), --launch "<command>" (engines started for you) or --synthetic (the op-level model)');
    }
    this.refuseFlags(liveFlagNames, 'to --synthetic (live profiling only: --endpoint, --launch)');
    const {profiles, skipped} = await profileSyntheticTps({
      engine: syntheticOptionsFromFlags({...flags, tp: undefined}), tps: flags.tp, dir: flags.out, maxContext: flags['max-context'], prefillGranularity: flags['prefill-granularity'],
      decodeGranularity: flags['decode-granularity'], decodeOsl: flags['decode-osl'], tool: TOOL_NAME, createdAt: createdAt(), note: (t) => this.note(t),
    });
    if (flags.json) {
      this.printJson({profiles, skipped});
      return;
    }
    for (const w of profiles) {
      this.print(
        `TP ${w.tp}: ${w.file}  (${w.prefillPoints} prefill points, TTFT ${w.ttftMsRange[0].toFixed(1)}..${w.ttftMsRange[1].toFixed(1)} ms; ${w.decodePoints} decode points; KV ${w.maxKvTokens} tokens)`,
      );
    }
  }

  /** Live mode: --endpoint (one running server) or --launch (one engine per TP). */
  private async runLive(flags: ProfileFlags): Promise<void> {
    if (flags.synthetic) throw badInput('--synthetic cannot be combined with --endpoint or --launch');
    this.refuseFlags(['quant', 'kv-quant', 'gpu-mem-util'], 'to a live engine (the synthetic engine\'s)');
    const api = flags.api;
    const headers: Record<string, string> = {};
    for (const h of flags.header ?? []) {
      const i = h.indexOf(':');
      if (i <= 0) throw badInput(`--header ${JSON.stringify(h)} must look like "Name: value"`);
      headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
    }
    let tokenizer: IdVocabulary | undefined;
    if (flags.tokenizer) {
      if (api !== 'completions') throw badInput('--tokenizer needs --api completions (token-id prompts)', 'drop --tokenizer to calibrate chat prompts from usage.prompt_tokens');
      tokenizer = await loadTokenizerVocabulary(flags.tokenizer);
    }
    const tpGiven = this.givenFlags().has('tp');
    const tps = flags.launch ? [...new Set(flags.tp)] : tpGiven ? flags.tp : [1];
    if (!flags.launch && tps.length > 1) throw badInput(`--tp takes one value with --endpoint (the GPUs behind it), got ${tps.join(',')}`, 'use --launch to start one engine per TP');
    if (flags.launch && flags.port !== undefined && tps.length > 1) this.note(`--port ${flags.port} is reused for every TP (engines run one after another)`);

    const inkShown = useInk(flags.progress, flags.json);
    const progress = async (prefix: string): Promise<LiveProgress> => {
      if (flags.progress === 'none') return new PlainProgress(() => {});
      if (inkShown) {
        const {InkProgress} = await import('../src/ui/live-progress-view.js');
        return new InkProgress(process.stderr);
      }
      return new PlainProgress((line) => this.note(line), prefix);
    };
    const {results, interrupted} = await profileLiveTps({
      endpoint: flags.endpoint, launch: flags.launch, tps, dir: flags.out, port: flags.port, readyTimeoutMs: flags['launch-timeout'] * 1000, progress,
      api, model: flags.model, apiKey: flags['api-key'] ?? process.env.OPENAI_API_KEY, headers, requestTimeoutMs: flags['request-timeout'] * 1000, retries: flags.retries,
      maxRetryWaitMs: flags['max-retry-wait'] * 1000, tokenizer, gpu: flags.gpu ?? 'unknown', backend: flags.backend, maxContext: flags['max-context'],
      prefillGranularity: flags['prefill-granularity'], decodeGranularity: flags['decode-granularity'], decodeOsl: flags['decode-osl'], prefillOsl: flags['prefill-osl'],
      prefillRepeats: flags['prefill-repeats'], maxKvTokens: flags['max-kv-tokens'], maxConcurrency: flags['max-concurrency'], only: flags.only,
      warmup: flags.warmup, decodePrefixWarmup: flags['decode-warmup'], resume: flags.resume,
      renderOutputs: (dir: string, profile: ProfileDoc, arrays: LiveArrays, extras: LiveOutputExtras) => liveOutputs(dir, profile, arrays, extras, {report: flags.report, csv: flags.csv}),
      tool: TOOL_NAME, createdAt: createdAt(), note: (t: string) => this.note(t),
    });

    const resume = interrupted ? resumeCommand(this.config.bin, process.argv.slice(2)) : undefined;
    const summary = results.map((r) => ({
      tp: r.tp, dir: r.dir, profile: r.profileFile ?? null, samples: r.samplesFile, report: r.reportFile ?? null, csv: r.csvFiles, model: r.model,
      maxKvTokens: r.maxKvTokens ?? null, maxKvTokensSource: r.maxKvTokensSource ?? null, prefillPoints: r.prefillPoints, decodePoints: r.decodePoints,
      nonSteadyDecodePoints: r.nonSteadyPoints, requests: r.run.requests, errors: r.run.errors, errorKinds: r.run.errorKinds, shortOutputs: r.run.shortOutputs,
      calibration: r.run.calibration, pointsRun: r.run.pointsRun, pointsResumed: r.run.pointsSkipped, interrupted: r.run.interrupted, unmeasured: r.unmeasured,
    }));
    if (flags.json) this.printJson({profiles: summary, interrupted, ...(resume ? {resume} : {})});
    else {
      for (const s of summary) {
        if (s.profile) {
          this.print(`TP ${s.tp}: ${s.profile}  (${s.prefillPoints} prefill points, ${s.decodePoints} decode points; ${s.requests} requests this run, ${s.errors} errors${s.shortOutputs ? `, ${s.shortOutputs} short outputs` : ''})`);
          if (s.report) this.print(`  report: ${s.report}`);
          for (const c of s.csv) this.print(`  csv: ${c}`);
        }
        for (const [kind, n] of Object.entries(s.errorKinds)) this.print(`  ${n} x ${kind}`);
        if (s.unmeasured.length > 0) this.print(`  ${s.unmeasured.length} points could not be measured: ${s.unmeasured.map((u) => u.point).join(', ')}`);
      }
    }
    const unmeasured = summary.reduce((n, s) => n + s.unmeasured.length, 0);
    if (unmeasured > 0 && !interrupted) {
      this.note(`Error: ${unmeasured} points of the sweep could not be measured; the profile holds the others (rerun with --resume to measure them again)`);
      process.exitCode = EXIT_FAILURE;
    }
    if (interrupted) {
      this.note(`interrupted: every finished request is kept in ${results.map((r) => r.samplesFile).join(', ') || path.join(flags.out, 'samples.jsonl')}`);
      this.note(`resume with: ${resume}`);
      process.exitCode = 130;
    }
  }
}

/** The flags of live profiling (help group LIVE). */
const liveFlagNames = Object.entries(Profile.flags).filter(([, f]) => (f as {helpGroup?: string}).helpGroup === 'LIVE').map(([name]) => name);

type ProfileFlags = Interfaces.InferredFlags<typeof Profile.flags & typeof PlannerCommand.baseFlags>;

