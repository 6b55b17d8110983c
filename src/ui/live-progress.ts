/**
 * Progress of a live sweep. `PlainProgress` writes one line per event (for logs, CI and --json
 * runs); `live-progress-view.ts` is the ink twin for a terminal. Both take the same events.
 */
import type {LivePoint, LiveProgress, PointSummary} from '../sweep/live.js';
import type {SampleRecord} from '../profile/samples.js';

export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function describePoint(p: LivePoint): string {
  return p.phase === 'prefill' ? `prefill isl=${p.isl} (${p.expected}x)` : `decode isl=${p.isl} osl=${p.osl} n=${p.concurrency}`;
}

const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(v < 10 ? 2 : 1)} ms`);

/** The line printed when a point finishes. */
export function pointLine(p: LivePoint, s: PointSummary, index: number, total: number, etaS: number | null, prefix = ''): string {
  const what = p.phase === 'prefill' ? `median TTFT ${ms(s.ttftMs)}` : `median steady-state ITL ${ms(s.itlMs)}, median TTFT ${ms(s.ttftMs)}`;
  const errs = s.errors > 0 ? `, ${s.errors} errors` : '';
  const eta = etaS === null ? '' : `, ETA ${formatDuration(etaS)}`;
  return `${prefix}[${index}/${total}] ${describePoint(p)}: ${what}; ${s.ok} ok${errs} in ${s.elapsedS.toFixed(1)}s${eta}`;
}

export class PlainProgress implements LiveProgress {
  constructor(private readonly write: (line: string) => void, private readonly prefix = '') {}

  start(total: number, done: number): void {
    this.write(`${this.prefix}${total} points${done > 0 ? `, ${done} already measured (resumed)` : ''}`);
  }

  phase(text: string): void {
    this.write(`${this.prefix}${text}`);
  }

  pointStart(): void {
    // one line per finished point is enough for logs
  }

  request(_p: LivePoint, _s: SampleRecord): void {
    // per-request lines would flood a log
  }

  pointDone(p: LivePoint, s: PointSummary, index: number, total: number, etaS: number | null): void {
    this.write(pointLine(p, s, index, total, etaS, this.prefix));
  }

  warn(text: string): void {
    this.write(`${this.prefix}warning: ${text}`);
  }

  stop(): void {}
}

/** Shell-quote one word for display. */
function shellWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** The command that resumes this sweep: the same arguments plus --resume, without the API key. */
export function resumeCommand(bin: string, args: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--api-key') {
      i++;
      continue;
    }
    if (a.startsWith('--api-key=')) continue;
    out.push(a);
  }
  if (!out.includes('--resume')) out.push('--resume');
  return [bin, ...out].map(shellWord).join(' ');
}
