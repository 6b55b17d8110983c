import {Flags} from '@oclif/core';
import path from 'node:path';
import {PlannerCommand} from '../src/ui/command.js';
import {badInput, PlannerError} from '../src/errors.js';
import {integerList} from '../src/ui/flags.js';
import {syntheticFlags, syntheticOptionsFromFlags} from '../src/ui/synthetic-flags.js';
import {createSyntheticPerfModel} from '../src/engines/synthetic/index.js';
import {saveProfile} from '../src/profile/io.js';
import {syntheticProfile} from '../src/sweep/synthetic.js';
import {DEFAULT_DECODE_OSL} from '../src/sweep/plan.js';
import {TOOL_NAME} from '../src/version.js';

/** createdAt honours SOURCE_DATE_EPOCH (seconds) so repeated runs can be byte-identical. */
function createdAt(): string {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000).toISOString();
  return new Date().toISOString();
}

export default class Profile extends PlannerCommand {
  static override description = `Profile an engine configuration: sweep prefill ISLs and decode (ISL, concurrency) points, write one profile per TP.

The sweep plan is Dynamo's (v2025-08): prefill ISLs range(100, max context, (max context - 100) // prefill granularity), one request each; decode ISLs range(100, max context - OSL, (max context - OSL) // decode granularity) with OSL 500 and concurrencies up to what the KV cache holds.
--synthetic evaluates the plan on the op-level synthetic model (no GPU): kernel efficiencies fitted on H200 measurements, other GPUs scaled by their own peaks. Output: DIR/tp1/profile.json, DIR/tp2/profile.json, ...`;

  static override examples = [
    '<%= config.bin %> profile --synthetic --model llama-3.1-8b --gpu h200_sxm --tp 1,2,4,8 --quant fp8 --out profiles/llama8b-h200',
    '<%= config.bin %> profile --synthetic --model llama-3.1-70b --gpu h100_sxm --tp 4,8 --out out/70b --max-context 8192',
  ];

  static override flags = {
    synthetic: Flags.boolean({description: 'Evaluate the sweep on the synthetic op-level model instead of a live endpoint.', default: false}),
    ...syntheticFlags,
    tp: integerList({description: 'Tensor-parallel sizes to profile, comma-separated; one profile directory each.', default: [1, 2, 4, 8], helpGroup: 'SYNTHETIC ENGINE'}),
    out: Flags.string({description: 'Output directory; profiles go to DIR/tp<N>/profile.json.', required: true}),
    'max-context': Flags.integer({description: 'Largest context the sweep covers, tokens (capped at the model\'s positions).', default: 16384, min: 200}),
    'prefill-granularity': Flags.integer({description: 'Number of prefill ISL steps.', default: 16, min: 1}),
    'decode-granularity': Flags.integer({description: 'Number of decode ISL steps and concurrency steps per ISL.', default: 6, min: 1}),
    'decode-osl': Flags.integer({description: 'Output tokens of each decode request.', default: DEFAULT_DECODE_OSL, min: 2}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Profile);
    if (!flags.synthetic) {
      throw badInput('choose what to profile: --synthetic (live endpoint profiling is not available in this build)');
    }
    const tps = [...new Set(flags.tp)];
    const written: {tp: number; dir: string; file: string; maxKvTokens: number; prefillPoints: number; decodePoints: number; ttftMsRange: [number, number]}[] = [];
    const skipped: {tp: number; reason: string}[] = [];
    const stamp = createdAt();
    for (const tp of tps) {
      let model;
      try {
        model = createSyntheticPerfModel(syntheticOptionsFromFlags({...flags, tp}));
      } catch (err) {
        // An unknown model or GPU is wrong for every TP: fail. A TP that does not fit is skipped.
        if (err instanceof PlannerError && /does not fit|does not divide/.test(err.message) && tps.length > 1) {
          skipped.push({tp, reason: err.message});
          this.note(`skipping tp ${tp}: ${err.message}`);
          continue;
        }
        throw err;
      }
      let maxContext = flags['max-context'];
      if (maxContext > model.model.maxPositions) {
        this.note(`--max-context ${maxContext} exceeds ${model.model.name}'s ${model.model.maxPositions} positions; using ${model.model.maxPositions}`);
        maxContext = model.model.maxPositions;
      }
      const {profile, plan} = syntheticProfile(
        model,
        {maxContext, prefillGranularity: flags['prefill-granularity'], decodeGranularity: flags['decode-granularity'], osl: flags['decode-osl']},
        {tool: TOOL_NAME, createdAt: stamp},
      );
      if (plan.skippedIsls.length > 0) this.note(`tp ${tp}: decode ISLs ${plan.skippedIsls.join(', ')} skipped: not one request fits in ${model.maxKvTokens} KV tokens`);
      const dir = path.join(flags.out, `tp${tp}`);
      const file = await saveProfile(dir, profile);
      const ttft = profile.prefill?.prefill_ttft ?? [0];
      written.push({
        tp,
        dir,
        file,
        maxKvTokens: model.maxKvTokens,
        prefillPoints: profile.prefill?.prefill_isl.length ?? 0,
        decodePoints: profile.decode?.z_itl.length ?? 0,
        ttftMsRange: [Math.min(...ttft), Math.max(...ttft)],
      });
    }
    if (written.length === 0) throw badInput(`no profile written: ${skipped.map((s) => `tp ${s.tp}: ${s.reason}`).join('; ')}`);
    if (flags.json) {
      this.printJson({profiles: written, skipped});
      return;
    }
    for (const w of written) {
      this.print(
        `tp ${w.tp}: ${w.file}  (${w.prefillPoints} prefill points, TTFT ${w.ttftMsRange[0].toFixed(1)}..${w.ttftMsRange[1].toFixed(1)} ms; ${w.decodePoints} decode points; KV ${w.maxKvTokens} tokens)`,
      );
    }
  }
}
