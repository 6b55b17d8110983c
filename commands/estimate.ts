import {Flags} from '@oclif/core';
import {PlannerCommand} from '../src/ui/command.js';
import {badInput} from '../src/errors.js';
import {BREAKDOWN_LABELS, createSyntheticPerfModel, type Breakdown} from '../src/engines/synthetic/index.js';
import {syntheticFlags, syntheticOptionsFromFlags} from '../src/ui/synthetic-flags.js';
import {integerFlag} from '../src/ui/number-flags.js';
import {CONCURRENCY, TOKENS} from '../src/limits.js';

function fmtMs(v: number): string {
  return v >= 100 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
}

export default class Estimate extends PlannerCommand {
  static override description = `Synthetic latency of one prefill pass and one decode step (AIC-style op-level model).

Sums per-op times (GEMMs, attention, all-reduce, element-wise, LM head) for the model on the GPU at the TP size. Kernel efficiencies are fitted on AIConfigurator's H200 measurements; other GPUs reuse them scaled by their own peak FLOPS and bandwidths (stated in "assumptions"). Includes the backend's per-iteration overhead; the per-request overhead is reported separately.`;

  static override examples = [
    '<%= config.bin %> estimate --model llama-3.1-8b --gpu h200_sxm --tp 1 --quant fp8 --isl 3000',
    '<%= config.bin %> estimate --model llama-3.1-70b --gpu h100_sxm --tp 4 --context 4000 --decode-batch 64 --breakdown',
    '<%= config.bin %> estimate --model ./my-model/config.json --gpu b200_sxm --tp 2 --json',
  ];

  static override flags = {
    ...syntheticFlags,
    isl: integerFlag({description: 'Prompt tokens per sequence of the prefill pass.', default: 3000, ...TOKENS}),
    batch: integerFlag({description: 'Sequences in the prefill pass.', default: 1, ...CONCURRENCY}),
    context: integerFlag({description: 'KV tokens each decode sequence attends over (default: --isl).', ...TOKENS}),
    'decode-batch': integerFlag({description: 'Sequences in the decode step.', default: 1, ...CONCURRENCY}),
    breakdown: Flags.boolean({description: 'Show the time per op family.', default: false}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Estimate);
    const model = createSyntheticPerfModel(syntheticOptionsFromFlags(flags));
    const context = flags.context ?? flags.isl;
    if (flags.isl > model.model.maxPositions) {
      this.warnLine(`--isl ${flags.isl} exceeds ${model.model.name}'s ${model.model.maxPositions} positions`);
    }
    const prefillShape = {prefillTokens: flags.batch * flags.isl, prefillRequests: flags.batch, decodeRequests: 0, decodeKvTokens: 0};
    const decodeShape = {prefillTokens: 0, prefillRequests: 0, decodeRequests: flags['decode-batch'], decodeKvTokens: flags['decode-batch'] * context};
    if (flags['decode-batch'] * context > model.maxKvTokens) {
      this.warnLine(`${flags['decode-batch']} x ${context} KV tokens exceed the KV capacity of ${model.maxKvTokens} tokens`);
    }
    if (!Number.isFinite(model.prefillMs(1, 1))) throw badInput('the model produced a non-finite latency');
    const result = {
      engine: model.describe(),
      prefill: {batch: flags.batch, isl: flags.isl},
      decode: {batch: flags['decode-batch'], context},
      prefillMs: model.prefillMs(flags.batch, flags.isl),
      decodeStepMs: model.decodeStepMs(flags['decode-batch'], context),
      ttftMs: flags.batch === 1 ? model.ttftMs(flags.isl) : undefined,
      perRequestOverheadMs: model.perRequestMs,
      maxKvTokens: model.maxKvTokens,
      breakdownMs: flags.breakdown || flags.json ? {prefill: model.breakdown(prefillShape), decode: model.breakdown(decodeShape)} : undefined,
      assumptions: model.assumptions,
    };
    if (flags.json) {
      this.printJson(result);
      return;
    }
    const e = result.engine;
    this.print(`${model.model.name} on ${e.gpu} x${e.tp} (TP ${e.tp}), ${e.backend}, weights ${e.quant}, KV ${model.kvQuant}`);
    this.print(`prefill   batch ${flags.batch} x ISL ${flags.isl}: ${fmtMs(result.prefillMs)} ms${result.ttftMs === undefined ? '' : `  (TTFT alone on the engine, chunked by ${model.maxNumBatchedTokens}, + ${model.perRequestMs} ms per request: ${fmtMs(result.ttftMs)} ms)`}`);
    this.print(`decode    batch ${flags['decode-batch']} at context ${context}: ${fmtMs(result.decodeStepMs)} ms per step  (${((flags['decode-batch'] * 1000) / result.decodeStepMs / e.tp).toFixed(0)} tokens/s/GPU)`);
    this.print(`KV cache  ${model.maxKvTokens} tokens`);
    if (flags.breakdown && result.breakdownMs) {
      const p: Breakdown = result.breakdownMs.prefill;
      const d: Breakdown = result.breakdownMs.decode;
      this.print('');
      this.print(`${'op family'.padEnd(22)}${'prefill ms'.padStart(12)}${'decode ms'.padStart(12)}`);
      for (const key of Object.keys(BREAKDOWN_LABELS) as (keyof Breakdown)[]) {
        this.print(`${BREAKDOWN_LABELS[key].padEnd(22)}${fmtMs(p[key]).padStart(12)}${fmtMs(d[key]).padStart(12)}`);
      }
    }
    this.print('');
    this.print('assumptions:');
    for (const a of result.assumptions) this.print(`  - ${a}`);
  }
}
