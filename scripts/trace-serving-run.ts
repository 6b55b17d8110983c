/**
 * Step 1 of issue 13: the simulated iterations of one measured closed-loop run (a line of
 * fixtures/serving/agg_serving_calibration.csv), as bench/serving-accuracy.ts simulates it:
 * measured vs predicted TTFT / TPOT, the engine's KV and chunk size, and the iterations in order
 * (consecutive decode-only iterations folded into one line), with how busy time splits between
 * prefill and decode.
 *
 *   npx tsx scripts/trace-serving-run.ts --line 573 [--spread 0.1] [--policy vllm] [--gpu-mem-util 0.8] [--lines 40]
 */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseMeasuredRuns, predictRun} from '../src/engines/sim/measured-runs.js';
import type {IterationShape} from '../src/engines/perf-model.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const file = 'fixtures/serving/agg_serving_calibration.csv';
const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const line = Number(flag('line'));
const run = parseMeasuredRuns(readFileSync(path.join(root, file), 'utf8'), file).find((r) => r.line === line);
if (!run) {
  process.stderr.write(`Error: ${file} has no run at line ${flag('line') ?? '(give --line N)'}\n`);
  process.exit(2);
}
const spreadFlag = flag('spread');
const maxLines = Number(flag('lines') ?? 40);

const log: string[] = [];
let busyMs = 0;
let prefillMs = 0;
let prefillIterations = 0;
let prefillRequests = 0;
let decodeRun: {count: number; ms: number; minBatch: number; maxBatch: number; startMs: number} | undefined;
const flushDecodes = (): void => {
  if (!decodeRun) return;
  const {count, ms, minBatch, maxBatch, startMs} = decodeRun;
  log.push(`${startMs.toFixed(0).padStart(9)}  decode x${count}, batch ${minBatch === maxBatch ? minBatch : `${minBatch}-${maxBatch}`}, ${ms.toFixed(1)} ms`);
  decodeRun = undefined;
};
const onIteration = (s: IterationShape, ms: number): void => {
  if (s.prefillTokens === 0) {
    decodeRun ??= {count: 0, ms: 0, minBatch: Infinity, maxBatch: 0, startMs: busyMs};
    decodeRun.count++;
    decodeRun.ms += ms;
    decodeRun.minBatch = Math.min(decodeRun.minBatch, s.decodeRequests);
    decodeRun.maxBatch = Math.max(decodeRun.maxBatch, s.decodeRequests);
  } else {
    flushDecodes();
    prefillMs += ms;
    prefillIterations++;
    prefillRequests += s.prefillRequests;
    log.push(`${busyMs.toFixed(0).padStart(9)}  prefill ${s.prefillRequests} req / ${s.prefillTokens} tok + ${s.decodeRequests} decodes, ${ms.toFixed(1)} ms`);
  }
  busyMs += ms;
};
const memUtil = flag('gpu-mem-util');
const pred = predictRun(run, {
  onIteration,
  ...(spreadFlag === undefined ? {} : {oslSpread: Number(spreadFlag)}),
  ...(flag('policy') ? {policy: flag('policy')} : {}),
  ...(memUtil === undefined ? {} : {synthetic: {gpuMemUtil: Number(memUtil)}}),
});
flushDecodes();

const cycle = (ttftMs: number, tpotMs: number) => (ttftMs + (run.osl - 1) * tpotMs).toFixed(0);
process.stdout.write(
  [
    `line ${run.line}: ${run.gpu} ${run.backend} ${run.backendVersion || '(unrecorded)'} ${run.modelId} ${run.quant} tp${run.tp}, ${run.isl}/${run.osl} x ${run.concurrency}; KV ${pred.maxKvTokens} tokens`,
    `measured  TTFT ${run.ttftMs.toFixed(0)} ms, TPOT ${run.tpotMs.toFixed(1)} ms, TTFT + (OSL-1) x TPOT ${cycle(run.ttftMs, run.tpotMs)} ms`,
    `predicted TTFT ${pred.ttftMs.toFixed(0)} ms, TPOT ${pred.tpotMs.toFixed(1)} ms, TTFT + (OSL-1) x TPOT ${cycle(pred.ttftMs, pred.tpotMs)} ms, ${pred.preemptions} preemptions`,
    `busy ${busyMs.toFixed(0)} ms, ${((100 * prefillMs) / busyMs).toFixed(0)} % in ${prefillIterations} prefill iterations (${(prefillRequests / Math.max(1, prefillIterations)).toFixed(1)} requests each)`,
    `iterations (busy-time clock, ms; first ${Math.min(maxLines, log.length)} of ${log.length} lines):`,
    ...log.slice(0, maxLines),
    '',
  ].join('\n'),
);
