import {Flags} from '@oclif/core';
import {badInput} from '../src/errors.js';
import {runBenchmark, type BenchmarkResult} from '../src/engines/sim/benchmark.js';
import {simEngineFlags, simSetupFromFlags} from '../src/engines/sim/flags.js';
import {PlannerCommand} from '../src/ui/command.js';
import type {LatencyStats} from '../src/stats.js';
import {integerFlag, numberFlag} from '../src/ui/number-flags.js';
import {CONCURRENCY, REQUEST_RATE, SIM_REQUESTS, TOKENS} from '../src/limits.js';

export default class Simulate extends PlannerCommand {
  static override summary = 'Run a benchmark on the simulated engine, in virtual time';
  static override description = `Answers "what would my benchmark say?" before you have the GPUs: runs the requests a client such as aiperf would send (fixed ISL and OSL, closed-loop concurrency or open-loop request rate) through the simulated continuous-batching engine, whose iteration times come from a profile (--profile DIR) or from the synthetic op-level model (--synthetic --model --gpu --tp). No sockets, no waiting: thousands of requests take well under a second.

TTFT is arrival to first token, ITL the per-request mean gap between tokens, TPOT includes TTFT (E2E / output tokens), E2E arrival to last token. Warm-up requests (by default the first wave of the concurrency) are not measured.`;

  static override examples = [
    '<%= config.bin %> simulate --profile profiles/h200-llama3.1-8b-fp8-tp1 --isl 3000 --osl 300 --concurrency 64',
    '<%= config.bin %> simulate --profile profiles/h200-llama3.1-8b-fp8-tp1 --isl 1000 --osl 200 --request-rate 20 --requests 2000 --json',
    '<%= config.bin %> simulate --synthetic --model llama-3.1-70b --gpu h100_sxm --tp 4 --quant fp8 --isl 2000 --osl 200 --concurrency 128',
  ];

  static override flags = {
    ...simEngineFlags,
    isl: integerFlag({description: 'Input tokens per request.', required: true, ...TOKENS}),
    osl: integerFlag({description: 'Output tokens per request.', required: true, ...TOKENS}),
    concurrency: integerFlag({description: 'Closed loop: requests in flight; a new one is sent when one finishes.', ...CONCURRENCY, exactlyOne: ['concurrency', 'request-rate']}),
    'request-rate': numberFlag({description: 'Open loop: requests per second.', ...REQUEST_RATE, exactlyOne: ['concurrency', 'request-rate']}),
    arrival: Flags.string({description: 'Arrival process of the open loop.', options: ['poisson', 'constant'], default: 'poisson'}),
    requests: integerFlag({description: 'Measured requests.', default: 1000, ...SIM_REQUESTS}),
    warmup: integerFlag({description: 'Warm-up requests sent first and not measured (default: the concurrency; 0 with --request-rate).', ...SIM_REQUESTS, min: 0}),
    seed: integerFlag({description: 'Seed of the Poisson arrivals.', default: 1}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Simulate);
    const requestRate = flags['request-rate'];
    const setup = await simSetupFromFlags(flags);
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
      seed: flags.seed,
    });
    const wallMs = performance.now() - startedMs;
    if (flags.json) {
      this.printJson(result);
      return;
    }
    this.print(render(result, flags.concurrency !== undefined ? `concurrency ${flags.concurrency}` : `${requestRate} req/s (${flags.arrival})`, flags.isl, flags.osl));
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
