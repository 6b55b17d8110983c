import {Args, Flags} from '@oclif/core';
import {PlannerCommand} from '../../src/ui/command.js';
import {newReadStats, readTrace} from '../../src/trace/mooncake.js';
import {WindowAccumulator, summarize} from '../../src/trace/windows.js';
import {numberFlag} from '../../src/ui/number-flags.js';

export default class TraceStats extends PlannerCommand {
  static override description = `Show what a mooncake JSONL trace holds, per time window and in total.

Per non-empty window: request count, request rate, mean ISL and mean OSL; runs of empty windows are counted.
Every record is validated; a bad record stops with its line number unless --skip-bad-lines,
which skips and counts them.`;

  static override examples = [
    '<%= config.bin %> trace stats trace.jsonl',
    '<%= config.bin %> trace stats trace.jsonl --window 180 --json',
    '<%= config.bin %> trace stats messy.jsonl --skip-bad-lines',
  ];

  static override args = {
    file: Args.string({description: 'Mooncake JSONL trace.', required: true}),
  };

  static override flags = {
    window: numberFlag({description: 'Window length, s.', default: 60, min: 0.001, minReason: 'timestamps are whole milliseconds', max: 365 * 86_400, maxReason: 'longer than a year'}),
    'skip-bad-lines': Flags.boolean({description: 'Skip bad records (counted and listed) instead of stopping at the first.', default: false}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(TraceStats);
    const acc = new WindowAccumulator(flags.window);
    const stats = newReadStats();
    for await (const r of readTrace(args.file, {skipBadLines: flags['skip-bad-lines']}, stats)) acc.add(r);
    const windows = acc.metrics().map((w) => ({
      startS: w.startS,
      requests: w.requestCount,
      rateRps: w.requestCount / flags.window,
      meanIsl: w.avgIsl,
      meanOsl: w.avgOsl,
    }));
    const summary = summarize(acc);
    const badLines = {count: stats.badLines, first: stats.firstBad};
    if (flags.json) {
      this.printJson({file: args.file, windowS: flags.window, summary, badLines, windows});
      return;
    }
    const f1 = (v: number): string => v.toFixed(1);
    this.print(`${args.file}: ${summary.requests} requests over ${f1(summary.spanS)} s, mean ISL ${f1(summary.meanIsl)}, mean OSL ${f1(summary.meanOsl)} tokens`);
    this.print(`  ${summary.windows} windows of ${flags.window} s (${summary.emptyWindows} empty), mean ${summary.meanRateRps.toFixed(2)} req/s, peak ${summary.peakRateRps.toFixed(2)} req/s`);
    this.print(`  ${summary.totalInputTokens} input tokens, ${summary.totalOutputTokens} output tokens`);
    if (summary.outOfOrder > 0) this.print(`  ${summary.outOfOrder} records arrive earlier than the record before them (trace not sorted)`);
    if (stats.badLines > 0) {
      this.print(`  skipped ${stats.badLines} bad lines${stats.badLines > stats.firstBad.length ? ` (first ${stats.firstBad.length} listed)` : ''}:`);
      for (const b of stats.firstBad) this.print(`    line ${b.line}: ${b.reason}`);
    }
    this.print('');
    this.print(`${'start_s'.padStart(10)} ${'requests'.padStart(9)} ${'req/s'.padStart(8)} ${'mean_isl'.padStart(9)} ${'mean_osl'.padStart(9)}`);
    let nextStartS = windows[0]?.startS ?? 0;
    for (const w of windows) {
      const gap = Math.round((w.startS - nextStartS) / flags.window);
      if (gap > 0) this.print(`${''.padStart(10)} (${gap} empty window${gap === 1 ? '' : 's'})`);
      nextStartS = w.startS + flags.window;
      this.print(`${String(w.startS).padStart(10)} ${String(w.requests).padStart(9)} ${w.rateRps.toFixed(2).padStart(8)} ${f1(w.meanIsl).padStart(9)} ${f1(w.meanOsl).padStart(9)}`);
    }
  }
}
