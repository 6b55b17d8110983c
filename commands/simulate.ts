import {Flags} from '@oclif/core';
import {badInput} from '../src/errors.js';
import {runBenchmark, type BenchmarkResult} from '../src/engines/sim/benchmark.js';
import {simEngineFlags, simSetupFromFlags} from '../src/engines/sim/flags.js';
import {PlannerCommand} from '../src/ui/command.js';
import {resolveBackend, SyntheticPerfModel} from '../src/engines/synthetic/index.js';
import type {LatencyStats} from '../src/stats.js';

export default class Simulate extends PlannerCommand {
  static override summary = 'Run a benchmark on the simulated engine, in virtual time';
  static override description = `Answers "what would my benchmark say?" before you have the GPUs: runs the requests a client such as aiperf would send (fixed ISL and OSL, closed-loop concurrency or open-loop request rate) through the simulated continuous-batching engine, whose iteration times come from a profile (--profile DIR) or from the synthetic op-level model (--synthetic --model --gpu --tp). No sockets, no waiting: thousands of requests take well under a second.

TTFT is arrival to first token, ITL the per-request mean gap between tokens, TPOT includes TTFT (E2E / output tokens), E2E arrival to last token. Warm-up requests (by default the first wave of the concurrency) are not measured.

The engine schedules as the --backend does (--scheduler-policy overrides): vLLM V1 decodes first and chunks prefills into the token budget, preempting when KV runs out; TRT-LLM reserves KV for the whole request at admission; SGLang runs prefill-only batches first. Serving overheads and the closed loop's output-length spread (real closed loops do not stay in lock-step waves) are fitted per backend on measured runs (bench/serving-accuracy.ts); both are printed.`;

  static override examples = [
    '<%= config.bin %> simulate --profile profiles/h200-llama3.1-8b-fp8-tp1 --isl 3000 --osl 300 --concurrency 64',
    '<%= config.bin %> simulate --profile profiles/h200-llama3.1-8b-fp8-tp1 --isl 1000 --osl 200 --request-rate 20 --requests 2000 --json',
    '<%= config.bin %> simulate --synthetic --model llama-3.1-70b --gpu h100_sxm --tp 4 --quant fp8 --isl 2000 --osl 200 --concurrency 128',
  ];

  static override flags = {
    ...simEngineFlags,
    isl: Flags.integer({description: 'Input tokens per request.', required: true, min: 1}),
    osl: Flags.integer({description: 'Output tokens per request.', required: true, min: 1}),
    concurrency: Flags.integer({description: 'Closed loop: requests in flight; a new one is sent when one finishes.', min: 1, exactlyOne: ['concurrency', 'request-rate']}),
    'request-rate': Flags.string({description: 'Open loop: requests per second.', exactlyOne: ['concurrency', 'request-rate']}),
    arrival: Flags.string({description: 'Arrival process of the open loop.', options: ['poisson', 'constant'], default: 'poisson'}),
    requests: Flags.integer({description: 'Measured requests.', default: 1000, min: 1}),
    warmup: Flags.integer({description: 'Warm-up requests sent first and not measured (default: the concurrency; 0 with --request-rate).', min: 0}),
    seed: Flags.integer({description: 'Seed of the Poisson arrivals and of the output lengths.', default: 1}),
    'osl-spread': Flags.string({description: "Output lengths vary uniformly within ±this fraction of --osl, 0..1 (default: the backend's calibrated spread, 0 = exact lengths, lock-step waves in a closed loop)."}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Simulate);
    let requestRate: number | undefined;
    if (flags['request-rate'] !== undefined) {
      requestRate = Number(flags['request-rate']);
      if (!(requestRate > 0) || !Number.isFinite(requestRate)) throw badInput(`--request-rate must be a positive number of requests per second, got "${flags['request-rate']}"`);
    }
    const setup = await simSetupFromFlags(flags);
    const oslSpread = flags['osl-spread'] === undefined ? resolveBackend(setup.backend).overheads.oslSpread : Number(flags['osl-spread']);
    if (!(oslSpread >= 0 && oslSpread < 1)) throw badInput(`--osl-spread must be a fraction in [0, 1), got "${flags['osl-spread']}"`);
    const policy = setup.engine.policy!;
    const overheads = {perRequestMs: setup.perfModel.perRequestMs ?? 0, perIterationMs: setup.perfModel instanceof SyntheticPerfModel ? setup.perfModel.perIterationMs : 0};
    const limit = Math.floor((setup.engine.maxKvTokens ?? setup.perfModel.maxKvTokens) / setup.engine.blockSize!) * setup.engine.blockSize!;
    if (flags.isl + flags.osl > limit) throw badInput(`--isl + --osl = ${flags.isl + flags.osl} tokens exceed the engine's KV capacity of ${limit} tokens`);
    const startedMs = performance.now();
    const result = runBenchmark(setup.perfModel, setup.engine, {
      isl: flags.isl,
      osl: flags.osl,
      concurrency: flags.concurrency,
      requestRate,
      arrival: flags.arrival as 'poisson' | 'constant',
      requests: flags.requests,
      warmupRequests: flags.warmup,
      oslSpread,
      seed: flags.seed,
    });
    const wallMs = performance.now() - startedMs;
    const engine = {
      schedulerPolicy: policy.name,
      schedulerSummary: policy.summary,
      ...overheads,
      overheadSource: setup.perfModel instanceof SyntheticPerfModel ? setup.perfModel.backend.overheads.source : 'included in the profile\'s measured TTFT and ITL',
      oslSpread,
      assumptions: setup.perfModel instanceof SyntheticPerfModel ? setup.perfModel.assumptions : [],
    };
    if (flags.json) {
      this.printJson({...result, engine});
      return;
    }
    this.print(render(result, flags.concurrency !== undefined ? `concurrency ${flags.concurrency}` : `${requestRate} req/s (${flags.arrival})`, flags.isl, flags.osl));
    this.print(
      [
        '',
        `Scheduler policy     ${policy.summary}`,
        `Serving overheads    ${overheads.perRequestMs} ms per request, ${overheads.perIterationMs} ms per iteration (${engine.overheadSource})`,
        `Output lengths       ${oslSpread === 0 ? 'exact' : `±${(oslSpread * 100).toFixed(0)} % of --osl`}`,
        ...engine.assumptions.map((a, i) => `${i === 0 ? 'Assumptions          ' : '                     '}${a}`),
      ].join('\n'),
    );
    this.note(`simulated ${result.requests + result.warmupRequests} requests (${result.iterations} iterations) in ${wallMs.toFixed(0)} ms`);
  }
}

function render(r: BenchmarkResult, load: string, isl: number, osl: number): string {
  const row = (name: string, s: LatencyStats) =>
    `${name.padEnd(10)}${[s.mean, s.p50, s.p90, s.p99].map((v) => fmt(v).padStart(10)).join('')}`;
  return [
    `Simulated benchmark: ISL ${isl}, OSL ${osl}, ${load}; ${r.requests} requests measured after ${r.warmupRequests} warm-up`,
    `Engine: ${r.perfModel}`,
    '',
    `${'(ms)'.padEnd(10)}${['mean', 'p50', 'p90', 'p99'].map((h) => h.padStart(10)).join('')}`,
    row('TTFT', r.ttftMs),
    row('ITL', r.itlMs),
    row('TPOT', r.tpotMs),
    row('E2E', r.e2eMs),
    '',
    `Output tokens/s      ${fmt(r.outputTokensPerS)}`,
    `Tokens/s/GPU         ${fmt(r.tokensPerSPerGpu)}`,
    `Requests/s           ${fmt(r.requestsPerS)}`,
    `Mean decode batch    ${fmt(r.meanDecodeBatch)}`,
    `Preemptions          ${r.preemptions}`,
  ].join('\n');
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return '-';
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}
