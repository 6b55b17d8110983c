import {describe, expect, it} from 'vitest';
import {formatDuration, PlainProgress, resumeCommand} from '../../src/ui/live-progress.js';
import type {LivePoint} from '../../src/sweep/live.js';

const prefill: LivePoint = {id: 'prefill/isl=100', phase: 'prefill', isl: 100, osl: 5, concurrency: 1, expected: 3};
const decode: LivePoint = {id: 'decode/isl=2747/n=263', phase: 'decode', isl: 2747, osl: 500, concurrency: 263, expected: 263};

describe('plain progress lines', () => {
  it('one line per finished point with medians, errors and ETA', () => {
    const lines: string[] = [];
    const p = new PlainProgress((l) => lines.push(l), 'tp 2: ');
    p.start(40, 5);
    p.pointStart();
    p.pointDone(prefill, {ok: 3, errors: 0, ttftMs: 21.04, itlMs: null, elapsedS: 0.12}, 6, 40, 125);
    p.pointDone(decode, {ok: 261, errors: 2, ttftMs: 812.3, itlMs: 9.876, elapsedS: 14.26}, 7, 40, 3725);
    p.warn('the server returned 3 output tokens');
    expect(lines).toEqual([
      'tp 2: 40 points, 5 already measured (resumed)',
      'tp 2: [6/40] prefill isl=100 (3x): median TTFT 21.0 ms; 3 ok in 0.1s, ETA 2m05s',
      'tp 2: [7/40] decode isl=2747 osl=500 n=263: median steady-state ITL 9.88 ms, median TTFT 812.3 ms; 261 ok, 2 errors in 14.3s, ETA 1h02m',
      'tp 2: warning: the server returned 3 output tokens',
    ]);
    expect(formatDuration(42.4)).toBe('42s');
  });

  it('the resume command repeats the arguments, adds --resume once and drops the API key', () => {
    expect(resumeCommand('planner', ['profile', '--endpoint', 'http://h:8000', '--api-key', 'sk-1', '--out', 'my dir'])).toBe("planner profile --endpoint http://h:8000 --out 'my dir' --resume");
    expect(resumeCommand('planner', ['profile', '--api-key=sk-1', '--resume'])).toBe('planner profile --resume');
  });
});
