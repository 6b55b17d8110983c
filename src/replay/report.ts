/**
 * The replay report (pure: results in, ReportInput out): Dynamo's diagnostics panels (notes
 * E.12) for the planner run on one shared time axis, then the comparison with each fixed fleet
 * and the TTFT/ITL distributions per run.
 */
import type {ReportInput, Section} from '../report/html.js';
import type {ReplayRunResult} from './run.js';

const LOAD_COLORS: Record<string, string> = {
  scale_up: 'green', scale_down: 'blue', scale_down_capped_by_throughput: 'purple', no_change: 'gray', disabled: 'lightgray',
  no_fpm_data: 'gold', scaling_in_progress: 'orange', worker_count_mismatch: 'red', insufficient_data: 'pink', scale_down_refused_consolidation: 'brown',
};
const THROUGHPUT_COLORS: Record<string, string> = {
  scale: 'green', set_lower_bound: 'blue', disabled: 'lightgray', no_traffic_data: 'gold', predict_failed: 'red', model_not_ready: 'orange', partner_not_ready: 'pink',
};

const X = 'time';
const line = (name: string, x: number[], y: Array<number | null>, extra: Record<string, unknown> = {}) => ({type: 'scatter', mode: 'lines', name, x, y, ...extra});
const sla = (x: number[], value: number) => line('SLA', [x[0] ?? 0, x[x.length - 1] ?? 0], [value, value], {line: {color: 'red', dash: 'dash'}});
const layout = (title: string, yTitle: string, xRange: [number, number], yaxis: Record<string, unknown> = {}) => ({title: {text: title}, height: 380, xaxis: {title: {text: 'time (s)'}, range: xRange}, yaxis: {title: {text: yTitle}, ...yaxis}, margin: {t: 40}});

function decisionMarkers(x: number[], reasons: Array<string | null>, colors: Record<string, string>, symbol: string) {
  const byReason = new Map<string, number[]>();
  reasons.forEach((r, i) => {
    if (r === null) return;
    byReason.set(r, [...(byReason.get(r) ?? []), x[i]!]);
  });
  return [...byReason].map(([reason, xs]) => ({type: 'scatter', mode: 'markers', name: reason, x: xs, y: xs.map(() => reason), marker: {symbol, size: 8, color: colors[reason] ?? 'gray'}}));
}

export interface ReplayReportContext {
  load: string;
  timing: string;
  ttftMs: number;
  itlMs: number;
  router: string;
  startupS: number;
  kvTransferGBps: number;
  decodeMaxKvTokens: number;
}

/** Whole replicas on the axis (no 1.5 ticks), at most about eight ticks. */
function replicaTickStep(snapshots: ReadonlyArray<{activePrefill: number; activeDecode: number; readyPrefill: number; readyDecode: number}>): number {
  const most = Math.max(1, ...snapshots.map((s) => Math.max(s.activePrefill, s.activeDecode, s.readyPrefill, s.readyDecode)));
  return Math.max(1, Math.ceil(most / 8));
}

export function replayReport(runs: readonly ReplayRunResult[], ctx: ReplayReportContext): ReportInput {
  const sections: Section[] = [];
  const planned = runs.find((r) => r.planner);
  if (planned?.planner) {
    const p = planned.planner;
    const x = p.snapshots.map((s) => s.nowS);
    // every time chart starts at the same range, so the panels line up before any zoom
    const xRange: [number, number] = [0, x[x.length - 1] ?? 0];
    const fig = (title: string, yTitle: string, data: unknown[], yaxis: Record<string, unknown> = {}): Section => ({figure: {data, layout: layout(title, yTitle, xRange, yaxis)}, xGroup: X});
    const d = p.decisions.map((r) => r.diagnostics);
    const lb = d.map((v) => Math.max(v.throughputLowerBoundPrefill, v.throughputLowerBoundDecode));
    sections.push(fig('Replica counts', 'replicas', [
      line('prefill ready', x, p.snapshots.map((s) => s.readyPrefill), {line: {shape: 'hv'}}),
      line('decode ready', x, p.snapshots.map((s) => s.readyDecode), {line: {shape: 'hv'}}),
      line('prefill target', x, p.snapshots.map((s) => s.activePrefill), {line: {shape: 'hv', dash: 'dot'}}),
      line('decode target', x, p.snapshots.map((s) => s.activeDecode), {line: {shape: 'hv', dash: 'dot'}}),
      ...(lb.some((v) => v > 1) ? [line('throughput lower bound (prefill)', x, d.map((v) => v.throughputLowerBoundPrefill), {line: {color: 'red', dash: 'dash'}}),
        line('throughput lower bound (decode)', x, d.map((v) => v.throughputLowerBoundDecode), {line: {color: 'darkred', dash: 'dash'}})] : []),
    ], {dtick: replicaTickStep(p.snapshots), rangemode: 'tozero'}));
    const interval = (i: number) => (i > 0 ? x[i]! - x[i - 1]! : x[0]!);
    sections.push(fig('Request rate (observed vs predicted)', 'req/s', [
      line('observed', x, p.snapshots.map((s) => s.observedRps)),
      line('predicted', x, d.map((v, i) => (v.predictedNumReq === null ? null : v.predictedNumReq / Math.max(1e-9, planned.planner!.ticks[i]!.traffic?.durationS ?? interval(i)))), {mode: 'lines+markers'}),
    ]));
    // log scale: a queue's TTFT reaches 100x the target and would flatten the SLA line onto the axis
    sections.push(fig('Observed TTFT vs SLA (mean of requests finished since the previous tick)', 'ms (log scale)', [line('TTFT', x, p.snapshots.map((s) => s.observedTtftMs)), sla(x, ctx.ttftMs)], {type: 'log'}));
    sections.push(fig('Observed ITL vs SLA', 'ms', [line('ITL', x, p.snapshots.map((s) => s.observedItlMs)), sla(x, ctx.itlMs)]));
    if (d.some((v) => v.estimatedTtftMs !== null || v.estimatedItlMs !== null)) {
      sections.push(fig('Estimated TTFT vs SLA (load pass)', 'ms', [line('estimated TTFT', x, d.map((v) => v.estimatedTtftMs), {mode: 'lines+markers'}), sla(x, ctx.ttftMs)]));
      sections.push(fig('Estimated ITL vs SLA (load pass)', 'ms', [line('estimated ITL', x, d.map((v) => v.estimatedItlMs), {mode: 'lines+markers'}), sla(x, ctx.itlMs)]));
    } else {
      sections.push({title: 'Estimated TTFT and ITL (load pass)', text: 'No load pass estimated TTFT or ITL in this run (load scaling off, or no forward-pass metrics reached a fitted regression): the throughput path made every decision.'});
    }
    const engines = (key: 'prefillQueuedTokens' | 'decodeKvTokens') => [...new Set(p.snapshots.flatMap((s) => Object.keys(s[key])))];
    sections.push(fig('Prefill engine load (queued prefill tokens)', 'tokens', engines('prefillQueuedTokens').map((id) => line(id, x, p.snapshots.map((s) => s.prefillQueuedTokens[id] ?? null)))));
    sections.push(fig('Decode engine load (scheduled + queued decode KV tokens)', 'tokens', [
      ...engines('decodeKvTokens').map((id) => line(id, x, p.snapshots.map((s) => s.decodeKvTokens[id] ?? null))),
      line('KV capacity', [x[0] ?? 0, x[x.length - 1] ?? 0], [ctx.decodeMaxKvTokens, ctx.decodeMaxKvTokens], {line: {color: 'red', dash: 'dash'}}),
    ]));
    sections.push(fig('Engine capacity (req/s per engine at the SLA)', 'req/s', [
      line('prefill', x, d.map((v) => v.engineRpsPrefill), {mode: 'lines+markers', connectgaps: true}),
      line('decode', x, d.map((v) => v.engineRpsDecode), {mode: 'lines+markers', connectgaps: true}),
    ]));
    sections.push(fig('Sequence lengths (observed vs predicted)', 'tokens', [
      line('ISL observed', x, p.snapshots.map((s) => s.observedIsl)), line('ISL predicted', x, d.map((v) => v.predictedIsl), {mode: 'markers'}),
      line('OSL observed', x, p.snapshots.map((s) => s.observedOsl)), line('OSL predicted', x, d.map((v) => v.predictedOsl), {mode: 'markers'}),
    ]));
    sections.push(fig('Load scaling decisions', 'reason', decisionMarkers(x, d.map((v) => v.loadDecisionReason), LOAD_COLORS, 'square')));
    sections.push(fig('Throughput scaling decisions', 'reason', decisionMarkers(x, d.map((v) => v.throughputDecisionReason), THROUGHPUT_COLORS, 'diamond')));
    sections.push(fig('GPU-hours (cumulative, start-up included)', 'GPU-hours', [line('GPU-hours', x, p.snapshots.map((s) => s.gpuHours))]));
  }

  const fmt = (v: number, digits = 2) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null);
  sections.push({
    title: 'Planner vs fixed fleets',
    table: {
      columns: ['run', 'SLA attainment', 'goodput (req/s)', 'GPU-hours', 'goodput per GPU-hour', 'peak P', 'peak D', 'TTFT p50/p90/p99 (ms)', 'ITL p50/p90/p99 (ms)', 'E2E p50 (ms)', 'scaling events', 'longest SLA miss (s)', 'prefix hit rate'],
      rows: runs.map(({summary: s}) => [
        s.name, fmt(s.slaAttainment, 3), fmt(s.goodputRps), fmt(s.gpuHours, 3), fmt(s.goodputPerGpuHour, 0), s.peakPrefillReplicas, s.peakDecodeReplicas,
        `${fmt(s.ttftMs.p50, 0)} / ${fmt(s.ttftMs.p90, 0)} / ${fmt(s.ttftMs.p99, 0)}`, `${fmt(s.itlMs.p50)} / ${fmt(s.itlMs.p90)} / ${fmt(s.itlMs.p99)}`,
        fmt(s.e2eMs.p50, 0), s.scalingEvents, s.longestSlaMissS, fmt(s.prefixHitRate, 3),
      ]),
    },
  });
  const sample = (values: number[]) => (values.length <= 20000 ? values : values.filter((_, i) => i % Math.ceil(values.length / 20000) === 0));
  sections.push({
    title: 'TTFT distribution per run',
    figure: {data: runs.map((r) => ({type: 'histogram', histnorm: 'percent', opacity: 0.6, name: r.summary.name, x: sample(r.requests.map((q) => q.ttftMs))})),
      layout: {barmode: 'overlay', height: 320, xaxis: {title: {text: 'TTFT (ms)'}, type: 'log'}, yaxis: {title: {text: '% of requests'}}}},
  });
  sections.push({
    title: 'ITL distribution per run',
    figure: {data: runs.map((r) => ({type: 'histogram', histnorm: 'percent', opacity: 0.6, name: r.summary.name, x: sample(r.requests.flatMap((q) => (q.itlMs === null ? [] : [q.itlMs])))})),
      layout: {barmode: 'overlay', height: 320, xaxis: {title: {text: 'ITL (ms)'}}, yaxis: {title: {text: '% of requests'}}}},
  });
  const planner = planned?.summary;
  return {
    title: 'Planner replay: diagnostics and fixed fleets',
    meta: {
      load: ctx.load, timing: ctx.timing, 'SLA targets': `TTFT ${ctx.ttftMs} ms, ITL ${ctx.itlMs} ms`, router: ctx.router,
      'start-up time': `${ctx.startupS} s`, 'KV transfer': ctx.kvTransferGBps > 0 ? `${ctx.kvTransferGBps} GB/s` : 'off',
      ticks: planned?.planner?.ticks.length, 'scaling events': planner?.scalingEvents, 'GPU-hours (planner)': planner ? Number(planner.gpuHours.toFixed(3)) : undefined,
    },
    sections,
  };
}
