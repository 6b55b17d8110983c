import {Args, Flags} from '@oclif/core';
import {existsSync, statSync} from 'node:fs';
import {badInput} from '../../src/errors.js';
import {findDynamoFiles, readDynamoFiles} from '../../src/profile/dynamo.js';
import {profileFromDynamo, saveProfile} from '../../src/profile/io.js';
import type {EngineInfo} from '../../src/profile/types.js';
import {PlannerCommand} from '../../src/ui/command.js';
import {integerFlag} from '../../src/ui/number-flags.js';
import {GPUS} from '../../src/limits.js';

export default class ProfileImport extends PlannerCommand {
  static override summary = "Import NVIDIA Dynamo profiler results (NPZ or JSON) into a planner profile.";
  static override description = `Reads a Dynamo results directory (selected_prefill_interpolation/raw_data.npz and selected_decode_interpolation/raw_data.npz, or prefill_raw_data.json / decode_raw_data.json), or the phase files given with --prefill / --decode, validates every array, and writes DIR/profile.json. Array values and NumPy dtypes are kept exactly, so \`planner profile export\` reproduces the files.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> ./profiling_results --out profiles/my-h200 --model nvidia/Llama-3.1-8B-Instruct-FP8 --gpu h200_sxm',
    '<%= config.bin %> <%= command.id %> --prefill prefill_raw_data.npz --decode decode_raw_data.npz --out profiles/my-h200',
    '<%= config.bin %> <%= command.id %> --prefill prefill_raw_data.json --decode decode_raw_data.json --out profiles/my-h200 --json',
  ];

  static override args = {
    src: Args.string({description: 'Dynamo results directory (profile_results_dir).', required: false}),
  };

  static override flags = {
    out: Flags.string({char: 'o', description: 'Profile directory to write (profile.json inside).', required: true}),
    prefill: Flags.string({description: 'Prefill file: raw_data.npz or prefill_raw_data.json.'}),
    decode: Flags.string({description: 'Decode file: raw_data.npz or decode_raw_data.json.'}),
    model: Flags.string({description: 'Model that was profiled (recorded in the profile).'}),
    gpu: Flags.string({description: 'GPU that was profiled, e.g. h200_sxm.'}),
    tp: integerFlag({description: 'Tensor-parallel size of the engine (GPUs per engine).', ...GPUS}),
    backend: Flags.string({description: 'Serving backend, e.g. vllm, sglang, trtllm.'}),
    quant: Flags.string({description: 'Weight quantization, e.g. fp8.'}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ProfileImport);
    let files: {prefill?: string; decode?: string} = {prefill: flags.prefill, decode: flags.decode};
    if (args.src) {
      if (!existsSync(args.src)) throw badInput(`${args.src} does not exist`);
      if (!statSync(args.src).isDirectory()) throw badInput(`${args.src} is a file`, 'pass a Dynamo results directory, or the files with --prefill/--decode');
      const found = findDynamoFiles(args.src);
      if (!found.prefill && !found.decode) {
        throw badInput(`${args.src}: no Dynamo results found`, 'expected selected_prefill_interpolation/raw_data.npz, selected_decode_interpolation/raw_data.npz, prefill_raw_data.json or decode_raw_data.json');
      }
      files = {prefill: flags.prefill ?? found.prefill, decode: flags.decode ?? found.decode};
    }
    const phases = await readDynamoFiles(files);
    const engine: Partial<EngineInfo> = {};
    if (flags.model) engine.model = flags.model;
    if (flags.gpu) engine.gpu = flags.gpu;
    if (flags.tp) {
      engine.tp = flags.tp;
      engine.gpusPerEngine = flags.tp;
    }
    if (flags.backend) engine.backend = flags.backend;
    if (flags.quant) engine.quant = flags.quant;
    const profile = profileFromDynamo(phases, {engine});
    const file = await saveProfile(flags.out, profile);

    const summary = {
      profile: file,
      files: phases.files,
      prefillPoints: profile.prefill?.prefill_isl.length ?? 0,
      decodePoints: profile.decode?.x_kv_usage.length ?? 0,
      maxKvTokens: profile.decode?.max_kv_tokens ?? null,
    };
    if (flags.json) return this.printJson(summary);
    const p = profile.prefill;
    const d = profile.decode;
    this.print(`Imported ${phases.files.join(' and ')}`);
    if (p) this.print(`  prefill: ${p.prefill_isl.length} points, ISL ${p.prefill_isl[0]}..${p.prefill_isl.at(-1)}`);
    if (d) this.print(`  decode:  ${d.x_kv_usage.length} points at ${new Set(d.y_context_length).size} context lengths, max_kv_tokens ${d.max_kv_tokens}`);
    this.print(`Wrote ${file}`);
  }
}
