import {describe, expect, it} from 'vitest';
import {classicReport} from '../../src/planner/dryrun-report.js';
import {runClassicDryrun, type ClassicDryrunConfig} from '../../src/planner/dryrun-classic.js';
import {createPredictor} from '../../src/planner/predictors/index.js';
import {loadProfile} from '../../src/profile/io.js';
import {DecodeInterpolator, PrefillInterpolator} from '../../src/profile/interpolate/spline.js';
import {recommend, type RecommendCandidate} from '../../src/recommend/recommend.js';
import {recommendationReport} from '../../src/recommend/render.js';
import {SHIPPED_PROFILE} from '../helpers/cli.js';

type Fig = {data: Array<{name: string}>; layout: {shapes?: unknown[]}};
const figures = (sections: ReturnType<typeof classicReport>['sections']): Record<string, Fig> =>
  Object.fromEntries(sections.filter((s) => 'figure' in s).map((s) => [s.title, (s as unknown as {figure: Fig}).figure]));

describe('report figures a reader can use', () => {
  it('dry run: load charts shade each interval over its safe limit; replicas have their own chart', async () => {
    const profile = await loadProfile(SHIPPED_PROFILE);
    const metrics = Array.from({length: 6}, (_, i) => ({startS: i * 180, requestCount: i === 3 ? 9000 : 500, avgIsl: 3000, avgOsl: 300}));
    const cfg: ClassicDryrunConfig = {intervalS: 180, ttftMs: 500, itlMs: 50, startPrefill: 1, startDecode: 1, maxGpuBudget: 8, minEndpoint: 1, prefillGpus: 1, decodeGpus: 1};
    const make = () => createPredictor('constant', {windowSize: 50});
    const {ticks, summary} = runClassicDryrun(metrics, cfg, {prefill: new PrefillInterpolator(profile.prefill!), decode: new DecodeInterpolator(profile.decode!)}, {numReq: make(), isl: make(), osl: make()});
    const f = figures(classicReport(ticks, {config: cfg, summary, predictor: 'constant', load: 'test', profile: 'h200'}).sections);
    expect(summary.prefillOverLimitIntervals).toBeGreaterThan(0);
    expect(f['Prefill: load vs safe limit']!.layout.shapes).toHaveLength(summary.prefillOverLimitIntervals);
    expect(f['Decode: load vs safe limit']!.layout.shapes).toHaveLength(summary.decodeOverLimitIntervals);
    expect(f['Prefill: load vs safe limit']!.data.map((d) => d.name)).toEqual(['prefill tokens', 'safe prefill limit']);
    expect(f['Replicas']!.data.map((d) => d.name)).toEqual(['prefill replicas', 'decode replicas']);
  });

  it('recommend: the chosen layout is marked on the Pareto chart and table numbers are rounded', async () => {
    const profile = await loadProfile(SHIPPED_PROFILE);
    const cand: RecommendCandidate = {tp: 1, gpusPerEngine: 1, source: 'tp1', profile};
    const rec = recommend([cand], {isl: 3000, osl: 300, ttftMs: 200, itlMs: 15, noAgg: true});
    const report = recommendationReport(rec, 'tp1', 'text');
    const pareto = figures(report.sections)['Pareto: tokens/s/GPU vs tokens/s/user']!;
    expect(pareto.data.filter((d) => d.name.startsWith('chosen, '))).toHaveLength(1);
    const decode = report.sections.find((s) => s.title === 'Decode per TP') as {table: {rows: unknown[][]}};
    expect(decode.table.rows[0]).toEqual([1, 1, expect.stringMatching(/^\d+\.\d\d$/), 'yes', expect.stringMatching(/^\d+\.\d %$/), expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+\.\d\d$/), 'spline']);
  });
});
