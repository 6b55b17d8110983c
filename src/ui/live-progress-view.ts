/**
 * Ink view of a live sweep on a terminal (stderr): the current point, requests done, live
 * TTFT/ITL medians of the point, errors, and the ETA; finished points scroll above it.
 */
import React from 'react';
import {Box, Static, Text, render, type Instance} from 'ink';
import type {LivePoint, LiveProgress, PointSummary} from '../sweep/live.js';
import type {SampleRecord} from '../profile/samples.js';
import {medianOrNull} from '../stats.js';
import {describePoint, formatDuration, pointLine} from './live-progress.js';

interface ViewState {
  lines: {key: number; text: string; warn?: boolean}[];
  status: string;
  point?: LivePoint;
  index: number;
  total: number;
  requests: number;
  errors: number;
  ttftMs: number[];
  itlMs: number[];
  etaS: number | null;
  startedAt: number;
}

const h = React.createElement;

function View({state}: {state: ViewState}): React.ReactElement {
  const p = state.point;
  const ttft = medianOrNull(state.ttftMs);
  const itl = medianOrNull(state.itlMs);
  return h(
    Box,
    {flexDirection: 'column'},
    h(Static, {items: state.lines, children: (item: unknown) => {
      const l = item as ViewState['lines'][number];
      return h(Text, {key: l.key, color: l.warn ? 'yellow' : undefined}, l.text);
    }}),
    p
      ? h(
          Box,
          {flexDirection: 'column'},
          h(Text, {bold: true}, `[${state.index}/${state.total}] ${describePoint(p)}`),
          h(Text, null, `requests ${state.requests}/${p.expected}  median TTFT ${ttft === null ? '-' : ttft.toFixed(1)} ms  median ITL ${itl === null ? '-' : itl.toFixed(2)} ms  `,
            h(Text, {color: state.errors > 0 ? 'red' : undefined}, `errors ${state.errors}`),
            `  ETA ${state.etaS === null ? '?' : formatDuration(state.etaS)}  elapsed ${formatDuration((performance.now() - state.startedAt) / 1000)}`),
        )
      : h(Text, {dimColor: true}, state.status),
  );
}

export class InkProgress implements LiveProgress {
  private state: ViewState = {lines: [], status: '', index: 0, total: 0, requests: 0, errors: 0, ttftMs: [], itlMs: [], etaS: null, startedAt: performance.now()};
  private instance: Instance | null = null;
  private key = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  private update(patch: Partial<ViewState>): void {
    this.state = {...this.state, ...patch};
    if (!this.instance) {
      this.instance = render(h(View, {state: this.state}), {stdout: this.stream, patchConsole: false, exitOnCtrlC: false});
      this.timer = setInterval(() => this.instance?.rerender(h(View, {state: this.state})), 500);
      this.timer.unref();
    } else this.instance.rerender(h(View, {state: this.state}));
  }

  private line(text: string, warn = false): void {
    this.update({lines: [...this.state.lines, {key: this.key++, text, warn}]});
  }

  start(total: number, done: number): void {
    this.update({total, index: done});
    this.line(`${total} points${done > 0 ? `, ${done} already measured (resumed)` : ''}`);
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
    this.line(pointLine(p, s, index, total, etaS));
  }

  warn(text: string): void {
    this.line(`warning: ${text}`, true);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.update({point: undefined, status: ''});
    this.instance?.unmount();
    this.instance = null;
  }
}
