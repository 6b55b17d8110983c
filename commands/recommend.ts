import {Flags} from '@oclif/core';
import {badInput, withSubject} from '../src/errors.js';
import {GPUS, LATENCY_MS, REQUEST_RATE, TOKENS} from '../src/limits.js';
import {prepareOutputs, writeOutputs, type OutputFile} from '../src/outputs.js';
import {DEFAULT_AGG_REQUESTS} from '../src/recommend/agg.js';
import {profileCandidates, syntheticCandidates} from '../src/recommend/candidates.js';
import {plannerConfigDestinations, plannerConfigOutputs, type EmittedPlannerConfig} from '../src/recommend/planner-config.js';
import {DEFAULT_ADJUSTMENT_INTERVAL_S, recommend, type RecommendCandidate, type Recommendation} from '../src/recommend/recommend.js';
import {recommendationReport, recommendationText} from '../src/recommend/render.js';
import {renderReport} from '../src/report/html.js';
import {PlannerCommand} from '../src/ui/command.js';
import {progressFlag} from '../src/ui/progress.js';
import {syntheticFlags, syntheticOptionsFromFlags} from '../src/ui/synthetic-flags.js';
import {TOOL_NAME} from '../src/version.js';
import {numberFlag, integerFlag, integerListFlag} from '../src/ui/number-flags.js';

export default class Recommend extends PlannerCommand {
  static override summary = 'Recommend prefill and decode TP, planner thresholds, replicas, and aggregated vs disaggregated serving for an SLA.';
  static override description = `From one profile per TP (or the synthetic model at --tp 1,2,4,8), answers what NVIDIA Dynamo's pre-deployment profiler and AIConfigurator answer:

- per TP and phase: whether the SLA is met, tokens/s/GPU at the SLA and the latency there (prefill: batch-1 TTFT at the ISL; decode: best throughput with ITL <= target at context ISL + OSL/2);
- the prefill and decode TP, as Dynamo's profiler chooses: the best tokens/s/GPU meeting the target, or the lowest latency (with a warning) when no TP meets it; ties go to the smaller TP;
- the thresholds Dynamo's profiler prints (prefill queue bounds, decode kv-usage bounds) and, with --emit-planner-config, a Dynamo SLA-planner config plus the profile data it points to;
- with --request-rate: prefill and decode replicas by Dynamo's planner formula, and the GPUs, checked against --max-gpu-budget;
- aggregated vs disaggregated: each TP's engine is simulated (continuous batching, mixed prefill and decode iterations, Poisson arrivals) to find the highest rate meeting both targets; disaggregated layouts rate-match prefill workers (queueing-aware, M/D/1) with decode workers; the better output tokens/s/GPU wins.

--profile takes profile directories (one per TP), or a directory of tp1/, tp2/, ... profiles. A profile without decode data gives a prefill-only recommendation.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --synthetic --model llama-3.1-8b --gpu h200_sxm --tp 1,2,4,8 --isl 4000 --osl 500 --ttft 300 --itl 20',
    '<%= config.bin %> <%= command.id %> --profile out/llama8b-h200 --isl 3000 --osl 300 --ttft 200 --itl 15 --request-rate 40 --max-gpu-budget 16',
    '<%= config.bin %> <%= command.id %> --profile out/llama8b-h200/tp1 --profile out/llama8b-h200/tp2 --isl 3000 --osl 300 --ttft 200 --itl 15 --emit-planner-config deploy/planner.json --html rec.html',
  ];

  static override flags = {
    profile: Flags.string({char: 'p', description: 'Profile directory, profile.json or Dynamo results directory (one per TP; repeat the flag), or a directory of tpN profile directories.', multiple: true, exclusive: ['synthetic']}),
    synthetic: Flags.boolean({description: 'Use the synthetic op-level model at each --tp instead of profiles (sweeps made in memory).', default: false}),
    ...syntheticFlags,
    tp: integerListFlag({...GPUS, description: 'With --synthetic: tensor-parallel sizes to compare, comma-separated.', default: [1, 2, 4, 8], helpGroup: 'SYNTHETIC ENGINE'}),
    'max-context': integerFlag({description: 'With --synthetic: largest context the in-memory sweep covers, tokens.', default: 16384, min: 200, max: TOKENS.max, maxReason: TOKENS.maxReason, helpGroup: 'SYNTHETIC ENGINE'}),
    isl: integerFlag({description: 'Input sequence length, tokens.', required: true, ...TOKENS}),
    osl: integerFlag({description: 'Output sequence length, tokens.', required: true, ...TOKENS}),
    ttft: numberFlag({...LATENCY_MS, description: 'TTFT target, ms (required: a recommendation is only as good as its SLA).', required: true}),
    itl: numberFlag({...LATENCY_MS, description: 'ITL target, ms (required: a recommendation is only as good as its SLA).', required: true}),
    method: Flags.option({description: 'How per-TP answers are read from a profile: spline (Dynamo-exact), regression (fits), auto (spline inside the profiled range).', options: ['auto', 'spline', 'regression'] as const, default: 'auto' as const})(),
    'request-rate': numberFlag({...REQUEST_RATE, description: 'Target requests/s: size prefill and decode replicas (and aggregated replicas).'}),
    'max-gpu-budget': integerFlag({description: 'Total GPUs available; replicas are checked against it and no layout may exceed it.', ...GPUS}),
    'adjustment-interval': integerFlag({description: 'Planner adjustment interval, s (replica formula and planner config).', default: DEFAULT_ADJUSTMENT_INTERVAL_S, min: 1, max: 86_400, maxReason: 'longer than a day'}),
    'min-endpoint': integerFlag({description: 'Fewest replicas per component.', default: 1, min: 0, max: GPUS.max, maxReason: GPUS.maxReason}),
    'sla-stat': Flags.option({description: 'Statistic of simulated TTFT and ITL that must meet the targets in the aggregated search (profile answers are means).', options: ['mean', 'p50', 'p90', 'p99'] as const, default: 'mean' as const})(),
    agg: Flags.boolean({description: 'Simulate aggregated serving (--no-agg skips it).', default: true, allowNo: true}),
    'sim-requests': integerFlag({description: 'Measured requests per simulated run of the aggregated search.', default: DEFAULT_AGG_REQUESTS, min: 20, max: 1_000_000, maxReason: 'each TP runs a dozen simulations of this many requests'}),
    seed: integerFlag({description: 'Seed of the simulated Poisson arrivals.', default: 1}),
    progress: progressFlag(),
    html: Flags.string({description: 'Write a self-contained HTML report with the Pareto chart to this file.'}),
    'emit-planner-config': Flags.string({description: "Write a Dynamo SLA-planner config (JSON) to this file, and the chosen TPs' profile data in Dynamo's layout next to it."}),
    'planner-profile-dir': Flags.string({description: "Where --emit-planner-config writes the profile data (default: FILE's directory/profiling_results)."}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Recommend);
    const started = performance.now();
    // Every destination is checked before the (long) search, and nothing is written unless all can be.
    const plannerFile = flags['emit-planner-config'];
    await prepareOutputs([...(flags.html ? [flags.html] : []), ...(plannerFile ? plannerConfigDestinations(plannerFile, flags['planner-profile-dir']) : [])]);
    let candidates: RecommendCandidate[];
    let sourceLine: string;
    if (!flags.synthetic) this.refuseFlags(['model', 'gpu', 'tp', 'quant', 'kv-quant', 'backend', 'gpu-mem-util', 'max-context'], 'to --profile (the synthetic engine\'s)');
    if (!flags.agg) this.refuseFlags(['sim-requests', 'sla-stat', 'seed'], 'with --no-agg (the aggregated search\'s)');
    if (!flags['emit-planner-config']) this.refuseFlags(['planner-profile-dir'], 'without --emit-planner-config');
    if (flags.synthetic) {
      candidates = syntheticCandidates({
        engine: syntheticOptionsFromFlags({...flags, tp: 1}),
        tps: flags.tp,
        maxContext: flags['max-context'],
        isl: flags.isl,
        osl: flags.osl,
        tool: TOOL_NAME,
        onSkip: (tp, reason) => this.warnLine(`skipping TP ${tp}: ${reason}`),
      });
      sourceLine = `synthetic ${flags.model} on ${flags.gpu} (${flags.quant} weights, ${flags['kv-quant'] ?? `${flags.backend}'s default`} KV, ${flags.backend}), TP ${candidates.map((c) => c.tp).join(', ')}`;
    } else {
      if (!flags.profile || flags.profile.length === 0) throw badInput('give --profile DIR (one per TP, or a directory of tpN profiles) or --synthetic with --model and --gpu');
      // The library names the files; the command adds the flag they came from.
      candidates = await withSubject('profile', () => profileCandidates(flags.profile!));
      sourceLine = candidates.map((c) => `TP ${c.tp}: ${c.source}`).join('; ');
    }
    if (candidates.length === 0) throw badInput('no profile to recommend from');

    let rec: Recommendation;
    const progress = await this.startProgress(flags.progress, flags.json);
    try {
      rec = recommend(candidates, {
        isl: flags.isl,
        osl: flags.osl,
        ttftMs: flags.ttft,
        itlMs: flags.itl,
        method: flags.method,
        requestRateRps: flags['request-rate'],
        maxGpuBudget: flags['max-gpu-budget'],
        adjustmentIntervalS: flags['adjustment-interval'],
        minEndpoint: flags['min-endpoint'],
        slaStat: flags['sla-stat'],
        aggRequests: flags['sim-requests'],
        seed: flags.seed,
        noAgg: !flags.agg,
        onProgress: progress.report,
      });
    } finally {
      progress.stop();
    }

    const outputs: OutputFile[] = [];
    let planner: EmittedPlannerConfig | undefined;
    if (plannerFile) {
      if (!rec.prefill || !rec.decode) throw badInput('--emit-planner-config needs prefill and decode data: the profiles have no decode section');
      const emitted = plannerConfigOutputs({
        file: plannerFile,
        profileDir: flags['planner-profile-dir'],
        rec,
        candidates,
        adjustmentIntervalS: flags['adjustment-interval'],
        maxGpuBudget: flags['max-gpu-budget'],
        minEndpoint: flags['min-endpoint'],
      });
      planner = emitted.emitted;
      outputs.push(...emitted.outputs);
    }
    const text = recommendationText(rec, sourceLine);
    if (flags.html) outputs.push({file: flags.html, data: renderReport(recommendationReport(rec, sourceLine, text))});
    await writeOutputs(outputs);
    const elapsedMs = performance.now() - started;
    if (flags.json) {
      this.printJson({...rec, plannerConfig: planner ?? null, elapsedMs: Math.round(elapsedMs)});
      return;
    }
    this.print(text);
    if (planner) {
      this.print('');
      this.print(`Planner config: ${planner.file} (${planner.schema}; profile data in ${planner.profileDir})`);
      this.print(`  ttft ${Number(planner.config.ttft)} ms, itl ${Number(planner.config.itl)} ms`);
      this.print(`  the same as v2025-08 planner flags (TTFT and ITL in seconds): ${planner.legacyArgs.join(' ')}`);
    }
    for (const w of rec.warnings) this.warnLine(w);
    if (flags.html) this.note(`Wrote ${flags.html}`);
    this.note(`recommend took ${(elapsedMs / 1000).toFixed(2)} s`);
  }
}
