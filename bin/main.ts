/**
 * The process entry behind bin/run.js. The build bundles it with @oclif/core and the commands
 * (scripts/bundle.ts, dist/bundle/main.js): a few files to load instead of ~300, each command in
 * its own chunk, loaded only when it runs. oclif still reads the command list, flags and help
 * from oclif.manifest.json; only the loading of a command's code is ours.
 */
import {Config, flush, run, type Command} from '@oclif/core';
import {reportTopLevelError} from '../src/ui/command.js';

type CommandModule = {default: Command.Class};

/** One loader per command id of oclif.manifest.json (a test checks that the two lists agree). */
export const COMMAND_LOADERS: Record<string, () => Promise<CommandModule>> = {
  catalog: () => import('../commands/catalog.js'),
  dryrun: () => import('../commands/dryrun.js'),
  estimate: () => import('../commands/estimate.js'),
  fit: () => import('../commands/fit.js'),
  interpolate: () => import('../commands/interpolate.js'),
  profile: () => import('../commands/profile.js'),
  'profile:export': () => import('../commands/profile/export.js'),
  'profile:import': () => import('../commands/profile/import.js'),
  recommend: () => import('../commands/recommend.js'),
  'serve-mock': () => import('../commands/serve-mock.js'),
  simulate: () => import('../commands/simulate.js'),
  'trace:sin': () => import('../commands/trace/sin.js'),
  'trace:stats': () => import('../commands/trace/stats.js'),
};

/** Run the CLI on `argv`; `root` is a file URL or path inside the package (bin/run.js passes its own). */
export async function main(argv: string[], root: string): Promise<void> {
  try {
    const config = await Config.load(root);
    const plugin = config.plugins.get(config.name);
    for (const cmd of config.commands) {
      const loader = COMMAND_LOADERS[cmd.id];
      if (!loader) continue; // loaded from its file, the oclif way
      // What oclif's file loader would do: the module's default export, told its id and plugin.
      cmd.load = async () => {
        const loaded = (await loader()).default;
        loaded.id = cmd.id;
        loaded.plugin = plugin;
        return loaded;
      };
    }
    await run(argv, config);
    await flush();
  } catch (err) {
    reportTopLevelError(err);
  }
}
