import {Args, Flags} from '@oclif/core';
import {writeDynamoLayout} from '../../src/profile/dynamo.js';
import {loadProfile} from '../../src/profile/io.js';
import {PlannerCommand} from '../../src/ui/command.js';

export default class ProfileExport extends PlannerCommand {
  static override summary = "Export a planner profile in NVIDIA Dynamo's results layout (NPZ or JSON).";
  static override description = `npz writes OUT/selected_prefill_interpolation/raw_data.npz and OUT/selected_decode_interpolation/raw_data.npz the way numpy.savez does (same dtypes, same bytes), so Dynamo's SLA planner accepts OUT as --profile-results-dir. json writes OUT/prefill_raw_data.json and OUT/decode_raw_data.json (max_kv_tokens as a scalar), the files Dynamo's newer profiler produces.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> profiles/h200-llama3.1-8b-fp8-tp1 --format npz --out /tmp/dynamo-results',
    '<%= config.bin %> <%= command.id %> profiles/h200-llama3.1-8b-fp8-tp1 --format json --out /tmp/dynamo-json',
  ];

  static override args = {
    dir: Args.string({description: 'Profile directory (or profile.json).', required: true}),
  };

  static override flags = {
    format: Flags.option({description: 'Output format.', options: ['npz', 'json'] as const, default: 'npz' as const})(),
    out: Flags.string({char: 'o', description: 'Directory to write the Dynamo layout into.', required: true}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ProfileExport);
    const profile = await loadProfile(args.dir);
    const written = await writeDynamoLayout(flags.out, profile, flags.format);
    if (flags.json) return this.printJson({format: flags.format, files: written});
    for (const file of written) this.print(`Wrote ${file}`);
  }
}
