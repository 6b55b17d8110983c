/**
 * Synthetic model vs real measurements: Llama-3.1-8B FP8 on one H200 with vLLM (Dynamo's
 * profile, shipped as profiles/h200-llama3.1-8b-fp8-tp1). Prints per-point ratios and the MAPEs,
 * with the calibrated serving overheads and without them.
 *
 *   npx tsx bench/synthetic-accuracy.ts [--per-request-ms X --per-iteration-ms Y] [--json]
 */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Profile} from '../src/profile/types.js';
import {SyntheticPerfModel} from '../src/engines/synthetic/model.js';
import {syntheticDecodePoint} from '../src/sweep/synthetic.js';
import {resolveGpu} from '../src/engines/synthetic/gpus.js';
import {allReducePoint, contextAttentionPoint, gemmPoint, generationAttentionPoint, parseCsv, type MeasuredPoint} from '../src/engines/synthetic/aic-rows.js';
import {ALLREDUCE_UTIL, CONTEXT_ATTENTION_UTIL, GEMM_UTIL, GENERATION_ATTENTION_UTIL} from '../src/engines/synthetic/calibration-data.js';
import {lookupGemmUtil, lookupUtil} from '../src/engines/synthetic/ops.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ref = JSON.parse(readFileSync(path.join(root, 'profiles/h200-llama3.1-8b-fp8-tp1/profile.json'), 'utf8')) as Profile;
const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : undefined;
};

interface Row {
  kind: 'prefill' | 'decode';
  label: string;
  measuredMs: number;
  predictedMs: number;
}

function evaluate(overheads?: {perRequestMs: number; perIterationMs: number}): {rows: Row[]; prefillMapePct: number; decodeMapePct: number} {
  const model = new SyntheticPerfModel({model: 'llama-3.1-8b', gpu: 'h200_sxm', tp: 1, quant: 'fp8', kvQuant: 'bf16', backend: 'vllm'});
  if (overheads) Object.assign(model, overheads);
  const rows: Row[] = [];
  const p = ref.prefill!;
  p.prefill_isl.forEach((isl, i) => rows.push({kind: 'prefill', label: `isl ${isl}`, measuredMs: p.prefill_ttft[i], predictedMs: model.ttftMs(isl)}));
  const d = ref.decode!;
  d.x_kv_usage.forEach((x, i) => {
    const ctx = d.y_context_length[i];
    const n = Math.max(1, Math.round((x * d.max_kv_tokens) / ctx));
    rows.push({kind: 'decode', label: `ctx ${ctx} n ${n}`, measuredMs: d.z_itl[i], predictedMs: syntheticDecodePoint(model, n, ctx).itlMs});
  });
  const mape = (kind: Row['kind']) => {
    const rs = rows.filter((r) => r.kind === kind);
    return (100 * rs.reduce((s, r) => s + Math.abs(r.predictedMs / r.measuredMs - 1), 0)) / rs.length;
  };
  return {rows, prefillMapePct: mape('prefill'), decodeMapePct: mape('decode')};
}

const custom = arg('--per-request-ms') !== undefined || arg('--per-iteration-ms') !== undefined;
const calibrated = evaluate(custom ? {perRequestMs: arg('--per-request-ms') ?? 0, perIterationMs: arg('--per-iteration-ms') ?? 0} : undefined);
const raw = evaluate({perRequestMs: 0, perIterationMs: 0});

if (args.includes('--json')) {
  process.stdout.write(`${JSON.stringify({calibrated, uncalibrated: raw}, null, 2)}\n`);
} else {
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (v: number, n: number) => v.toFixed(2).padStart(n);
  console.log('Synthetic llama-3.1-8b fp8 (KV bf16) on h200_sxm TP1, vLLM  vs  Dynamo H200 measurements');
  console.log(`${pad('point', 22)}${'measured ms'.padStart(12)}${'synthetic'.padStart(11)}${'ratio'.padStart(8)}${'no-ovh'.padStart(9)}${'ratio'.padStart(8)}`);
  calibrated.rows.forEach((r, i) => {
    const u = raw.rows[i];
    console.log(
      `${pad(`${r.kind} ${r.label}`, 22)}${num(r.measuredMs, 12)}${num(r.predictedMs, 11)}${num(r.predictedMs / r.measuredMs, 8)}${num(u.predictedMs, 9)}${num(u.predictedMs / u.measuredMs, 8)}`,
    );
  });
  console.log('');
  console.log(`${pad('MAPE', 22)}${'calibrated'.padStart(12)}${'no overheads'.padStart(14)}${'target'.padStart(8)}`);
  console.log(`${pad('prefill TTFT (17 pts)', 22)}${`${calibrated.prefillMapePct.toFixed(1)} %`.padStart(12)}${`${raw.prefillMapePct.toFixed(1)} %`.padStart(14)}${'10 %'.padStart(8)}`);
  console.log(`${pad('decode ITL (41 pts)', 22)}${`${calibrated.decodeMapePct.toFixed(1)} %`.padStart(12)}${`${raw.decodeMapePct.toFixed(1)} %`.padStart(14)}${'15 %'.padStart(8)}`);
}

// Per-op accuracy: the fitted curves against every AIC H200 measurement they were fitted on.
if (!args.includes('--json')) {
  const h200 = resolveGpu('h200_sxm');
  const csv = (f: string) => parseCsv(readFileSync(path.join(root, 'fixtures/aic', f), 'utf8'));
  const families: [string, MeasuredPoint[], (p: MeasuredPoint) => number][] = [
    ['GEMM', csv('h200_gemm.csv').map((r) => gemmPoint(h200, r)), (p) => Math.max(GEMM_UTIL[p.key].floorMs, (p.solS * 1000) / lookupGemmUtil(GEMM_UTIL[p.key], p.a, p.b, p.c))],
    ['prefill attention', csv('h200_context_attention.csv').map((r) => contextAttentionPoint(h200, r)), (p) => Math.max(CONTEXT_ATTENTION_UTIL[p.key].floorMs, (p.solS * 1000) / lookupUtil(CONTEXT_ATTENTION_UTIL[p.key], p.a, p.b))],
    ['decode attention', csv('h200_generation_attention.csv').map((r) => generationAttentionPoint(h200, r)), (p) => Math.max(GENERATION_ATTENTION_UTIL[p.key].floorMs, (p.solS * 1000) / lookupUtil(GENERATION_ATTENTION_UTIL[p.key], p.a, p.b))],
    ['all-reduce', csv('h200_allreduce.csv').map((r) => allReducePoint(h200, r)).filter((p): p is MeasuredPoint => p !== undefined), (p) => Math.max(ALLREDUCE_UTIL[p.key].floorMs, (p.solS * 1000) / lookupUtil(ALLREDUCE_UTIL[p.key], p.a, p.b))],
  ];
  const q = (v: number[], f: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(v.length * f))];
  console.log('');
  console.log(`${'op family vs AIC H200'.padEnd(22)}${'points'.padStart(8)}${'median err'.padStart(12)}${'p90 err'.padStart(10)}`);
  for (const [name, pts, predict] of families) {
    const e = pts.map((p) => Math.abs(predict(p) / p.latencyMs - 1) * 100);
    console.log(`${name.padEnd(22)}${String(e.length).padStart(8)}${`${q(e, 0.5).toFixed(2)} %`.padStart(12)}${`${q(e, 0.9).toFixed(1)} %`.padStart(10)}`);
  }
}
