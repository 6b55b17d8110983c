import {Args, Flags} from '@oclif/core';
import {PlannerCommand} from '../../src/ui/command.js';
import {newReadStats, readTraceBatches} from '../../src/trace/mooncake.js';
import {WindowAccumulator, summarize, windowRates} from '../../src/trace/windows.js';
import {badInput} from '../../src/errors.js';
import {numberFlag} from '../../src/ui/number-flags.js';
import {progressFlag} from '../../src/ui/progress.js';
import {counted} from '../../src/ui/table.js';

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

export default class TraceStats extends PlannerCommand {
  static override description = `Show what a mooncake JSONL trace holds, per time window and in total.

Per non-empty window: request count, request rate, mean ISL and mean OSL; runs of empty windows are counted, not listed. The last window's rate is over the time up to the last arrival, not over the full window. Every record is validated; a bad record stops with its line number unless --skip-bad-lines, which skips and counts them.`;

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
    progress: progressFlag(),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(TraceStats);
    const acc = new WindowAccumulator(flags.window);
    const stats = newReadStats();
    const progress = await this.startProgress(flags.progress, flags.json);
    for await (const batch of readTraceBatches(args.file, {skipBadLines: flags['skip-bad-lines'], onProgress: progress.report}, stats)) for (const r of batch) acc.add(r);
    progress.stop();
    if (acc.totalRequests === 0) throw badInput(`${args.file} holds no requests${stats.badLines > 0 ? ` (${counted(stats.badLines, 'bad line')} skipped)` : ''}`);
    const rated = windowRates(acc, acc.metrics());
    const windows = rated.map((w) => ({
      startS: w.startS,
      requests: w.requestCount,
      coveredS: round(w.coveredS, 3),
      rateRps: w.rateRps,
      meanIsl: w.avgIsl,
      meanOsl: w.avgOsl,
    }));
    const summary = summarize(acc, rated);
    const badLines = {count: stats.badLines, first: stats.firstBad};
    if (flags.json) {
      this.printJson({file: args.file, windowS: flags.window, summary, badLines, windows});
      return;
    }
    const f1 = (v: number): string => v.toFixed(1);
    this.print(`${args.file}: ${summary.requests} requests over ${f1(summary.spanS)} s, mean ISL ${f1(summary.meanIsl)}, mean OSL ${f1(summary.meanOsl)} tokens`);
    const rate = (v: number | null): string => (v === null ? '-' : v.toFixed(2));
    const partial = rated.length > 0 && rated[rated.length - 1]!.coveredS < flags.window ? `; the last covers ${f1(rated[rated.length - 1]!.coveredS)} s, up to the last arrival` : '';
    this.print(`  ${counted(summary.windows, 'window')} of ${flags.window} s (${summary.emptyWindows} empty${partial}), mean ${rate(summary.meanRateRps)} req/s, peak ${rate(summary.peakRateRps)} req/s`);
    if (summary.meanRateRps === null) this.warnLine('every request arrives at the same instant: no arrival rate');
    this.print(`  ${summary.totalInputTokens} input tokens, ${summary.totalOutputTokens} output tokens`);
    if (summary.outOfOrder > 0) this.print(`  ${summary.outOfOrder} records arrive earlier than the record before them (trace not sorted)`);
    if (stats.badLines > 0) {
      this.print(`  skipped ${counted(stats.badLines, 'bad line')}${stats.badLines > stats.firstBad.length ? ` (first ${stats.firstBad.length} listed)` : ''}:`);
      for (const b of stats.firstBad) this.print(`    line ${b.line}: ${b.reason}`);
    }
    this.print('');
    this.print(`${'start_s'.padStart(10)} ${'requests'.padStart(9)} ${'req/s'.padStart(8)} ${'mean_isl'.padStart(9)} ${'mean_osl'.padStart(9)}`);
    let nextStartS = windows[0]?.startS ?? 0;
    for (const w of windows) {
      const gap = Math.round((w.startS - nextStartS) / flags.window);
      if (gap > 0) this.print(`${''.padStart(10)} (${gap} empty window${gap === 1 ? '' : 's'})`);
      nextStartS = w.startS + flags.window;
      this.print(`${String(w.startS).padStart(10)} ${String(w.requests).padStart(9)} ${rate(w.rateRps).padStart(8)} ${f1(w.meanIsl).padStart(9)} ${f1(w.meanOsl).padStart(9)}`);
    }
  }
}
