/**
 * Report and CSV of `dryrun --mode ticks` (pure: outcomes in, strings out). The charts are the
 * diagnostics of notes E.12 that a recording can show without a fleet, on one time axis.
 */
import type {ReportInput, Section} from '../report/html.js';
import {toCsv} from '../report/csv.js';
import type {PlannerConfig} from './core/config.js';
import type {ForwardPassMetrics, WorkerCapabilities} from './core/types.js';
import type {TickOutcome} from './dryrun-ticks.js';

export const TICKS_COLUMNS = [
  'line', 'nowS', 'loadTick', 'throughputTick', 'readyPrefill', 'readyDecode', 'scaleToPrefill', 'scaleToDecode', 'nextTickS',
  'estimatedTtftMs', 'estimatedItlMs', 'predictedNumReq', 'predictedIsl', 'predictedOsl', 'predictedKvHitRate',
  'engineRpsPrefill', 'engineRpsDecode', 'throughputLowerBoundPrefill', 'throughputLowerBoundDecode',
  'loadDecisionReason', 'loadDecisionReasonPrefill', 'loadDecisionReasonDecode',
  'throughputDecisionReason', 'throughputDecisionReasonPrefill', 'throughputDecisionReasonDecode',
] as const;

export function ticksDecisionsCsv(outcomes: readonly TickOutcome[]): string {
  return toCsv(TICKS_COLUMNS, outcomes.map(({line, input, tick, record: r}) => {
    const d = r.diagnostics;
    return [
      line, r.nowS, tick.runLoadScaling, tick.runThroughputScaling, input.workers?.readyPrefill ?? null, input.workers?.readyDecode ?? null,
      r.scaleTo?.prefill ?? null, r.scaleTo?.decode ?? null, r.nextTickS,
      d.estimatedTtftMs, d.estimatedItlMs, d.predictedNumReq, d.predictedIsl, d.predictedOsl, d.predictedKvHitRate,
      d.engineRpsPrefill, d.engineRpsDecode, d.throughputLowerBoundPrefill, d.throughputLowerBoundDecode,
      d.loadDecisionReason, d.loadDecisionReasonPrefill, d.loadDecisionReasonDecode,
      d.throughputDecisionReason, d.throughputDecisionReasonPrefill, d.throughputDecisionReasonDecode,
    ];
  }));
}

export interface TicksReportContext {
  recording: string;
  config: PlannerConfig;
  capabilities: WorkerCapabilities;
  bootstrap: string;
  notDue: number;
  skippedBadLines: number;
}

const LOAD_COLORS: Record<string, string> = {
  scale_up: 'green', scale_down: 'blue', scale_down_capped_by_throughput: 'purple', no_change: 'gray', disabled: 'lightgray',
  no_fpm_data: 'gold', scaling_in_progress: 'orange', worker_count_mismatch: 'red', insufficient_data: 'pink',
  scale_down_refused_consolidation: 'brown',
};
const THROUGHPUT_COLORS: Record<string, string> = {
  scale: 'green', set_lower_bound: 'blue', disabled: 'lightgray', no_traffic_data: 'gold', predict_failed: 'red',
  model_not_ready: 'orange', partner_not_ready: 'pink',
};

type Trace = Record<string, unknown>;
const line = (name: string, x: number[], y: Array<number | null>, extra: Trace = {}): Trace => ({type: 'scatter', mode: 'lines', name, x, y, ...extra});

/** One marker trace per reason, so the legend names them. */
function reasonTraces(points: Array<{x: number; reason: string | null}>, colors: Record<string, string>, symbol: string, y: number): Trace[] {
  const byReason = new Map<string, number[]>();
  for (const p of points) {
    if (p.reason === null) continue;
    const xs = byReason.get(p.reason) ?? [];
    xs.push(p.x);
    byReason.set(p.reason, xs);
  }
  return [...byReason].map(([reason, xs]) => ({
    type: 'scatter', mode: 'markers', name: reason, x: xs, y: xs.map(() => y),
    marker: {symbol, size: 9, color: colors[reason] ?? 'gray'},
  }));
}

function sla(name: string, x: number[], value: number): Trace {
  return line(name, [x[0] ?? 0, x[x.length - 1] ?? 0], [value, value], {line: {dash: 'dash', color: '#c00'}});
}

/** Per-engine series of one FPM quantity, one line per worker:dp. */
function perEngine(outcomes: readonly TickOutcome[], side: 'prefill' | 'decode', value: (f: ForwardPassMetrics) => number): Trace[] {
  const series = new Map<string, {x: number[]; y: number[]}>();
  for (const o of outcomes) {
    for (const f of o.input.fpm?.[side] ?? []) {
      const key = `${f.workerId}:${f.dpRank}`;
      const s = series.get(key) ?? {x: [], y: []};
      s.x.push(o.record.nowS / 60);
      s.y.push(value(f));
      series.set(key, s);
    }
  }
  return [...series].map(([key, s]) => line(key, s.x, s.y));
}

export function ticksReport(outcomes: readonly TickOutcome[], ctx: TicksReportContext): ReportInput {
  const cfg = ctx.config;
  const x = outcomes.map((o) => o.record.nowS / 60);
  const xaxis = {title: {text: 'planner time (min)'}};
  const hv = {line: {shape: 'hv'}};
  const diag = outcomes.map((o) => o.record.diagnostics);
  const hasPrefill = cfg.mode !== 'decode' && cfg.mode !== 'agg';
  const hasDecode = cfg.mode !== 'prefill';
  const decodeSide = 'decode' as const;
  const maxKv = ctx.capabilities.decode?.maxKvTokens;

  const replicaTraces: Trace[] = [];
  const targetMarkers = (side: 'prefill' | 'decode'): Trace => {
    const pts = outcomes.filter((o) => o.record.scaleTo?.[side] !== null && o.record.scaleTo?.[side] !== undefined);
    return {type: 'scatter', mode: 'markers', name: `${side} scale target`, x: pts.map((o) => o.record.nowS / 60), y: pts.map((o) => o.record.scaleTo![side]), marker: {symbol: 'triangle-up', size: 9}};
  };
  if (hasPrefill) {
    replicaTraces.push(line('ready prefill', x, outcomes.map((o) => o.input.workers?.readyPrefill ?? null), hv), targetMarkers('prefill'));
    if (cfg.enableThroughputScaling) replicaTraces.push(line('prefill lower bound', x, diag.map((d) => d.throughputLowerBoundPrefill), {line: {dash: 'dash', shape: 'hv'}}));
  }
  if (hasDecode) {
    replicaTraces.push(line(cfg.mode === 'agg' ? 'ready workers' : 'ready decode', x, outcomes.map((o) => o.input.workers?.readyDecode ?? null), hv), targetMarkers('decode'));
    if (cfg.enableThroughputScaling) replicaTraces.push(line('decode lower bound', x, diag.map((d) => d.throughputLowerBoundDecode), {line: {dash: 'dash', shape: 'hv'}}));
  }

  const sections: Section[] = [
    {title: 'Replicas: ready, scale targets and throughput lower bounds', xGroup: 'time', figure: {data: replicaTraces, layout: {xaxis, yaxis: {title: {text: 'replicas'}, rangemode: 'tozero', dtick: 1}}}},
  ];
  if (cfg.optimizationTarget === 'sla') {
    if (cfg.mode !== 'decode') {
      sections.push({title: 'Estimated TTFT vs SLA', xGroup: 'time', figure: {data: [
        line('estimated TTFT', x, diag.map((d) => d.estimatedTtftMs), {mode: 'lines+markers'}), sla('TTFT SLA', x, cfg.ttftMs),
      ], layout: {xaxis, yaxis: {title: {text: 'ms'}, rangemode: 'tozero'}}}});
    }
    if (cfg.mode !== 'prefill') {
      sections.push({title: 'Estimated ITL vs SLA', xGroup: 'time', figure: {data: [
        line('estimated ITL', x, diag.map((d) => d.estimatedItlMs), {mode: 'lines+markers'}), sla('ITL SLA', x, cfg.itlMs),
      ], layout: {xaxis, yaxis: {title: {text: 'ms'}, rangemode: 'tozero'}}}});
    }
  }
  const prefillLoadSide = cfg.mode === 'agg' ? decodeSide : 'prefill';
  if (cfg.mode !== 'decode') {
    sections.push({title: 'Prefill engine load (queued prefill tokens)', xGroup: 'time', figure: {
      data: perEngine(outcomes, prefillLoadSide, (f) => f.queued.sumPrefillTokens), layout: {xaxis, yaxis: {title: {text: 'tokens'}, rangemode: 'tozero'}}}});
  }
  if (hasDecode) {
    const data = perEngine(outcomes, decodeSide, (f) => f.scheduled.sumDecodeKvTokens + f.queued.sumDecodeKvTokens);
    if (maxKv !== undefined) data.push(sla('KV capacity', x, maxKv));
    sections.push({title: 'Decode engine load (scheduled + queued decode KV tokens)', xGroup: 'time', figure: {data, layout: {xaxis, yaxis: {title: {text: 'tokens'}, rangemode: 'tozero'}}}});
  }
  if (cfg.enableThroughputScaling) {
    const withTraffic = outcomes.filter((o) => o.tick.runThroughputScaling && o.input.traffic !== undefined);
    const tx = withTraffic.map((o) => o.record.nowS / 60);
    const rps = (n: number | null, durationS: number) => (n === null || durationS <= 0 ? null : n / durationS);
    sections.push(
      {title: 'Request rate: observed vs predicted', xGroup: 'time', figure: {data: [
        line('observed', tx, withTraffic.map((o) => rps(o.input.traffic!.numReq, o.input.traffic!.durationS)), {mode: 'lines+markers'}),
        line('predicted', tx, withTraffic.map((o) => rps(o.record.diagnostics.predictedNumReq, o.input.traffic!.durationS)), {mode: 'lines+markers', line: {dash: 'dash'}}),
      ], layout: {xaxis, yaxis: {title: {text: 'req/s'}, rangemode: 'tozero'}}}},
      {title: 'Sequence lengths: observed vs predicted', xGroup: 'time', figure: {data: [
        line('observed ISL', tx, withTraffic.map((o) => o.input.traffic!.isl), {mode: 'lines+markers'}),
        line('predicted ISL', tx, withTraffic.map((o) => o.record.diagnostics.predictedIsl), {mode: 'lines+markers', line: {dash: 'dash'}}),
        line('observed OSL', tx, withTraffic.map((o) => o.input.traffic!.osl), {mode: 'lines+markers', yaxis: 'y2'}),
        line('predicted OSL', tx, withTraffic.map((o) => o.record.diagnostics.predictedOsl), {mode: 'lines+markers', yaxis: 'y2', line: {dash: 'dash'}}),
      ], layout: {xaxis, yaxis: {title: {text: 'ISL (tokens)'}, rangemode: 'tozero'}, yaxis2: {title: {text: 'OSL (tokens)'}, overlaying: 'y', side: 'right', rangemode: 'tozero'}}}},
    );
    sections.push({title: 'Engine capacity (req/s)', xGroup: 'time', figure: {data: [
      line('prefill engine', x, diag.map((d) => d.engineRpsPrefill), {mode: 'markers'}),
      line('decode engine', x, diag.map((d) => d.engineRpsDecode), {mode: 'markers'}),
    ], layout: {xaxis, yaxis: {title: {text: 'req/s'}, rangemode: 'tozero'}}}});
  }
  sections.push(
    {title: 'Load scaling decisions', xGroup: 'time', figure: {
      data: reasonTraces(outcomes.map((o, i) => ({x: x[i]!, reason: o.record.diagnostics.loadDecisionReason})), LOAD_COLORS, 'square', 1),
      layout: {xaxis, yaxis: {visible: false}, height: 220}}},
    {title: 'Throughput scaling decisions', xGroup: 'time', figure: {
      data: reasonTraces(outcomes.map((o, i) => ({x: x[i]!, reason: o.record.diagnostics.throughputDecisionReason})), THROUGHPUT_COLORS, 'diamond', 1),
      layout: {xaxis, yaxis: {visible: false}, height: 220}}},
  );
  const decisions = outcomes.filter((o) => o.record.scaleTo !== null).length;
  return {
    title: 'Planner dry run (ticks)',
    meta: {
      recording: ctx.recording, mode: cfg.mode, 'optimization target': cfg.optimizationTarget,
      'load scaling': cfg.enableLoadScaling, 'throughput scaling': cfg.enableThroughputScaling,
      'TTFT SLA (ms)': cfg.ttftMs, 'ITL SLA (ms)': cfg.itlMs,
      'load interval (s)': cfg.loadAdjustmentIntervalS, 'throughput interval (s)': cfg.throughputAdjustmentIntervalS,
      'GPU budget': gpuBudgetText(cfg.minGpuBudget, cfg.maxGpuBudget), 'min endpoint': cfg.minEndpoint,
      bootstrap: ctx.bootstrap, ticks: outcomes.length, decisions, 'lines not due': ctx.notDue, 'bad lines skipped': ctx.skippedBadLines,
    },
    sections,
  };
}

/** The budget as a reader says it (-1 is Dynamo's "off" for either bound): "at most 16 GPUs", "2 to 16 GPUs", "no limit". */
export function gpuBudgetText(minGpus: number, maxGpus: number): string {
  const min = minGpus > 0 ? minGpus : undefined;
  const max = maxGpus >= 0 ? maxGpus : undefined;
  if (min !== undefined && max !== undefined) return `${min} to ${max} GPUs`;
  if (max !== undefined) return `at most ${max} GPUs`;
  if (min !== undefined) return `at least ${min} GPUs`;
  return 'no limit';
}
