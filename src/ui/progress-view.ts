/**
 * Ink twin of the plain progress sink (src/ui/progress.ts), on a terminal (stderr): finished
 * steps scroll above, the status block is redrawn under them.
 */
import React from 'react';
import {Box, Static, Text, render, type Instance} from 'ink';
import type {ProgressSink, StatusLine} from './progress.js';

interface ViewState {
  lines: {key: number; text: string; warn?: boolean}[];
  status: () => StatusLine[];
}

const h = React.createElement;

function View({state}: {state: ViewState}): React.ReactElement {
  return h(
    Box,
    {flexDirection: 'column'},
    h(Static, {items: state.lines, children: (item: unknown) => {
      const l = item as ViewState['lines'][number];
      return h(Text, {key: l.key, color: l.warn ? 'yellow' : undefined}, l.text);
    }}),
    h(Box, {flexDirection: 'column'}, ...state.status().map((s, i) => h(Text, {key: i, bold: s.bold, color: s.color}, s.text))),
  );
}

export class InkSink implements ProgressSink {
  private state: ViewState = {lines: [], status: () => []};
  private instance: Instance | null = null;
  private key = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  private update(patch: Partial<ViewState>): void {
    this.state = {...this.state, ...patch};
    if (!this.instance) {
      this.instance = render(h(View, {state: this.state}), {stdout: this.stream, patchConsole: false, exitOnCtrlC: false});
      // Redraw twice a second while the event loop is free (a live sweep waits on the network).
      this.timer = setInterval(() => this.instance?.rerender(h(View, {state: this.state})), 500);
      this.timer.unref();
    } else this.instance.rerender(h(View, {state: this.state}));
  }

  line(text: string, warn = false): void {
    this.update({lines: [...this.state.lines, {key: this.key++, text: warn ? `warning: ${text}` : text, warn}]});
  }

  status(lines: () => StatusLine[]): void {
    this.update({status: lines});
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.update({status: () => []});
    this.instance?.unmount();
    this.instance = null;
  }
}
