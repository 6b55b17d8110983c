/**
 * The report of a live profile: TTFT vs ISL with its p10-p90 band, ITL vs KV usage per context
 * length, tokens/s/GPU of both phases, and errors per point; plus per-point CSV tables.
 */
import type {OutputFile} from '../outputs.js';
import path from 'node:path';
import {renderReport, type Section} from './html.js';
import {toCsv} from './csv.js';
import type {DecodePointResult, LiveArrays, PrefillPointResult} from '../sweep/live-profile.js';
import type {Profile} from '../profile/types.js';

export interface LiveReportExtras {
  errorKinds: Record<string, number>;
  requests: number;
  errors: number;
  shortOutputs: number;
}

function byContext(points: DecodePointResult[]): Map<number, DecodePointResult[]> {
  const m = new Map<number, DecodePointResult[]>();
  for (const p of points) {
    const list = m.get(p.contextLength) ?? [];
    list.push(p);
    m.set(p.contextLength, list);
  }
  for (const list of m.values()) list.sort((a, b) => a.kvUsage - b.kvUsage);
  return new Map([...m].sort((a, b) => a[0] - b[0]));
}

export function liveReportHtml(profile: Profile, arrays: LiveArrays, extras: LiveReportExtras): Buffer {
  const sections: Section[] = [];
  const pre = arrays.prefillPoints;
  const dec = arrays.decodePoints;
  // First, so a reader does not take an incomplete sweep for a complete one.
  if (arrays.unmeasured.length > 0) {
    sections.push({
      title: `${arrays.unmeasured.length} ${arrays.unmeasured.length === 1 ? 'point' : 'points'} could not be measured (the profile holds the others; --resume measures them again)`,
      table: {columns: ['point', 'why'], rows: arrays.unmeasured.map((u) => [u.point, u.reason])},
    });
  }
  if (pre.length > 0) {
    const isl = pre.map((p) => p.isl);
    sections.push({
      title: 'Prefill: TTFT vs ISL (median, p10-p90 band)',
      figure: {
        data: [
          {x: isl, y: pre.map((p) => p.ttftP10Ms), mode: 'lines', line: {width: 0}, name: 'p10', showlegend: false, hoverinfo: 'skip'},
          {x: isl, y: pre.map((p) => p.ttftP90Ms), mode: 'lines', line: {width: 0}, fill: 'tonexty', fillcolor: 'rgba(31,119,180,0.2)', name: 'p10-p90'},
          {x: isl, y: pre.map((p) => p.ttftMs), mode: 'lines+markers', name: 'median TTFT', line: {color: '#1f77b4'}},
        ],
        layout: {xaxis: {title: {text: 'ISL (tokens)'}}, yaxis: {title: {text: 'TTFT (ms)'}}},
      },
    });
  }
  if (dec.length > 0) {
    const groups = byContext(dec);
    sections.push({
      title: 'Decode: ITL vs KV usage, one line per context length',
      figure: {
        data: [...groups].map(([ctx, ps]) => ({x: ps.map((p) => p.kvUsage), y: ps.map((p) => p.itlMs), mode: 'lines+markers', name: `ctx ${ctx}`,
          error_y: {type: 'data', symmetric: false, array: ps.map((p) => p.itlP90Ms - p.itlMs), arrayminus: ps.map((p) => p.itlMs - p.itlP10Ms)}})),
        layout: {hovermode: 'closest', xaxis: {title: {text: 'KV usage (fraction of max_kv_tokens)'}}, yaxis: {title: {text: 'ITL (ms)'}}},
      },
      note: dec.some((p) => !p.steady) ? 'Points without a steady window (all streams generating at once) use whole-request ITLs.' : undefined,
    });
    sections.push({
      title: 'Decode: tokens/s/GPU vs KV usage',
      figure: {
        data: [...groups].map(([ctx, ps]) => ({x: ps.map((p) => p.kvUsage), y: ps.map((p) => p.thptPerGpu), mode: 'lines+markers', name: `ctx ${ctx}`})),
        layout: {hovermode: 'closest', xaxis: {title: {text: 'KV usage'}}, yaxis: {title: {text: 'tokens/s/GPU'}}},
      },
    });
  }
  if (pre.length > 0) {
    sections.push({
      title: 'Prefill: tokens/s/GPU vs ISL',
      figure: {data: [{x: pre.map((p) => p.isl), y: pre.map((p) => p.thptPerGpu), mode: 'lines+markers', name: 'prefill'}], layout: {xaxis: {title: {text: 'ISL (tokens)'}}, yaxis: {title: {text: 'tokens/s/GPU'}}}},
    });
  }
  sections.push({
    title: 'Requests and errors per point',
    table: {
      columns: ['point', 'ok', 'errors'],
      rows: [...pre.map((p) => [p.point, p.ok, p.errors]), ...dec.map((p) => [p.point, p.ok, p.errors])],
    },
  });
  const kinds = Object.entries(extras.errorKinds);
  if (kinds.length > 0) sections.push({title: 'Errors by kind', table: {columns: ['error', 'count'], rows: kinds.sort((a, b) => b[1] - a[1])}});
  const unmeasured = new Set(arrays.unmeasured.map((u) => u.point));
  const otherDropped = arrays.dropped.filter((d) => !unmeasured.has(d.point));
  if (otherDropped.length > 0) sections.push({title: 'Other points left out of the profile', table: {columns: ['point', 'why'], rows: otherDropped.map((d) => [d.point, d.reason])}});
  return renderReport({
    title: `Live profile: ${profile.engine.model} (TP ${profile.engine.tp})`,
    meta: {
      endpoint: profile.source.endpoint,
      created: profile.source.createdAt,
      tool: profile.source.tool,
      'max KV tokens': profile.engine.maxKvTokens,
      requests: extras.requests,
      errors: extras.errors,
      'short outputs': extras.shortOutputs,
    },
    sections,
  });
}

export function prefillCsv(points: PrefillPointResult[]): string {
  return toCsv(['point', 'requestedIsl', 'isl', 'ttftMs', 'ttftP10Ms', 'ttftP90Ms', 'thptPerGpu', 'ok', 'errors'],
    points.map((p) => [p.point, p.requestedIsl, p.isl, p.ttftMs, p.ttftP10Ms, p.ttftP90Ms, p.thptPerGpu, p.ok, p.errors]));
}

export function decodeCsv(points: DecodePointResult[]): string {
  return toCsv(['point', 'requestedIsl', 'isl', 'osl', 'concurrency', 'contextLength', 'kvUsage', 'itlMs', 'itlP10Ms', 'itlP90Ms', 'thptPerGpu', 'steady', 'windowMs', 'ok', 'errors'],
    points.map((p) => [p.point, p.requestedIsl, p.isl, p.osl, p.concurrency, p.contextLength, p.kvUsage, p.itlMs, p.itlP10Ms, p.itlP90Ms, p.thptPerGpu, p.steady, p.windowMs, p.ok, p.errors]));
}

/** report.html and/or prefill.csv + decode.csv of a live profile, to be written next to it. */
export function liveOutputs(dir: string, profile: Profile, arrays: LiveArrays, extras: LiveReportExtras, o: {report: boolean; csv: boolean}): OutputFile[] {
  const out: OutputFile[] = [];
  if (o.report) out.push({file: path.join(dir, 'report.html'), data: liveReportHtml(profile, arrays, extras)});
  if (o.csv) {
    if (arrays.prefillPoints.length > 0) out.push({file: path.join(dir, 'prefill.csv'), data: prefillCsv(arrays.prefillPoints)});
    if (arrays.decodePoints.length > 0) out.push({file: path.join(dir, 'decode.csv'), data: decodeCsv(arrays.decodePoints)});
  }
  return out;
}
