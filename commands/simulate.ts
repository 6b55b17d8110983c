import {Flags} from '@oclif/core';
import {prepareOutputs, writeOutputs} from '../src/outputs.js';
import {badInput, withSubject} from '../src/errors.js';
import {runBenchmark} from '../src/engines/sim/benchmark.js';
import {DEFAULT_PERCENTILES, parseGoodput, parsePercentiles, summarizeRequests, type BenchmarkSummary, type MetricStats, type RequestRecord} from '../src/engines/sim/benchmark-report.js';
import {simSetup} from '../src/engines/sim/setup.js';
import {objectsToCsv} from '../src/report/csv.js';
import {PlannerCommand} from '../src/ui/command.js';
import {SyntheticPerfModel} from '../src/engines/synthetic/index.js';
import {simEngineFlags, simSetupOptionsFromFlags} from '../src/ui/sim-flags.js';
import {integerFlag, parseNumberText} from '../src/ui/number-flags.js';
import {progressFlag} from '../src/ui/progress.js';
import {CONCURRENCY, REQUEST_RATE, SIM_REQUESTS, TOKENS} from '../src/limits.js';

const REQUEST_COLUMNS = ['index', 'sentMs', 'firstTokenMs', 'finishMs', 'inputTokens', 'outputTokens', 'ttftMs', 'itlMs', 'tpotMs', 'e2eMs'] as const;

export default class Simulate extends PlannerCommand {
  static override summary = 'Run a benchmark on the simulated engine, in virtual time.';
  static override description = `Answers "what would my benchmark say?" before you have the GPUs: runs the requests a client such as aiperf would send (fixed ISL and OSL, closed-loop concurrency or open-loop request rate) through the simulated continuous-batching engine, whose iteration times come from a profile (--profile DIR) or from the synthetic op-level model (--synthetic --model --gpu --tp). No sockets, no waiting: thousands of requests take well under a second.

Metrics as vllm bench serve and aiperf report them: TTFT is send to first token; ITL the per-request mean gap between tokens; TPOT (E2E - TTFT) / (output tokens - 1), the first token excluded; E2E send to last token; throughput in requests, input, output and total tokens per second over the measured window. --goodput counts the requests that meet every target (aiperf's definition), as a share and a rate. Warm-up requests (by default the first wave of the concurrency) are not measured. The engine schedules as the --backend does (--scheduler-policy overrides): vLLM V1 decodes first and chunks prefills into the token budget, preempting when KV runs out; TRT-LLM reserves KV for the whole request at admission; SGLang runs prefill-only batches first. Serving overheads and the closed loop's output-length spread (real closed loops do not stay in lock-step waves) are fitted per backend on measured runs (bench/serving-accuracy.ts); the policy, overheads and assumptions used are printed. An open-loop run whose requests finish more slowly than they are sent is flagged as overloaded: its latencies grow with the run's length.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --profile profiles/h200-llama3.1-8b-fp8-tp1 --isl 3000 --osl 300 --concurrency 64',
    '<%= config.bin %> <%= command.id %> --profile profiles/h200-llama3.1-8b-fp8-tp1 --isl 1000 --osl 200 --request-rate 20 --requests 2000 --goodput "ttft:200 itl:10" --json',
    '<%= config.bin %> <%= command.id %> --profile profiles/h200-llama3.1-8b-fp8-tp1 --isl 1000 --osl 200 --request-rate inf --requests 500 --percentiles 50,95,99.9 --export-requests requests.csv',
    '<%= config.bin %> <%= command.id %> --synthetic --model llama-3.1-70b --gpu h100_sxm --tp 4 --quant fp8 --isl 2000 --osl 200 --concurrency 128',
  ];

  static override flags = {
    ...simEngineFlags,
    isl: integerFlag({description: 'Input tokens per request.', required: true, ...TOKENS}),
    osl: integerFlag({description: 'Output tokens per request.', required: true, ...TOKENS}),
    concurrency: integerFlag({description: 'Closed loop: requests in flight; a new one is sent when one finishes.', ...CONCURRENCY, exactlyOne: ['concurrency', 'request-rate']}),
    'request-rate': Flags.string({description: 'Open loop: requests per second, or inf to send every request at once.', exactlyOne: ['concurrency', 'request-rate']}),
    arrival: Flags.option({description: 'Arrival process of the open loop.', options: ['poisson', 'constant'] as const, default: 'poisson' as const})(),
    requests: integerFlag({description: 'Measured requests.', default: 1000, ...SIM_REQUESTS}),
    warmup: integerFlag({description: 'Warm-up requests sent first and not measured (default: the concurrency; 0 with --request-rate).', ...SIM_REQUESTS, min: 0}),
    seed: integerFlag({description: 'Seed of the Poisson arrivals and of the output lengths.', default: 1}),
    'osl-spread': Flags.string({description: "Output lengths vary uniformly within ±this fraction of --osl, in [0, 1) (default: the backend's calibrated spread; 0 = exact lengths, which keeps a closed loop in lock-step waves)."}),
    percentiles: Flags.string({description: 'Percentiles reported for each latency, comma-separated.', default: DEFAULT_PERCENTILES.join(',')}),
    goodput: Flags.string({description: 'SLA targets in ms, e.g. "ttft:200 itl:10" (also tpot, e2e; aiperf names accepted): report the share and rate of requests meeting all of them.'}),
    'export-requests': Flags.string({description: 'Write one record per measured request to this file: CSV when it ends in .csv, else JSONL.'}),
    progress: progressFlag(),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Simulate);
    let requestRate: number | undefined;
    if (flags['request-rate'] !== undefined) {
      const text = flags['request-rate'].trim().toLowerCase();
      requestRate = text === 'inf' ? Number.POSITIVE_INFINITY : parseNumberText(text, REQUEST_RATE, '--request-rate');
    }
    if (flags.concurrency !== undefined) this.refuseFlags(['arrival'], 'to a closed loop (--concurrency)');
    if (flags.synthetic) this.refuseFlags(['interpolation'], 'to --synthetic (it reads a profile)');
    else this.refuseFlags(['model', 'gpu', 'tp', 'quant', 'kv-quant', 'backend', 'gpu-mem-util'], 'to --profile (the synthetic engine\'s)');
    const percentiles = withSubject('percentiles', () => parsePercentiles(flags.percentiles));
    const goodput = flags.goodput === undefined ? undefined : withSubject('goodput', () => parseGoodput(flags.goodput!));
    const setup = await simSetup(simSetupOptionsFromFlags(flags));
    const limit = Math.floor((setup.engine.maxKvTokens ?? setup.perfModel.maxKvTokens) / setup.engine.blockSize!) * setup.engine.blockSize!;
    if (flags.isl + flags.osl > limit) throw badInput(`--isl + --osl = ${flags.isl + flags.osl} tokens exceed the engine's KV capacity of ${limit} tokens`);
    // A fraction below 1, the bound excluded (a number flag's range includes its maximum); blank is no number.
    const oslSpread = flags['osl-spread'] === undefined ? setup.backend.overheads.oslSpread : flags['osl-spread'].trim() === '' ? Number.NaN : Number(flags['osl-spread']);
    if (!(oslSpread >= 0 && oslSpread < 1)) throw badInput(`--osl-spread must be a fraction in [0, 1), got "${flags['osl-spread']}"`);
    const synthetic = setup.perfModel instanceof SyntheticPerfModel ? setup.perfModel : undefined;
    const servingModel = {
      schedulerPolicy: setup.policy.name,
      schedulerSummary: setup.policy.summary,
      perRequestMs: setup.perfModel.perRequestMs ?? 0,
      perIterationMs: synthetic?.perIterationMs ?? 0,
      overheadSource: synthetic ? setup.backend.overheads.source : "inside the profile's measured TTFT and ITL",
      oslSpread,
      assumptions: synthetic?.assumptions ?? [],
    };
    // The export's destination is checked (and its directory made) before the run, as every output is.
    if (flags['export-requests']) await prepareOutputs([flags['export-requests']]);
    const startedMs = performance.now();
    const progress = await this.startProgress(flags.progress, flags.json);
    const run = runBenchmark(setup.perfModel, setup.engine, {
      onProgress: progress.report,
      isl: flags.isl,
      osl: flags.osl,
      concurrency: flags.concurrency,
      requestRate,
      arrival: flags.arrival,
      requests: flags.requests,
      warmupRequests: flags.warmup,
      oslSpread,
      seed: flags.seed,
    });
    progress.stop();
    const wallMs = performance.now() - startedMs;
    const summary = summarizeRequests(run.perRequest, {percentiles, goodput, gpusPerEngine: setup.perfModel.gpusPerEngine, openLoop: requestRate !== undefined});
    const settings = {
      isl: flags.isl, osl: flags.osl,
      concurrency: flags.concurrency ?? null,
      requestRate: requestRate === undefined ? null : Number.isFinite(requestRate) ? requestRate : 'inf',
      arrival: requestRate === undefined ? null : flags.arrival,
      requests: flags.requests, warmupRequests: run.warmupRequests, seed: flags.seed, percentiles,
      goodputTargetsMs: goodput ?? null,
      timing: setup.source, engine: setup.engine, servingModel,
    };
    if (flags['export-requests']) await exportRequests(flags['export-requests'], run.perRequest);
    if (summary.overload?.overloaded) this.warnLine(`overloaded: ${summary.overload.reason}`);
    if (flags.json) {
      const {perRequest: _omit, ...engine} = run;
      this.printJson({settings, ...summary, warmupRequests: run.warmupRequests, meanDecodeBatch: engine.meanDecodeBatch, iterations: engine.iterations, preemptions: engine.preemptions, perfModel: engine.perfModel});
      return;
    }
    const load = flags.concurrency !== undefined ? `concurrency ${flags.concurrency}` : Number.isFinite(requestRate!) ? `${requestRate} req/s (${flags.arrival})` : 'all requests at once (rate inf)';
    this.print(render(summary, {load, isl: flags.isl, osl: flags.osl, warmup: run.warmupRequests, perfModel: run.perfModel, meanDecodeBatch: run.meanDecodeBatch, preemptions: run.preemptions, percentiles}));
    this.print(
      [
        '',
        `Scheduler policy     ${servingModel.schedulerSummary}`,
        `Serving overheads    ${servingModel.perRequestMs} ms per request, ${servingModel.perIterationMs} ms per iteration (${servingModel.overheadSource})`,
        `Output lengths       ${oslSpread === 0 ? 'exact' : `±${(oslSpread * 100).toFixed(0)} % of --osl (${flags['osl-spread'] === undefined ? "the backend's calibrated spread" : '--osl-spread'})`}`,
        ...servingModel.assumptions.map((a, i) => `${i === 0 ? 'Assumptions' : ''}`.padEnd(21) + a),
      ].join('\n'),
    );
    if (flags['export-requests']) this.note(`wrote ${run.perRequest.length} requests to ${flags['export-requests']}`);
    this.note(`simulated ${summary.requests + run.warmupRequests} requests (${run.iterations} iterations) in ${wallMs.toFixed(0)} ms`);
  }
}

async function exportRequests(file: string, records: readonly RequestRecord[]): Promise<void> {
  const text = file.toLowerCase().endsWith('.csv')
    ? objectsToCsv([...REQUEST_COLUMNS], records as unknown as Record<string, number | null>[])
    : records.map((r) => JSON.stringify(r)).join('\n') + (records.length > 0 ? '\n' : '');
  await writeOutputs([{file, data: text}]);
}

interface RenderContext {
  load: string;
  isl: number;
  osl: number;
  warmup: number;
  perfModel: string;
  meanDecodeBatch: number;
  preemptions: number;
  percentiles: readonly number[];
}

function render(r: BenchmarkSummary, c: RenderContext): string {
  const keys = ['mean', ...c.percentiles.map((q) => `p${q}`)];
  const row = (name: string, s: MetricStats) => `${name.padEnd(10)}${keys.map((k) => fmt(s[k]!).padStart(10)).join('')}`;
  const lines = [
    `Simulated benchmark: ISL ${c.isl}, OSL ${c.osl}, ${c.load}; ${r.requests} requests measured after ${c.warmup} warm-up`,
    `Engine: ${c.perfModel}`,
    '',
    `${'(ms)'.padEnd(10)}${keys.map((h) => h.padStart(10)).join('')}`,
    row('TTFT', r.ttftMs),
    row('ITL', r.itlMs),
    row('TPOT', r.tpotMs),
    row('E2E', r.e2eMs),
    '',
    `Requests/s           ${fmt(r.requestsPerS)}`,
    `Input tokens/s       ${fmt(r.inputTokensPerS)}`,
    `Output tokens/s      ${fmt(r.outputTokensPerS)}`,
    `Total tokens/s       ${fmt(r.totalTokensPerS)}`,
    `Output tokens/s/GPU  ${fmt(r.tokensPerSPerGpu)}`,
    `Mean decode batch    ${fmt(c.meanDecodeBatch)}`,
    `Preemptions          ${c.preemptions}`,
  ];
  if (r.goodput) {
    const targets = Object.entries(r.goodput.targetsMs).map(([k, v]) => `${k} <= ${v} ms`).join(', ');
    lines.push(`Goodput              ${fmt(r.goodput.goodputRps)} req/s: ${r.goodput.goodRequests} of ${r.requests} requests (${(r.goodput.fraction * 100).toFixed(1)} %) meet ${targets}`);
  }
  return lines.join('\n');
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return '-';
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}
