/**
 * The one discrete-event driver of simulated engines in virtual time (`simulate`, `recommend`'s
 * aggregated search, the replay fleet). An event heap holds arrivals, iteration ends, KV
 * transfers and engine starts and stops; time jumps from one event to the next.
 *
 * Order at equal times: every rank-0 event (arrivals, iteration ends, transfers, lifecycle) in
 * the order they were scheduled, then observers (a planner tick, rank 0.5), then the engines that
 * have work begin their next iteration (rank 1), so requests arriving at an iteration's end join the next iteration. An iteration's
 * effects (tokens, finished requests, metrics) are delivered at its end, never earlier.
 */
import {EventQueue} from './event-queue.js';
import type {Iteration, SimEngine, SimRequest, SimRequestInput, StepResult} from './engine.js';

const EVENT_RANK = 0;
/** Observers (a planner tick) see every other event at their time. */
export const OBSERVER_RANK = 0.5;
const ITERATION_START_RANK = 1;

/**
 * Decode iterations one fast-forward may cover. It also stops before the next queued event, so
 * only an event scheduled later for an earlier time (in a fleet) cuts it and wastes perf-model calls.
 */
export const DEFAULT_FAST_FORWARD_ITERATIONS = 256;

export class SimDriver {
  private readonly queue = new EventQueue();
  private stopped = false;
  /** Current simulated time, ms. */
  nowMs = 0;
  /** Events fired so far. */
  events = 0;

  /** Run `fire` at `timeMs` (not before now); `rank` orders events at equal times (lower first). */
  at(timeMs: number, fire: () => void, rank = EVENT_RANK): void {
    if (!(timeMs >= this.nowMs)) throw new RangeError(`event at ${timeMs} ms is before now (${this.nowMs} ms)`);
    this.queue.push(timeMs, rank, fire);
  }

  /** Time of the next event, Infinity when none is due. */
  get nextEventMs(): number {
    return this.queue.nextTimeMs;
  }

  /** Process events until none are left, `stop()` is called, or the next one is after `untilMs`. */
  run(untilMs = Infinity): void {
    this.stopped = false;
    while (!this.stopped && this.queue.size > 0 && this.queue.nextTimeMs <= untilMs) {
      const ev = this.queue.pop()!;
      this.nowMs = ev.timeMs;
      this.events++;
      ev.fire();
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** Internal: an engine's iteration start, after the events at the same time. */
  atIterationStart(timeMs: number, fire: () => void): void {
    this.queue.push(timeMs, ITERATION_START_RANK, fire);
  }
}

export interface DrivenEngineOptions {
  /** Most decode iterations one fast-forward covers (1 = off). */
  fastForwardIterations?: number;
}

/** A SimEngine stepped by a SimDriver: iterations back to back while it has work. */
export class DrivenEngine {
  readonly engine: SimEngine;
  private readonly driver: SimDriver;
  private readonly onIteration: (res: StepResult) => void;
  private readonly fastForward: number;
  private current: Iteration | null = null;
  private startPending = false;
  /** Bumped when the scheduled end event of `current` is replaced (a truncated fast-forward). */
  private endVersion = 0;

  constructor(driver: SimDriver, engine: SimEngine, onIteration: (res: StepResult) => void, options: DrivenEngineOptions = {}) {
    this.driver = driver;
    this.engine = engine;
    this.onIteration = onIteration;
    this.fastForward = options.fastForwardIterations ?? DEFAULT_FAST_FORWARD_ITERATIONS;
  }

  /** True while an iteration is in progress. */
  get busy(): boolean {
    return this.current !== null;
  }

  /** Queue a request arriving now (see SimEngine.add); `input.arrivalMs` is set to now. */
  submit(input: Omit<SimRequestInput, 'arrivalMs'> & {arrivalMs?: number}): SimRequest {
    input.arrivalMs = this.driver.nowMs;
    const req = this.engine.add(input as SimRequestInput);
    this.admitNow();
    return req;
  }

  /** Something was queued on the engine now: a fast-forward in progress stops at the next iteration boundary. */
  admitNow(): void {
    const it = this.current;
    if (it && it.iterations > 1) {
      const before = it.iterations;
      this.engine.truncate(it, this.driver.nowMs);
      if (it.iterations !== before) this.scheduleEnd(it);
    }
    this.wake();
  }

  private wake(): void {
    if (this.current || this.startPending || this.engine.idle) return;
    this.startPending = true;
    this.driver.atIterationStart(this.driver.nowMs, () => this.start());
  }

  private start(): void {
    this.startPending = false;
    if (this.current) return;
    const it = this.engine.begin(this.driver.nowMs, this.fastForward, this.driver.nextEventMs);
    if (!it) return;
    this.current = it;
    this.scheduleEnd(it);
  }

  private scheduleEnd(it: Iteration): void {
    const version = ++this.endVersion;
    this.driver.at(it.endsMs[it.iterations - 1]!, () => {
      if (version !== this.endVersion) return;
      this.current = null;
      this.onIteration(this.engine.complete(it));
      this.wake();
    });
  }
}
