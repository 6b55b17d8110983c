/**
 * The one progress display of long commands (recommend, dryrun) and of live sweeps: finished
 * steps scroll as lines, and the current state is a status block under them. On a terminal it is
 * ink (src/ui/progress-view.ts); otherwise plain lines on stderr. Never stdout: under --json
 * stdout holds only the result.
 */
import {Flags} from '@oclif/core';
import type {OnProgress, ProgressEvent} from '../progress.js';
import {formatDuration} from './live-progress.js';

/** One line of the status block. */
export interface StatusLine {
  text: string;
  bold?: boolean;
  color?: 'red' | 'yellow';
}

/** Where progress goes: lines that stay, and a status block redrawn in place (ink) or not at all (plain). */
export interface ProgressSink {
  line(text: string, warn?: boolean): void;
  /** Replace the status block; a function is re-evaluated on every redraw (elapsed times tick). */
  status(lines: () => StatusLine[]): void;
  stop(): void;
}

export const PROGRESS_MODES = ['auto', 'plain', 'ink', 'none'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

/** The --progress flag of every command that shows progress. */
export const progressFlag = Flags.option({
  description: 'Progress display on stderr: ink on a terminal, plain lines otherwise (auto); none for silence.',
  options: PROGRESS_MODES,
  default: 'auto' as ProgressMode,
});

/** Ink needs a terminal that knows its size (not one under `script`, not a pipe). */
export function useInk(mode: ProgressMode, json: boolean, stream: NodeJS.WriteStream = process.stderr): boolean {
  return mode === 'ink' || (mode === 'auto' && !json && stream.isTTY === true && (stream.columns ?? 0) > 0);
}

export class PlainSink implements ProgressSink {
  constructor(private readonly write: (line: string) => void) {}
  line(text: string, warn = false): void {
    this.write(warn ? `warning: ${text}` : text);
  }
  status(): void {
    // a log gets the lines only
  }
  stop(): void {}
}

export const NULL_SINK: ProgressSink = {line: () => {}, status: () => {}, stop: () => {}};

/** The sink for a mode: ink on a terminal, plain lines through `write` otherwise, nothing for "none". */
export async function progressSink(mode: ProgressMode, json: boolean, write: (line: string) => void, stream: NodeJS.WriteStream = process.stderr): Promise<ProgressSink> {
  if (mode === 'none') return NULL_SINK;
  if (useInk(mode, json, stream)) {
    const {InkSink} = await import('./progress-view.js');
    return new InkSink(stream);
  }
  return new PlainSink(write);
}

/** done/total with the unit: whole numbers as they are, fractions (MB) to one decimal. */
function count(e: ProgressEvent): string {
  const f = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
  return `${f(e.done)}/${f(e.total)}${e.unit ? ` ${e.unit}` : ''}`;
}

const bar = (fraction: number, width = 24): string => {
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
};

/** A plain line per this many ms at most (the end of a task always gets one). */
const PLAIN_EVERY_MS = 2000;
/** With --progress auto, commands quicker than this stay silent on a log. */
const PLAIN_QUIET_MS = 1000;

/**
 * Turns the ProgressEvents of a computation into a sink's status block (every event) or plain
 * lines (throttled, and only once the command has run `quietMs`).
 */
export class TaskProgress {
  private readonly startedMs: number;
  private taskStartedMs: number;
  private lastEventMs: number;
  private task = '';
  private lastLineMs = -Infinity;
  private lastDrawMs = -Infinity;
  private event: ProgressEvent | undefined;
  private stopped = false;

  constructor(
    private readonly sink: ProgressSink,
    private readonly plain: boolean,
    private readonly quietMs = 0,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedMs = now();
    this.taskStartedMs = this.startedMs;
    this.lastEventMs = this.startedMs;
  }

  readonly report: OnProgress = (e) => {
    if (this.stopped) return;
    const t = this.now();
    // A task starts when the one before it reported its last step (the first when the command started).
    if (e.task !== this.task) {
      this.task = e.task;
      this.taskStartedMs = this.lastEventMs;
    }
    this.lastEventMs = t;
    this.event = e;
    const finished = e.done >= e.total;
    if (this.plain) {
      if (t - this.startedMs < this.quietMs) return;
      if (!finished && t - this.lastLineMs < PLAIN_EVERY_MS) return;
      this.lastLineMs = t;
      this.sink.line(this.text(e, t));
      return;
    }
    // A synchronous computation leaves no time to the event loop: redraw from here, 10 times a second.
    if (finished || t - this.lastDrawMs >= 100) {
      this.lastDrawMs = t;
      this.sink.status(() => this.statusLines());
    }
  };

  private eta(e: ProgressEvent, t: number): string {
    if (e.done <= 0 || e.done >= e.total) return '';
    return `, ETA ${formatDuration(((t - this.taskStartedMs) / 1000 / e.done) * (e.total - e.done))}`;
  }

  private text(e: ProgressEvent, t: number): string {
    return `${e.task}: ${count(e)}${e.detail ? ` (${e.detail})` : ''}, ${formatDuration((t - this.startedMs) / 1000)} elapsed${this.eta(e, t)}`;
  }

  private statusLines(): StatusLine[] {
    const e = this.event;
    if (!e) return [];
    const t = this.now();
    return [
      {text: `${e.task} ${bar(e.total > 0 ? e.done / e.total : 0)} ${count(e)}`, bold: true},
      {text: `${e.detail ?? ''}${e.detail ? '  ' : ''}elapsed ${formatDuration((t - this.startedMs) / 1000)}${this.eta(e, t)}`},
    ];
  }

  /** Clears the status block; later calls do nothing. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.sink.stop();
  }
}

/** Progress for a long command: a TaskProgress on the sink its flags ask for. */
export async function taskProgress(mode: ProgressMode, json: boolean, write: (line: string) => void, stream: NodeJS.WriteStream = process.stderr): Promise<TaskProgress> {
  const sink = await progressSink(mode, json, write, stream);
  return new TaskProgress(sink, sink instanceof PlainSink, mode === 'auto' ? PLAIN_QUIET_MS : 0);
}
