import {describe, expect, it} from 'vitest';
import {TaskProgress, useInk, type ProgressSink, type StatusLine} from '../../src/ui/progress.js';

/** A sink that records what a view would show. */
function recorder(): ProgressSink & {lines: string[]; statuses: StatusLine[][]; stopped: number} {
  const r = {
    lines: [] as string[],
    statuses: [] as StatusLine[][],
    stopped: 0,
    line: (t: string) => void r.lines.push(t),
    status: (s: () => StatusLine[]) => void r.statuses.push(s()),
    stop: () => void r.stopped++,
  };
  return r;
}

describe('TaskProgress', () => {
  it('plain: silent during the quiet period, then at most a line per 2 s, and always the end of a task', () => {
    let now = 0;
    const sink = recorder();
    const p = new TaskProgress(sink, true, 1000, () => now);
    for (let i = 1; i <= 10; i++) {
      now = i * 400;
      p.report({task: 'planning', done: i, total: 10, unit: 'intervals'});
    }
    // 400 and 800 ms are quiet; lines at 1.2 s and 3.2 s, then the end at 4 s.
    expect(sink.lines).toEqual([
      'planning: 3/10 intervals, 1s elapsed, ETA 3s',
      'planning: 8/10 intervals, 3s elapsed, ETA 1s',
      'planning: 10/10 intervals, 4s elapsed',
    ]);
    expect(sink.statuses).toEqual([]);
  });

  it('plain without a quiet period (--progress plain) reports a quick task too', () => {
    const sink = recorder();
    const p = new TaskProgress(sink, true, 0, () => 5);
    p.report({task: 'aggregated search', done: 0, total: 2, detail: 'TP 1: run 1 at 13.55 req/s misses the SLA'});
    p.report({task: 'aggregated search', done: 2, total: 2});
    expect(sink.lines).toEqual(['aggregated search: 0/2 (TP 1: run 1 at 13.55 req/s misses the SLA), 0s elapsed', 'aggregated search: 2/2, 0s elapsed']);
  });

  it('status view: redrawn at most 10 times a second, a bar and the ETA of the current task; stop once', () => {
    let now = 0;
    const sink = recorder();
    const p = new TaskProgress(sink, false, 0, () => now);
    now = 50;
    p.report({task: 'reading t.jsonl', done: 10, total: 40, unit: 'MB'});
    now = 90;
    p.report({task: 'reading t.jsonl', done: 20, total: 40, unit: 'MB'});
    now = 4000;
    p.report({task: 'reading t.jsonl', done: 30, total: 40, unit: 'MB'});
    expect(sink.statuses).toHaveLength(2);
    expect(sink.statuses[1]).toEqual([
      {text: 'reading t.jsonl [##################......] 30/40 MB', bold: true},
      {text: 'elapsed 4s, ETA 1s'},
    ]);
    p.stop();
    p.stop();
    p.report({task: 'planning', done: 1, total: 1});
    expect(sink.stopped).toBe(1);
    expect(sink.statuses).toHaveLength(2);
  });
});

describe('useInk', () => {
  const tty = {isTTY: true, columns: 80} as NodeJS.WriteStream;
  it('ink on a sized terminal unless --json; never on a pipe or a terminal without a size', () => {
    expect(useInk('auto', false, tty)).toBe(true);
    expect(useInk('auto', true, tty)).toBe(false);
    expect(useInk('auto', false, {isTTY: true, columns: 0} as NodeJS.WriteStream)).toBe(false);
    expect(useInk('auto', false, {isTTY: false} as NodeJS.WriteStream)).toBe(false);
    expect(useInk('plain', false, tty)).toBe(false);
    expect(useInk('ink', true, {isTTY: false} as NodeJS.WriteStream)).toBe(true);
  });
});
