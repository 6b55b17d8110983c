import {describe, expect, it} from 'vitest';
import {fitBackend, fitLimitsFor, fitOverheads, linearPrediction, SGLANG_MAX_ITERATION_MS, TRTLLM_OSL_SPREAD, type RunSensitivity} from '../../../src/engines/sim/serving-fit.js';
import {INFERENCEMAX_PROTOCOL, MEASURED_WAVES, parseMeasuredRuns, predictRun, protocolOf, type MeasuredRun} from '../../../src/engines/sim/measured-runs.js';
import {runBenchmark} from '../../../src/engines/sim/benchmark.js';
import {linearPerfModel} from '../../helpers/linear-perf-model.js';

const run = (ttftMs: number, tpotMs: number): MeasuredRun => ({line: 2, gpu: 'h200_sxm', backend: 'vllm', backendVersion: '', modelId: 'm', quant: 'bf16', tp: 1, isl: 100, osl: 10, concurrency: 1, ttftMs, tpotMs, measuredDate: ''});

// Runs whose truth is a = 30 ms per request, b = 1.5 ms per iteration, with known sensitivities.
const sample = (ttft0: number, dT: number, tpot0: number, dP: number, spread = 0.1): RunSensitivity => ({
  run: run(ttft0 + 30 + 1.5 * dT, tpot0 + 1.5 * dP), oslSpread: spread, ttftMs: ttft0, tpotMs: tpot0, dTtftPerIterationMs: dT, dTpotPerIterationMs: dP,
});

describe('serving overhead fit', () => {
  it('recovers the overheads of runs that follow the linear model exactly', () => {
    const samples = [sample(100, 2, 10, 1), sample(400, 6, 20, 1.1), sample(50, 1, 5, 1)];
    const fit = fitOverheads(samples);
    expect(fit.perRequestMs).toBe(30);
    expect(fit.perIterationMs).toBeCloseTo(1.5, 9);
    expect(fit.objective).toBeCloseTo(0, 9);
    expect(linearPrediction(samples[1]!, 30, 1.5)).toEqual({ttftMs: samples[1]!.run.ttftMs, tpotMs: samples[1]!.run.tpotMs});
  });

  it('keeps the limit it is given and picks the spread that fits best', () => {
    const samples = [sample(100, 2, 10, 1), sample(400, 6, 20, 1.1)];
    expect(fitOverheads(samples, {maxPerRequestMs: () => 10}).perRequestMs).toBeLessThanOrEqual(10);
    // Bounded at 0.5 ms/iteration, the per-request overhead takes up what it can of the TTFT.
    const bounded = fitOverheads(samples, {maxPerIterationMs: 0.5});
    expect(bounded.perIterationMs).toBeCloseTo(0.5, 9);
    expect(bounded.perRequestMs).toBeGreaterThan(30);
    const worse = samples.map((s) => ({...s, oslSpread: 0, ttftMs: s.ttftMs * 3}));
    expect(fitBackend(new Map([[0, worse], [0.1, samples]])).oslSpread).toBe(0.1);
    // A backend whose spread is fixed keeps it even where another candidate fits better.
    const atZero = samples.map((s) => ({...s, oslSpread: 0}));
    const worseAtTenth = worse.map((s) => ({...s, oslSpread: 0.1}));
    expect(fitBackend(new Map([[0, atZero], [0.1, worseAtTenth]]), {oslSpreads: [0.1]}).oslSpread).toBe(0.1);
    expect(fitBackend(new Map([[0, atZero], [0.1, worseAtTenth]])).oslSpread).toBe(0);
    expect(fitBackend(new Map([[0, worse], [0.1, samples]]), {oslSpreads: [0]}).oslSpread).toBe(0);
  });

  it('bounds SGLang per-iteration overhead and fixes its spread; fixes the TRT-LLM spread', () => {
    const profile = {} as Parameters<typeof fitLimitsFor>[1];
    expect(fitLimitsFor('sglang', profile)).toEqual({maxPerIterationMs: SGLANG_MAX_ITERATION_MS, oslSpreads: [0]});
    expect(fitLimitsFor('trtllm', profile)).toEqual({oslSpreads: [TRTLLM_OSL_SPREAD]});
  });

  it('a tie between spreads (no run depends on it) goes to the de-synchronised loop', () => {
    const samples = [sample(100, 2, 10, 1), sample(400, 6, 20, 1.1)];
    expect(fitBackend(new Map([[0, samples.map((s) => ({...s, oslSpread: 0}))], [0.1, samples]])).oslSpread).toBe(0.1);
  });

  it('reads the calibration CSV and names the line of a bad row', () => {
    const head = 'system,backend,backend_version,model_path,precision,gemm_quant_mode,mode,isl,osl,batch_size,tp_size,pp_size,silicon_ttft_ms,silicon_tpot_ms,measured_date';
    const runs = parseMeasuredRuns(`${head}\nh100_sxm,vllm,0.12.0,Qwen/Qwen3-32B,,,agg,1024,128,8,2,1,154.2,18.0,2026-01-01\n`, 'x.csv');
    expect(runs[0]).toMatchObject({line: 2, gpu: 'h100_sxm', quant: 'bf16', tp: 2, concurrency: 8, ttftMs: 154.2, tpotMs: 18, measuredDate: '2026-01-01'});
    expect(() => parseMeasuredRuns(`${head}\nh100_sxm,vllm,,m,int3,,agg,1,1,1,1,1,1,1,x\n`, 'x.csv')).toThrow(/x.csv:2: unknown precision "int3"/);
  });

  it('gives the InferenceMAX vLLM runs their scripts\' protocol and KV dtype, the others the default', () => {
    const head = 'system,backend,backend_version,model_path,precision,gemm_quant_mode,mode,isl,osl,batch_size,tp_size,pp_size,silicon_ttft_ms,silicon_tpot_ms,measured_date';
    const rows = [
      'b200_sxm,vllm,,meta-llama/Llama-3.1-70B,fp4,nvfp4,agg,1024,8192,64,1,1,238.18,20.899,2025-10-29',
      'h100_sxm,vllm,,meta-llama/Llama-3.1-70B,fp8,fp8,agg,1024,8192,32,2,1,288.953,27.694,2025-10-29',
      'h100_sxm,vllm,0.12.0,Qwen/Qwen3-32B,,,agg,1024,128,8,2,1,154.2,18.0,',
      'b200_sxm,trtllm,,meta-llama/Llama-3.1-70B,fp8,fp8,agg,1024,1024,4,1,1,100,10,2025-10-29',
    ];
    const [b200, h100, qwen, trt] = parseMeasuredRuns(`${head}\n${rows.join('\n')}\n`, 'x.csv').map(protocolOf);
    expect(b200).toEqual({waves: 10, lengthRangeRatio: 0.8, kvQuant: 'fp8'});
    expect(h100).toEqual({waves: 10, lengthRangeRatio: 0.8, kvQuant: 'bf16'});
    expect(qwen).toEqual({waves: 5});
    expect(trt).toEqual({waves: 10, lengthRangeRatio: 0.8});
  });
});

describe('closed-loop output-length spread', () => {
  it('draws lengths within ±spread of the OSL; none without spread', () => {
    const opts = {isl: 100, osl: 100, concurrency: 4, requests: 200};
    const spread = runBenchmark(linearPerfModel(), {}, {...opts, oslSpread: 0.1}).perRequest.map((r) => r.outputTokens);
    expect(Math.min(...spread)).toBeGreaterThanOrEqual(90);
    expect(Math.max(...spread)).toBeLessThanOrEqual(110);
    expect(new Set(spread).size).toBeGreaterThan(10);
    expect(new Set(runBenchmark(linearPerfModel(), {}, opts).perRequest.map((r) => r.outputTokens))).toEqual(new Set([100]));
    expect(() => runBenchmark(linearPerfModel(), {}, {...opts, oslSpread: 1})).toThrow(/oslSpread must be in \[0, 1\)/);
  });

  it('draws input and output lengths from [ratio x len, len] as benchmark_serving.py --random-range-ratio', () => {
    const r = runBenchmark(linearPerfModel(), {}, {isl: 100, osl: 50, concurrency: 4, requests: 400, lengthRangeRatio: 0.8}).perRequest;
    const ins = r.map((x) => x.inputTokens);
    const outs = r.map((x) => x.outputTokens);
    expect([Math.min(...ins), Math.max(...ins)]).toEqual([80, 100]);
    expect([Math.min(...outs), Math.max(...outs)]).toEqual([40, 50]);
    expect(ins.reduce((a, b) => a + b, 0) / ins.length).toBeGreaterThan(88);
    expect(ins.reduce((a, b) => a + b, 0) / ins.length).toBeLessThan(92);
    expect(() => runBenchmark(linearPerfModel(), {}, {isl: 100, osl: 50, concurrency: 4, requests: 8, lengthRangeRatio: 0})).toThrow(/lengthRangeRatio must be in \(0, 1\]/);
  });
});

describe('benchmark protocol of a measured run', () => {
  it('the runs of the InferenceMAX sweep (unrecorded version, 2025-10-29) draw [0.8 L, L] lengths over ten waves; other runs exact lengths over MEASURED_WAVES', () => {
    expect(protocolOf({...run(1, 1), backend: 'trtllm', backendVersion: '', measuredDate: '2025-10-29'})).toEqual(INFERENCEMAX_PROTOCOL);
    expect(protocolOf({...run(1, 1), backend: 'vllm', quant: 'bf16', backendVersion: '', measuredDate: '2025-10-29'})).toEqual(INFERENCEMAX_PROTOCOL);
    expect(INFERENCEMAX_PROTOCOL).toEqual({waves: 10, lengthRangeRatio: 0.8});
    expect(protocolOf({...run(1, 1), backendVersion: '1.0.0rc3', measuredDate: ''})).toEqual({waves: MEASURED_WAVES});
    expect(protocolOf({...run(1, 1), backendVersion: '', measuredDate: '2026-01-01'})).toEqual({waves: MEASURED_WAVES});
  });
});

describe('random-range-ratio lengths', () => {
  it('draws ISL and OSL uniformly from [floor(r x L), L], each value reachable', () => {
    const r = runBenchmark(linearPerfModel(), {}, {isl: 10, osl: 5, concurrency: 4, requests: 400, lengthRangeRatio: 0.8, oslSpread: 0.5});
    const isl = r.perRequest.map((q) => q.inputTokens);
    const osl = r.perRequest.map((q) => q.outputTokens);
    // floor(0.8 x 10) = 8 .. 10 and floor(0.8 x 5) = 4 .. 5; the spread is ignored.
    expect(new Set(isl)).toEqual(new Set([8, 9, 10]));
    expect(new Set(osl)).toEqual(new Set([4, 5]));
    expect(() => runBenchmark(linearPerfModel(), {}, {isl: 10, osl: 5, concurrency: 1, requests: 1, lengthRangeRatio: 0})).toThrow(/lengthRangeRatio must be in \(0, 1\]/);
  });
});

describe('predicting a measured run', () => {
  it('shows every iteration to an observer without changing the prediction', () => {
    const r: MeasuredRun = {...run(0, 0), gpu: 'h100_sxm', backend: 'sglang', modelId: 'Qwen/Qwen3-32B', tp: 2, isl: 1024, osl: 8, concurrency: 4};
    let prefillTokens = 0;
    let decodes = 0;
    const observed = predictRun(r, {onIteration: (shape, ms) => {
      expect(ms).toBeGreaterThan(0);
      prefillTokens += shape.prefillTokens;
      decodes += shape.decodeRequests;
    }});
    // 20 requests (5 waves of 4): each prompt once, 7 decode steps after the first token.
    expect(prefillTokens).toBe(20 * 1024);
    expect(decodes).toBe(20 * 7);
    expect(observed).toEqual(predictRun(r));
  });
});
