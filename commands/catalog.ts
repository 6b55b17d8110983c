import {PlannerCommand} from '../src/ui/command.js';
import {BACKENDS, GPUS, MODELS} from '../src/engines/synthetic/index.js';

export default class Catalog extends PlannerCommand {
  static override description = `List the models, GPUs and backends the synthetic model knows.

Any dense Llama-family model also works through the path of its config.json (--model ./config.json).`;

  static override examples = ['<%= config.bin %> catalog', '<%= config.bin %> catalog --json'];

  static override flags = {};

  async run(): Promise<void> {
    const {flags} = await this.parse(Catalog);
    const models = MODELS.map((m) => ({
      name: m.name,
      hfId: m.hfId,
      layers: m.layers,
      hiddenSize: m.hiddenSize,
      heads: m.heads,
      kvHeads: m.kvHeads,
      headDim: m.headDim,
      intermediateSize: m.intermediateSize,
      vocabSize: m.vocabSize,
      maxPositions: m.maxPositions,
    }));
    const gpus = GPUS.map((g) => ({
      name: g.name,
      label: g.label,
      bf16Tflops: (g.flops.bf16 ?? 0) / 1e12,
      fp8Tflops: g.flops.fp8 === undefined ? null : g.flops.fp8 / 1e12,
      fp4Tflops: g.flops.fp4 === undefined ? null : g.flops.fp4 / 1e12,
      hbmTBps: g.memBwBps / 1e12,
      hbmGiB: Number((g.memCapacityB / 1024 ** 3).toFixed(1)),
      nvlinkGBps: g.intraNodeBwBps / 1e9,
      gpusPerNode: g.gpusPerNode,
    }));
    const backends = BACKENDS.map((b) => ({name: b.name, perRequestMs: b.overheads.perRequestMs, perIterationMs: b.overheads.perIterationMs, overheads: b.overheads.source}));
    if (flags.json) {
      this.printJson({models, gpus, backends});
      return;
    }
    this.print('MODELS');
    this.print(`  ${'name'.padEnd(16)}${'layers'.padStart(7)}${'hidden'.padStart(8)}${'heads/kv'.padStart(10)}${'inter'.padStart(8)}${'vocab'.padStart(8)}${'context'.padStart(9)}  hugging face id`);
    for (const m of models) {
      this.print(
        `  ${m.name.padEnd(16)}${String(m.layers).padStart(7)}${String(m.hiddenSize).padStart(8)}${`${m.heads}/${m.kvHeads}`.padStart(10)}${String(m.intermediateSize).padStart(8)}${String(m.vocabSize).padStart(8)}${String(m.maxPositions).padStart(9)}  ${m.hfId}`,
      );
    }
    this.print('');
    this.print('GPUS');
    this.print(`  ${'name'.padEnd(11)}${'BF16 TF'.padStart(9)}${'FP8 TF'.padStart(8)}${'FP4 TF'.padStart(8)}${'HBM TB/s'.padStart(10)}${'HBM GiB'.padStart(9)}${'NVLink GB/s'.padStart(13)}${'/node'.padStart(7)}`);
    const n = (v: number | null) => (v === null ? '-' : String(Number(v.toFixed(2))));
    for (const g of gpus) {
      this.print(
        `  ${g.name.padEnd(11)}${n(g.bf16Tflops).padStart(9)}${n(g.fp8Tflops).padStart(8)}${n(g.fp4Tflops).padStart(8)}${n(g.hbmTBps).padStart(10)}${n(g.hbmGiB).padStart(9)}${n(g.nvlinkGBps).padStart(13)}${String(g.gpusPerNode).padStart(7)}`,
      );
    }
    this.print('');
    this.print('BACKENDS');
    for (const b of backends) this.print(`  ${b.name.padEnd(8)} ${b.perRequestMs} ms/request, ${b.perIterationMs} ms/iteration (${b.overheads})`);
    this.print('');
    this.print('Efficiencies are fitted on H200 measurements; other GPUs reuse them scaled by their own peaks.');
  }
}
