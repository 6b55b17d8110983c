// The classic dry run on the shipped profile against golden decisions computed independently with
// SciPy from a reading of Dynamo's dry run (fixtures/dryrun/make_parity.py): empty windows, a rate
// spike cut by the GPU budget, and a window sized exactly at the budget.
import {describe, expect, it} from 'vitest';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {REPO_ROOT, SHIPPED_PROFILE, runCli} from '../helpers/cli.js';

interface Expected {
  intervalS: number;
  ttftMs: number;
  itlMs: number;
  maxGpuBudget: number;
  ticks: Array<{timeS: number; prefillReplicas: number; decodeReplicas: number; predicted: [number, number, number]; safePrefillThpt: number; safeDecodeThpt: number}>;
}

const dir = path.join(REPO_ROOT, 'fixtures/dryrun');
const expected = JSON.parse(readFileSync(path.join(dir, 'parity-expected.json'), 'utf8')) as Expected;

describe('classic dry run parity with Dynamo (golden values)', () => {
  it('gives the same replica decisions and safe throughputs', async () => {
    const out = path.join(REPO_ROOT, 'node_modules/.cache/dryrun-parity');
    const r = await runCli(['dryrun', '--trace', path.join(dir, 'parity-trace.jsonl'), '--profile', SHIPPED_PROFILE,
      '--adjustment-interval', String(expected.intervalS), '--ttft', String(expected.ttftMs), '--itl', String(expected.itlMs),
      '--max-gpu-budget', String(expected.maxGpuBudget), '--predictor', 'constant', '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const got = JSON.parse(r.stdout) as {ticks: Array<{step: number; prefillReplicas: number; decodeReplicas: number; predicted: {numReq: number; isl: number; osl: number}; safePrefillTokens: number; safeDecodeTokens: number; budgetApplied: boolean; gpus: number}>};
    expect(got.ticks.map((t) => [t.step * expected.intervalS, t.prefillReplicas, t.decodeReplicas])).toEqual(expected.ticks.map((t) => [t.timeS, t.prefillReplicas, t.decodeReplicas]));
    got.ticks.forEach((t, i) => {
      const e = expected.ticks[i]!;
      expect([t.predicted.numReq, t.predicted.isl, t.predicted.osl]).toEqual(e.predicted);
      expect(t.safePrefillTokens).toBeCloseTo(e.safePrefillThpt, 3);
      // decode grid values agree with SciPy to < 1e-3 relative (DESIGN 8)
      expect(Math.abs(t.safeDecodeTokens - e.safeDecodeThpt)).toBeLessThanOrEqual(1e-3 * Math.max(1, e.safeDecodeThpt));
    });
    // the spike is cut by the budget; the window sized at exactly the budget is not
    expect(got.ticks[3]).toMatchObject({budgetApplied: true, gpus: 8});
    expect(got.ticks[5]).toMatchObject({prefillReplicas: 4, decodeReplicas: 4, gpus: 8, budgetApplied: false});
  });
});
