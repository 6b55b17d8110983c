/**
 * Runs a SimEngine on the wall clock: the engine's timeline is anchored to `performance.now()`,
 * each iteration's tokens are delivered when its simulated end time comes. Iterations are
 * scheduled back to back on the simulated timeline (a late timer does not shift the next
 * iteration), so emitted times track the schedule; only when the process falls behind by more
 * than `resyncMs` does the timeline restart from now (counted in `resyncs`).
 */
import {performance} from 'node:perf_hooks';
import type {SimEngine, SimRequest, SimRequestInput, StepResult} from './engine.js';

/** Margin before an iteration's end at which the timer hands over to polling, ms. */
const SPIN_MS = 2;

export interface TokenListener {
  /** Token `index` (0-based) of the request was produced at simulated time `scheduledMs`. */
  onToken(req: SimRequest, index: number, scheduledMs: number): void;
}

export interface RealtimeStats {
  /** Actual minus scheduled delivery time of each iteration, ms (last `lagSamples` kept). */
  deliveryLagMs: number[];
  resyncs: number;
}

export class RealtimeEngine {
  readonly engine: SimEngine;
  readonly stats: RealtimeStats = {deliveryLagMs: [], resyncs: 0};
  private readonly listeners = new Map<SimRequest, TokenListener>();
  private pending: StepResult | null = null;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private kickScheduled = false;
  private closed = false;
  private readonly resyncMs: number;
  private readonly lagSamples: number;
  /** Called after each iteration with its metrics (for /metrics). */
  onStep?: (res: StepResult) => void;

  constructor(engine: SimEngine, options: {resyncMs?: number; lagSamples?: number} = {}) {
    this.engine = engine;
    this.resyncMs = options.resyncMs ?? 50;
    this.lagSamples = options.lagSamples ?? 100_000;
  }

  now(): number {
    return performance.now();
  }

  /** Queue a request arriving now. Throws a bad-input PlannerError when it can never fit. */
  submit(input: Omit<SimRequestInput, 'arrivalMs'>, listener: TokenListener): SimRequest {
    const req = this.engine.add({...input, arrivalMs: this.now()});
    this.listeners.set(req, listener);
    if (!this.pending && !this.kickScheduled) {
      // Start on the next turn so requests that arrive together are scheduled together.
      this.kickScheduled = true;
      setImmediate(() => {
        this.kickScheduled = false;
        if (!this.pending && !this.closed) this.runStep(this.now());
      });
    }
    return req;
  }

  abort(req: SimRequest): void {
    this.listeners.delete(req);
    this.engine.abort(req);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    this.pending = null;
  }

  private runStep(startMs: number): void {
    const res = this.engine.step(startMs);
    this.pending = res;
    if (res) this.arm();
  }

  private arm(): void {
    // libuv timers have 1 ms granularity and may wake up to ~1 ms late: sleep until SPIN_MS before
    // the end, then poll with setImmediate (which still lets I/O through) until the time comes.
    const wait = this.pending!.metrics.endMs - this.now();
    if (wait > SPIN_MS + 1) this.timer = setTimeout(() => this.fire(), Math.floor(wait - SPIN_MS));
    else this.immediate = setImmediate(() => this.fire());
  }

  private fire(): void {
    this.timer = null;
    this.immediate = null;
    if (this.closed || !this.pending) return;
    const res = this.pending;
    const now = this.now();
    const endMs = res.metrics.endMs;
    if (now < endMs - 0.01) {
      this.arm();
      return;
    }
    const lag = now - endMs;
    if (this.stats.deliveryLagMs.length < this.lagSamples) this.stats.deliveryLagMs.push(lag);
    for (const req of res.emitted) {
      const listener = this.listeners.get(req);
      if (!listener) continue;
      if (req.state === 'finished') this.listeners.delete(req);
      listener.onToken(req, req.generatedTokens - 1, endMs);
    }
    this.onStep?.(res);
    if (this.closed) return;
    let next = endMs;
    if (lag > this.resyncMs) {
      next = this.now();
      this.stats.resyncs++;
    }
    this.runStep(next);
    if (!this.pending && this.engine.idle === false) {
      // Nothing schedulable now (cannot happen with valid requests); retry on the next turn.
      this.immediate = setImmediate(() => this.runStep(this.now()));
    }
  }
}
