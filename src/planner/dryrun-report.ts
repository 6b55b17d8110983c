/** The classic dry run's report sections and CSV (pure: strings in, strings out). */
import type {ReportInput, Section} from '../report/html.js';
import {toCsv} from '../report/csv.js';
import type {ClassicDryrunConfig, ClassicSummary, ClassicTick} from './dryrun-classic.js';

/** One row per planner step; `step` x the interval is the planner's time, `windowStartS` the trace window it observed (they differ where empty windows are skipped). Token columns are tokens per interval. */
export const TICK_COLUMNS = [
  'step', 'windowStartS', 'observedNumReq', 'observedIsl', 'observedOsl', 'predictedNumReq', 'predictedIsl', 'predictedOsl',
  'prefillReplicas', 'decodeReplicas', 'gpus', 'prefillTokens', 'safePrefillTokens', 'decodeTokens', 'safeDecodeTokens', 'budgetApplied', 'overBudget',
] as const;

export function ticksCsv(ticks: readonly ClassicTick[], intervalS: number): string {
  return toCsv(TICK_COLUMNS, ticks.map((t) => [
    Math.round(t.timeS / intervalS), t.windowStartS, t.observed.numReq, t.observed.isl, t.observed.osl, t.predicted.numReq, t.predicted.isl, t.predicted.osl,
    t.prefillReplicas, t.decodeReplicas, t.gpus, t.prefillTokens, t.safePrefillTokens, t.decodeTokens, t.safeDecodeTokens, t.budgetApplied, t.overBudget,
  ]));
}

export interface DryrunReportContext {
  title?: string;
  config: ClassicDryrunConfig;
  summary: ClassicSummary;
  predictor: string;
  /** Where the load came from (trace path or generator settings). */
  load: string;
  /** Profile description (model, GPU, path). */
  profile: string;
  /** Warm-up history fed to the predictors before the trace, shown at negative times. */
  warmup?: Array<{numReq: number; isl: number; osl: number}>;
}

/** Light red bands over the planner steps where `over` holds (x in minutes, one interval wide). */
function overLimitShading(ticks: readonly ClassicTick[], intervalS: number, over: (t: ClassicTick) => boolean): Record<string, unknown>[] {
  return ticks.filter(over).map((t) => ({
    type: 'rect', xref: 'x', yref: 'paper', x0: t.timeS / 60, x1: (t.timeS + intervalS) / 60, y0: 0, y1: 1,
    fillcolor: 'rgba(214,39,40,0.12)', line: {width: 0}, layer: 'below',
  }));
}

const line = (name: string, x: number[], y: number[], extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({type: 'scatter', mode: 'lines', name, x, y, ...extra});

export function classicReport(ticks: readonly ClassicTick[], ctx: DryrunReportContext): ReportInput {
  const cfg = ctx.config;
  const x = ticks.map((t) => t.timeS / 60);
  const xaxis = {title: {text: 'planner time (min)'}};
  const shape = {line: {shape: 'hv'}};
  const perInterval = `tokens per ${cfg.intervalS} s interval`;
  const warm = ctx.warmup ?? [];
  const wx = warm.map((_, i) => (-(warm.length - i) * cfg.intervalS) / 60);
  const requestTraces = [
    line('observed requests', x, ticks.map((t) => t.observed.numReq)),
    line('predicted requests', x, ticks.map((t) => t.predicted.numReq), {line: {dash: 'dash'}}),
  ];
  if (warm.length > 0) requestTraces.push(line('warm-up requests', wx, warm.map((w) => w.numReq), {line: {color: '#999'}}));
  const s = ctx.summary;
  const sections: Section[] = [
    {title: 'Summary', table: {columns: ['measure', 'value'], rows: [
      ['intervals', s.intervals], ['total requests', s.totalRequests],
      ['peak prefill replicas', s.peakPrefillReplicas], ['peak decode replicas', s.peakDecodeReplicas], ['peak GPUs', s.peakGpus],
      ['GPU-hours', Number(s.gpuHours.toFixed(3))],
      ['intervals over the safe prefill limit', s.prefillOverLimitIntervals], ['intervals over the safe decode limit', s.decodeOverLimitIntervals],
      ['intervals cut by the GPU budget', s.budgetLimitedIntervals],
      ['intervals over the GPU budget (v2025-08 rounding)', s.overBudgetIntervals],
      ['intervals with TTFT SLA infeasible at predicted ISL', s.prefillSlaInfeasibleIntervals],
      ['intervals with ITL SLA infeasible at predicted context', s.decodeSlaInfeasibleIntervals],
    ]}},
    {title: 'Requests per interval: observed vs predicted', xGroup: 'time', figure: {data: requestTraces, layout: {xaxis, yaxis: {title: {text: 'requests'}}}}},
    {title: 'ISL and OSL: observed vs predicted', xGroup: 'time', figure: {data: [
      line('observed ISL', x, ticks.map((t) => t.observed.isl)),
      line('predicted ISL', x, ticks.map((t) => t.predicted.isl), {line: {dash: 'dash'}}),
      line('observed OSL', x, ticks.map((t) => t.observed.osl), {yaxis: 'y2'}),
      line('predicted OSL', x, ticks.map((t) => t.predicted.osl), {yaxis: 'y2', line: {dash: 'dash'}}),
    ], layout: {xaxis, yaxis: {title: {text: 'ISL (tokens)'}, rangemode: 'tozero'}, yaxis2: {title: {text: 'OSL (tokens)'}, overlaying: 'y', side: 'right', rangemode: 'tozero', tickmode: 'auto', nticks: 6, showgrid: false}}}},
    {title: 'Prefill: load vs safe limit', xGroup: 'time', figure: {data: [
      line('prefill tokens', x, ticks.map((t) => t.prefillTokens), shape),
      line('safe prefill limit', x, ticks.map((t) => t.safePrefillTokens), {line: {dash: 'dot', shape: 'hv', color: '#2ca02c'}}),
    ], layout: {xaxis, yaxis: {title: {text: perInterval}, rangemode: 'tozero'}, shapes: overLimitShading(ticks, cfg.intervalS, (t) => t.prefillTokens > t.safePrefillTokens)}},
    note: `Safe limit = replicas x profile tokens/s/GPU at the observed ISL x interval; 0 when batch-1 TTFT already misses the SLA. Shaded: intervals over the limit (${s.prefillOverLimitIntervals}).`},
    {title: 'Decode: load vs safe limit', xGroup: 'time', figure: {data: [
      line('decode tokens', x, ticks.map((t) => t.decodeTokens), shape),
      line('safe decode limit', x, ticks.map((t) => t.safeDecodeTokens), {line: {dash: 'dot', shape: 'hv', color: '#2ca02c'}}),
    ], layout: {xaxis, yaxis: {title: {text: perInterval}, rangemode: 'tozero'}, shapes: overLimitShading(ticks, cfg.intervalS, (t) => t.decodeTokens > t.safeDecodeTokens)}},
    note: `Safe limit = replicas x best decode tokens/s/GPU with ITL within the SLA at context ISL + OSL/2 x interval. Shaded: intervals over the limit (${s.decodeOverLimitIntervals}).`},
    {title: 'Replicas', xGroup: 'time', figure: {data: [
      line('prefill replicas', x, ticks.map((t) => t.prefillReplicas), shape),
      line('decode replicas', x, ticks.map((t) => t.decodeReplicas), {...shape, line: {shape: 'hv', dash: 'dash'}}),
    ], layout: {xaxis, yaxis: {title: {text: 'replicas'}, rangemode: 'tozero', dtick: 1}}}},
    {title: 'GPUs in use', xGroup: 'time', figure: {data: [
      line('GPUs', x, ticks.map((t) => t.gpus), shape),
      line('GPU budget', [x[0] ?? 0, x[x.length - 1] ?? 0], [cfg.maxGpuBudget, cfg.maxGpuBudget], {line: {dash: 'dot', color: '#c00'}}),
    ], layout: {xaxis, yaxis: {title: {text: 'GPUs'}, rangemode: 'tozero'}}}},
  ];
  return {
    title: ctx.title ?? 'Planner dry run (classic)',
    meta: {
      profile: ctx.profile, load: ctx.load, predictor: ctx.predictor,
      'adjustment interval (s)': cfg.intervalS, 'TTFT SLA (ms)': cfg.ttftMs, 'ITL SLA (ms)': cfg.itlMs,
      'GPU budget': cfg.maxGpuBudget, 'min endpoint': cfg.minEndpoint,
      'GPUs per prefill engine': cfg.prefillGpus, 'GPUs per decode engine': cfg.decodeGpus,
      'start replicas (prefill/decode)': `${cfg.startPrefill}/${cfg.startDecode}`,
    },
    sections,
  };
}
