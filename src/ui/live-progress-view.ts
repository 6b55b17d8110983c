/**
 * Ink view of a live sweep on a terminal (stderr): the current point, requests done, live
 * TTFT/ITL medians of the point, errors, and the ETA; finished points scroll above it. Drawn by
 * the one progress sink of src/ui/progress-view.ts.
 */
import type {LivePoint, LiveProgress, PointSummary} from '../sweep/live.js';
import type {SampleRecord} from '../profile/samples.js';
import {medianOrNull} from '../stats.js';
import {describePoint, formatDuration, pointLine} from './live-progress.js';
import type {StatusLine} from './progress.js';
import {InkSink} from './progress-view.js';

interface PointState {
  point?: LivePoint;
  status: string;
  index: number;
  total: number;
  requests: number;
  errors: number;
  ttftMs: number[];
  itlMs: number[];
  etaS: number | null;
}

export class InkProgress implements LiveProgress {
  private readonly sink: InkSink;
  private readonly startedAt = performance.now();
  private state: PointState = {status: '', index: 0, total: 0, requests: 0, errors: 0, ttftMs: [], itlMs: [], etaS: null};

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.sink = new InkSink(stream);
  }

  private statusLines(): StatusLine[] {
    const s = this.state;
    const p = s.point;
    if (!p) return [{text: s.status}];
    const ttft = medianOrNull(s.ttftMs);
    const itl = medianOrNull(s.itlMs);
    return [
      {text: `[${s.index}/${s.total}] ${describePoint(p)}`, bold: true},
      {
        text: `requests ${s.requests}/${p.expected}  median TTFT ${ttft === null ? '-' : ttft.toFixed(1)} ms  median ITL ${itl === null ? '-' : itl.toFixed(2)} ms  errors ${s.errors}  ETA ${s.etaS === null ? '?' : formatDuration(s.etaS)}  elapsed ${formatDuration((performance.now() - this.startedAt) / 1000)}`,
        color: s.errors > 0 ? 'red' : undefined,
      },
    ];
  }

  private update(patch: Partial<PointState>): void {
    this.state = {...this.state, ...patch};
    this.sink.status(() => this.statusLines());
  }

  start(total: number, done: number): void {
    this.update({total, index: done});
    this.sink.line(`${total} points${done > 0 ? `, ${done} already measured (resumed)` : ''}`);
  }

  phase(text: string): void {
    this.update({status: text});
  }

  pointStart(point: LivePoint, index: number, total: number): void {
    this.update({point, index, total, requests: 0, errors: 0, ttftMs: [], itlMs: []});
  }

  request(_p: LivePoint, s: SampleRecord): void {
    this.update({
      requests: this.state.requests + 1,
      errors: this.state.errors + (s.status === 'ok' ? 0 : 1),
      ttftMs: s.ttftMs === null ? this.state.ttftMs : [...this.state.ttftMs, s.ttftMs],
      itlMs: s.itlMs === null ? this.state.itlMs : [...this.state.itlMs, s.itlMs],
    });
  }

  pointDone(p: LivePoint, s: PointSummary, index: number, total: number, etaS: number | null): void {
    this.update({etaS, point: undefined, status: 'next point...'});
    this.sink.line(pointLine(p, s, index, total, etaS));
  }

  warn(text: string): void {
    this.sink.line(text, true);
  }

  stop(): void {
    this.sink.stop();
  }
}
