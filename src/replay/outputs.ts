/**
 * What `dryrun --mode replay` writes (pure: results in, file contents out): requests.jsonl (one
 * line per request and run), ticks.jsonl (the planner run's inputs as a tick recording, DESIGN
 * 3.5, so `dryrun --mode ticks` reproduces its decisions), ticks.csv (inputs, fleet state and
 * decisions per tick) and summary.json.
 */
import {toCsv} from '../report/csv.js';
import type {WorkerCapabilities} from '../planner/core/types.js';
import type {ReplayRunResult, RunSummary} from './run.js';

export interface TicksHeaderInput {
  plannerConfig: Record<string, unknown>;
  capabilities: WorkerCapabilities;
  bootstrapProfile?: string;
}

export function requestsJsonl(runs: readonly ReplayRunResult[]): string {
  const lines: string[] = [];
  for (const r of runs) for (const q of r.requests) lines.push(JSON.stringify({run: r.summary.name, ...q}));
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

export function ticksJsonl(run: ReplayRunResult, header: TicksHeaderInput): string {
  const head: Record<string, unknown> = {plannerConfig: header.plannerConfig, capabilities: header.capabilities, startS: 0};
  if (header.bootstrapProfile !== undefined) head.bootstrapProfile = header.bootstrapProfile;
  const lines = [JSON.stringify(head), ...(run.planner?.ticks ?? []).map((t) => JSON.stringify(t))];
  return `${lines.join('\n')}\n`;
}

const TICK_COLUMNS = [
  'nowS', 'readyPrefill', 'readyDecode', 'activePrefill', 'activeDecode', 'observedRps', 'observedTtftMs', 'observedItlMs', 'observedIsl', 'observedOsl',
  'kvHitRate', 'gpuHours', 'scaleToPrefill', 'scaleToDecode', 'nextTickS', 'estimatedTtftMs', 'estimatedItlMs', 'predictedNumReq', 'predictedIsl', 'predictedOsl',
  'predictedKvHitRate', 'engineRpsPrefill', 'engineRpsDecode', 'throughputLowerBoundPrefill', 'throughputLowerBoundDecode',
  'loadDecisionReason', 'loadDecisionReasonPrefill', 'loadDecisionReasonDecode', 'throughputDecisionReason', 'throughputDecisionReasonPrefill', 'throughputDecisionReasonDecode',
] as const;

export function ticksCsv(run: ReplayRunResult): string {
  const p = run.planner;
  if (!p) return toCsv(TICK_COLUMNS, []);
  return toCsv(TICK_COLUMNS, p.snapshots.map((s, i) => {
    const r = p.decisions[i]!;
    const d = r.diagnostics;
    return [
      s.nowS, s.readyPrefill, s.readyDecode, s.activePrefill, s.activeDecode, s.observedRps, s.observedTtftMs, s.observedItlMs, s.observedIsl, s.observedOsl,
      s.kvHitRate, s.gpuHours, r.scaleTo?.prefill ?? null, r.scaleTo?.decode ?? null, r.nextTickS, d.estimatedTtftMs, d.estimatedItlMs, d.predictedNumReq, d.predictedIsl, d.predictedOsl,
      d.predictedKvHitRate, d.engineRpsPrefill, d.engineRpsDecode, d.throughputLowerBoundPrefill, d.throughputLowerBoundDecode,
      d.loadDecisionReason, d.loadDecisionReasonPrefill, d.loadDecisionReasonDecode, d.throughputDecisionReason, d.throughputDecisionReasonPrefill, d.throughputDecisionReasonDecode,
    ];
  }));
}

/** The `--json` result and summary.json: one entry per run. */
export function summaryJson(runs: readonly ReplayRunResult[]): {runs: Array<RunSummary & {scalingEventList: ReplayRunResult['fleet']['scalingEvents']}>} {
  return {runs: runs.map((r) => ({...r.summary, scalingEventList: r.fleet.scalingEvents}))};
}
