/** Text and HTML renderings of a recommendation. Pure: a Recommendation in, strings / report input out. */
import {escapeHtml, type ReportInput, type Section} from '../report/html.js';
import {textTable} from '../ui/table.js';
import type {ParetoPoint, Recommendation} from './recommend.js';

const f0 = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '-');
const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');
const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

/** Indented, first column left-aligned, numbers right-aligned. */
const table = (header: string[], rows: string[][]): string[] => textTable(header, rows, {indent: '  ', rightAligned: (i) => i > 0});

export function recommendationText(r: Recommendation, sourceLine: string): string {
  const q = r.query;
  const out: string[] = [];
  const stat = q.slaStat === 'mean' ? 'mean' : q.slaStat;
  out.push(`Recommendation for ISL ${q.isl}, OSL ${q.osl}: TTFT <= ${q.ttftMs} ms, ITL <= ${q.itlMs} ms`);
  out.push(`Profiles: ${sourceLine}`);
  out.push('');

  out.push(`Prefill (batch-1 TTFT at ISL ${q.isl})`);
  const pRows = r.perTp.filter((t) => t.prefill).map((t) => {
    const p = t.prefill!;
    return [String(t.tp), String(t.gpusPerEngine), f2(p.ttftMs), p.meetsSla ? 'met' : 'MISSED', f0(p.thptPerGpu), f2(p.requestRatePerGpu), p.method];
  });
  out.push(...(pRows.length ? table(['TP', 'GPUs', 'TTFT ms', 'SLA', 'tok/s/GPU', 'req/s/GPU', 'method'], pRows) : ['  no prefill data']));
  if (r.prefill) {
    out.push(`  Chosen prefill TP: ${r.prefill.tp} (${r.prefill.rule === 'best-throughput' ? 'best tokens/s/GPU meeting TTFT' : 'lowest TTFT; nothing meets the target'})`);
  }
  out.push('');

  out.push(`Decode (best tokens/s/GPU with ITL <= ${q.itlMs} ms at context ISL + OSL/2 = ${q.contextLength})`);
  const dRows = r.perTp.filter((t) => t.decode).map((t) => {
    const d = t.decode!;
    return [String(t.tp), String(t.gpusPerEngine), f2(d.itlMs), d.meetsSla ? 'met' : 'MISSED', pct(d.kvUsage), f0(d.thptPerGpu), f1(1000 / d.itlMs), f2(d.requestRatePerGpu), d.method];
  });
  if (dRows.length) {
    out.push(...table(['TP', 'GPUs', 'ITL ms', 'SLA', 'kv usage', 'tok/s/GPU', 'tok/s/user', 'req/s/GPU', 'method'], dRows));
    if (r.decode) out.push(`  Chosen decode TP: ${r.decode.tp} (${r.decode.rule === 'best-throughput' ? 'best tokens/s/GPU meeting ITL' : 'lowest ITL; nothing meets the target'})`);
  } else out.push('  no decode data: prefill only');
  out.push('');

  out.push("Planner thresholds (as Dynamo's profiler prints them)");
  const pq = r.thresholds.prefillQueue;
  if (pq && r.prefill) out.push(`  Prefill queue size: upper ${f2(pq.upper)}, lower ${f2(pq.lower)}  (TTFT target ${q.ttftMs} ms vs ${f2(r.prefill.ttftMs)} ms at TP ${r.prefill.tp})`);
  const kv = r.thresholds.decodeKvUsage;
  if (kv && r.decode) out.push(`  Decode kv usage: upper ${f2(kv.upper)}, lower ${f2(kv.lower)}  (chosen point at ${pct(r.decode.kvUsage)} kv usage, TP ${r.decode.tp})`);
  if (!pq && !kv) out.push('  none');
  out.push('');

  out.push(`Aggregated (one engine, mixed prefill + decode iterations, Poisson arrivals, simulated; ${stat} TTFT and ITL)`);
  if (r.aggregated.skipped) out.push(`  ${r.aggregated.skipped}`);
  else {
    out.push(...table(['TP', 'GPUs', 'max req/s', 'TTFT ms', 'ITL ms', 'tok/s/GPU', 'tok/s/user', 'runs'], r.aggregated.perTp.map((a) => [
      String(a.tp), String(a.gpusPerEngine), a.feasible ? f2(a.maxRateRps) : 'none', f1(a.at.ttftMs[q.slaStat]), f2(a.at.itlMs[q.slaStat]),
      a.feasible ? f0(a.at.tokensPerSPerGpu) : '-', f1(a.at.tokensPerSPerUser), String(a.runs),
    ])));
    const b = r.aggregated.best;
    out.push(b ? `  Best aggregated: TP ${b.tp}, ${b.gpusPerEngine} GPU${b.gpusPerEngine > 1 ? 's' : ''} per replica, ${f2(b.maxRateRps)} req/s per replica, ${f0(b.at.tokensPerSPerGpu)} tokens/s/GPU` : '  No aggregated engine meets both targets at any rate tried.');
  }
  out.push('');

  out.push('Disaggregated (prefill and decode workers rate-matched)');
  const d = r.disaggregated.best;
  if (d) {
    out.push(`  Best disaggregated: ${d.prefillWorkers} x prefill TP ${d.prefillTp} + ${d.decodeWorkers} x decode TP ${d.decodeTp} = ${d.gpus} GPUs per replica, ${f2(d.rps)} req/s, ${f0(d.tokensPerSPerGpu)} tokens/s/GPU, ${f1(d.tokensPerSPerUser)} tokens/s/user`);
    out.push(`  (${r.disaggregated.note})`);
  } else out.push(`  ${r.disaggregated.note}`);
  out.push('');
  out.push(`Aggregated vs disaggregated: ${r.comparison.text}`);

  const rep = r.replicas;
  if (rep) {
    out.push('');
    out.push(`Replicas for ${rep.requestRateRps} req/s (Dynamo's formula over a ${rep.intervalS} s interval: ${f0(rep.requestsPerInterval)} requests)`);
    if (rep.prefill) out.push(`  Prefill: ${rep.prefill.replicas} x TP ${rep.prefill.tp} = ${rep.prefill.gpus} GPUs`);
    if (rep.decode) out.push(`  Decode:  ${rep.decode.replicas} x TP ${rep.decode.tp} = ${rep.decode.gpus} GPUs`);
    out.push(`  Disaggregated total: ${rep.totalGpus} GPUs`);
    if (rep.aggregated) out.push(`  Aggregated: ${rep.aggregated.replicas} x TP ${rep.aggregated.tp} = ${rep.aggregated.gpus} GPUs`);
    if (rep.budget) {
      const b = rep.budget;
      out.push(`  GPU budget ${b.maxGpuBudget}: disaggregated ${b.fits ? 'fits' : `does NOT fit (the planner would cap at ${b.capped.prefill} prefill + ${b.capped.decode} decode)`}` +
        (b.aggregatedFits === undefined ? '' : `; aggregated ${b.aggregatedFits ? 'fits' : 'does NOT fit'}`));
    }
  }
  return out.join('\n');
}

const SERIES_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Points on the upper-right frontier (no other point has both more tokens/s/GPU and more tokens/s/user). */
export function paretoFrontier(points: readonly ParetoPoint[]): ParetoPoint[] {
  const sorted = [...points].sort((a, b) => b.tokensPerSPerUser - a.tokensPerSPerUser || b.tokensPerSPerGpu - a.tokensPerSPerGpu);
  const out: ParetoPoint[] = [];
  let bestGpu = -Infinity;
  for (const p of sorted) {
    if (p.tokensPerSPerGpu > bestGpu) {
      out.push(p);
      bestGpu = p.tokensPerSPerGpu;
    }
  }
  return out.sort((a, b) => a.tokensPerSPerUser - b.tokensPerSPerUser);
}

export function recommendationReport(r: Recommendation, sourceLine: string, text: string): ReportInput {
  const q = r.query;
  const series = [...new Set(r.pareto.map((p) => p.series))];
  const data: unknown[] = series.map((s, i) => {
    const pts = r.pareto.filter((p) => p.series === s).sort((a, b) => a.tokensPerSPerUser - b.tokensPerSPerUser);
    return {
      type: 'scatter', mode: 'markers', name: s,
      marker: {symbol: s.startsWith('agg') ? 'circle' : 'diamond', color: SERIES_COLORS[i % SERIES_COLORS.length], size: 8},
      x: pts.map((p) => p.tokensPerSPerUser), y: pts.map((p) => p.tokensPerSPerGpu),
      text: pts.map((p) => `${p.detail}; TTFT ${p.ttftMs.toFixed(1)} ms, ITL ${p.itlMs.toFixed(2)} ms`),
      hovertemplate: '%{y:.0f} tok/s/GPU at %{x:.1f} tok/s/user<br>%{text}<extra>%{fullData.name}</extra>',
    };
  });
  for (const layout of ['aggregated', 'disaggregated'] as const) {
    const front = paretoFrontier(r.pareto.filter((p) => p.layout === layout));
    if (front.length > 1) {
      data.push({type: 'scatter', mode: 'lines', name: `${layout} frontier`, line: {dash: layout === 'aggregated' ? 'solid' : 'dot', color: '#444'},
        x: front.map((p) => p.tokensPerSPerUser), y: front.map((p) => p.tokensPerSPerGpu), hoverinfo: 'skip'});
    }
  }
  // The best layout of each kind, the chosen one (the comparison's winner) larger and named so.
  const bests: {name: string; x: number; y: number; winner: boolean}[] = [];
  const agg = r.aggregated.best;
  if (agg) bests.push({name: `best aggregated: TP ${agg.tp}`, x: agg.at.tokensPerSPerUser, y: agg.at.tokensPerSPerGpu, winner: r.comparison.winner === 'aggregated'});
  const dis = r.disaggregated.best;
  if (dis) bests.push({name: `best disaggregated: ${dis.prefillWorkers} x prefill TP ${dis.prefillTp} + ${dis.decodeWorkers} x decode TP ${dis.decodeTp}`, x: dis.tokensPerSPerUser, y: dis.tokensPerSPerGpu, winner: r.comparison.winner === 'disaggregated'});
  for (const b of bests) {
    data.push({type: 'scatter', mode: 'markers+text', name: `${b.winner ? 'chosen, ' : ''}${b.name}`, x: [b.x], y: [b.y], text: [b.winner ? 'chosen' : ''], textposition: 'top center',
      marker: {symbol: 'star', size: b.winner ? 20 : 14, color: b.winner ? '#000' : '#888', line: {color: '#fff', width: 1}},
      hovertemplate: `${escapeHtml(b.name)}<br>%{y:.0f} tok/s/GPU at %{x:.1f} tok/s/user<extra></extra>`});
  }
  const f0 = (v: number) => v.toFixed(0);
  const f2 = (v: number) => v.toFixed(2);
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  const sections: Section[] = [
    {title: 'Verdict', text: r.comparison.text},
    {
      title: 'Pareto: tokens/s/GPU vs tokens/s/user',
      figure: {data, layout: {hovermode: 'closest', xaxis: {title: {text: 'tokens/s/user (1000 / ITL)'}}, yaxis: {title: {text: 'output tokens/s/GPU'}, rangemode: 'tozero'},
        shapes: [{type: 'line', xref: 'x', yref: 'paper', x0: 1000 / q.itlMs, x1: 1000 / q.itlMs, y0: 0, y1: 1, line: {color: 'red', dash: 'dash'}}]}},
      note: `Aggregated: one simulated engine per TP at the arrival rates the search tried and at 15-85 % of its highest rate (points meeting TTFT). Disaggregated: each decode TP at a range of ITL targets, rate-matched with prefill workers. The dashed line is the ITL target (${q.itlMs} ms); stars mark the best layout of each kind, the larger black one the chosen.`,
    },
    {title: 'Prefill per TP', table: {columns: ['TP', 'GPUs', 'TTFT ms', 'meets TTFT', 'tokens/s/GPU', 'req/s/GPU', 'method'],
      rows: r.perTp.filter((t) => t.prefill).map((t) => [t.tp, t.gpusPerEngine, f2(t.prefill!.ttftMs), t.prefill!.meetsSla ? 'yes' : 'no', f0(t.prefill!.thptPerGpu), f2(t.prefill!.requestRatePerGpu), t.prefill!.method])}},
    {title: 'Decode per TP', table: {columns: ['TP', 'GPUs', 'ITL ms', 'meets ITL', 'kv usage', 'tokens/s/GPU', 'req/s/GPU', 'method'],
      rows: r.perTp.filter((t) => t.decode).map((t) => [t.tp, t.gpusPerEngine, f2(t.decode!.itlMs), t.decode!.meetsSla ? 'yes' : 'no', pct(t.decode!.kvUsage), f0(t.decode!.thptPerGpu), f2(t.decode!.requestRatePerGpu), t.decode!.method])}},
    {title: 'Aggregated per TP (simulated)', table: {columns: ['TP', 'GPUs', 'max req/s', `${q.slaStat} TTFT ms`, `${q.slaStat} ITL ms`, 'tokens/s/GPU', 'tokens/s/user'],
      rows: r.aggregated.perTp.map((a) => [a.tp, a.gpusPerEngine, a.feasible ? f2(a.maxRateRps) : null, f2(a.at.ttftMs[q.slaStat]), f2(a.at.itlMs[q.slaStat]), a.feasible ? f0(a.at.tokensPerSPerGpu) : null, f2(a.at.tokensPerSPerUser)])}},
    {title: 'Full recommendation', html: `<pre>${escapeHtml(text)}</pre>`},
  ];
  if (r.warnings.length > 0) sections.splice(1, 0, {title: 'Warnings', text: r.warnings.join('\n\n')});
  return {
    title: `planner recommend: ISL ${q.isl}, OSL ${q.osl}, TTFT ${q.ttftMs} ms, ITL ${q.itlMs} ms`,
    meta: {profiles: sourceLine, 'prefill TP': r.prefill?.tp, 'decode TP': r.decode?.tp, winner: r.comparison.winner ?? 'none'},
    sections,
  };
}
