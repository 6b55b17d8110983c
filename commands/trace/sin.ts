import {Flags} from '@oclif/core';
import path from 'node:path';
import {PlannerCommand} from '../../src/ui/command.js';
import {SIN_OPTION_FLAGS, sinFlags, sinOptionsFromFlags} from '../../src/ui/sin-flags.js';
import {checkSinOptions, checkSinSize, sinDefaultFileName, sinTrace} from '../../src/trace/sin.js';
import {writeTrace} from '../../src/trace/mooncake.js';
import {prepareOutputs} from '../../src/outputs.js';
import {progressFlag} from '../../src/ui/progress.js';

export default class TraceSin extends PlannerCommand {
  static override description = `Generate a sinusoidal mooncake JSONL trace, as Dynamo's sin_synth does.

The request rate follows a sinusoid from --request-rate-min (t = 0) to --request-rate-max (half a period); each --process-interval step draws a Poisson number of requests at the step-start rate, spaced evenly in the step. Each request is preset 1 (--isl1/--osl1) with a probability that oscillates between --isl-osl-ratio-min and --isl-osl-ratio-max, else preset 2. Timestamps are integer ms. The trace is streamed to the file, so any length fits in constant memory.

The defaults are sin_synth's: 100 s of load with 10 s cycles, shorter than one 180 s planner interval; for planner dryrun --trace, generate several intervals (e.g. --time-duration 7200 --request-rate-period 1800, the load dryrun generates itself without --trace).`;

  static override examples = [
    '<%= config.bin %> trace sin',
    '<%= config.bin %> trace sin --time-duration 86400 --request-rate-min 20 --request-rate-max 100 --request-rate-period 3600 --out day.jsonl',
    '<%= config.bin %> trace sin --arrivals poisson --hash-ids chained --isl-stddev 200 --seed 7 --out jitter.jsonl',
  ];

  /** The generator's options are its sin flags (`timeDurationS` -> --time-duration). */
  static override optionFlags = SIN_OPTION_FLAGS;

  static override flags = {
    ...sinFlags(),
    out: Flags.string({description: 'Output JSONL file (default: the sin_synth file name in the current directory).'}),
    progress: progressFlag(),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(TraceSin);
    const options = sinOptionsFromFlags(flags);
    checkSinOptions(options);
    checkSinSize(options);
    const out = flags.out ?? sinDefaultFileName(options);
    await prepareOutputs([out]);
    const t0 = performance.now();
    const progress = await this.startProgress(flags.progress, flags.json);
    const count = writeTrace(out, sinTrace(options, progress.report));
    progress.stop();
    const elapsedS = (performance.now() - t0) / 1000;
    const result = {file: path.resolve(out), requests: count, durationS: options.timeDurationS, seed: options.seed, elapsedS: Number(elapsedS.toFixed(3))};
    if (flags.json) this.printJson(result);
    else this.print(`wrote ${count} requests over ${options.timeDurationS} s to ${out} (seed ${options.seed}, ${elapsedS.toFixed(2)} s)`);
  }
}
