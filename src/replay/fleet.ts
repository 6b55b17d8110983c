/**
 * A simulated serving fleet (DESIGN 6.2, notes M) on the one event driver: a disaggregated fleet
 * (a prefill pool whose engines run each prompt and emit its first token, then the KV moves to a
 * decode engine after `tokens x KV bytes per token / bandwidth`) or an aggregated pool.
 *
 * A router places each request on a ready, non-draining engine of a pool (round-robin, least
 * loaded by its own count of routed tokens, or KV-aware: the longest cached prefix, ties to the
 * least loaded). Engines start (ready after the start-up time, GPU time counted from the start),
 * drain (no new requests; stop when their work is done) and publish their last iteration's
 * forward-pass metrics. Requests that find no ready engine wait at the router.
 *
 * Cost: every event is O(log events) in the heap; routing is O(engines in the pool) per request
 * (plus the cached prefix walk for KV-aware); an iteration costs O(its batch); decode
 * fast-forwards skip the per-request work between events. So a replay grows as
 * requests x (engines per pool + tokens / (batch x fast-forward length)).
 */
import type {PerfModel} from '../engines/perf-model.js';
import {DrivenEngine, type SimDriver} from '../engines/sim/driver.js';
import {SimEngine, type IterationMetrics, type SimEngineConfig, type SimRequest, type StepResult} from '../engines/sim/engine.js';
import type {BlockHash} from '../engines/sim/kv-cache.js';
import type {TraceRecord} from '../trace/mooncake.js';
import {checkBlockSizes, engineBlockHashes} from './blocks.js';

export type Pool = 'prefill' | 'decode';
export type RouterPolicy = 'round-robin' | 'least-loaded' | 'kv-aware';
export const ROUTER_POLICIES: readonly RouterPolicy[] = ['round-robin', 'least-loaded', 'kv-aware'];

export interface PoolSpec {
  perfModel: PerfModel;
  engine: Omit<SimEngineConfig, 'perfModel'>;
}

export interface FleetOptions {
  /** Agg: one pool (`decode`) runs prefill and decode. */
  mode: 'disagg' | 'agg';
  prefill?: PoolSpec;
  decode: PoolSpec;
  startPrefill: number;
  startDecode: number;
  /** A started engine takes requests this long after its start. */
  startupS: number;
  /** KV bytes per prompt token moved from prefill to decode. */
  kvBytesPerToken: number;
  /** GB/s (1e9 bytes); 0 = instant. */
  kvTransferGBps: number;
  router: RouterPolicy;
  /** Tokens per trace `hash_ids` entry. */
  traceBlockSize: number;
}

export type WorkerState = 'starting' | 'ready' | 'draining' | 'stopped';

export interface Worker {
  readonly id: string;
  readonly pool: Pool;
  readonly driven: DrivenEngine;
  readonly gpus: number;
  state: WorkerState;
  readonly startedMs: number;
  stoppedMs?: number;
  /** Router's own load count: tokens of the requests it routed here that are not done. */
  activeTokens: number;
  activeRequests: number;
  /** Metrics of the last iteration that ended (null before the first). */
  lastMetrics: IterationMetrics | null;
}

/** One request's path through the fleet. */
export interface Journey {
  readonly index: number;
  /** When the client sent it (trace timestamp), ms. */
  readonly sentMs: number;
  /** When the request reached the router (after the per-request overhead), ms. */
  readonly arrivalMs: number;
  readonly isl: number;
  readonly osl: number;
  readonly blockHashes?: BlockHash[];
  prefillWorker?: string;
  decodeWorker?: string;
  /** Time waiting for a first scheduling, ms (prefill engine, or the agg engine). */
  queueWaitMs?: number;
  /** Tokens the router expected from cache (KV-aware only). */
  routerHitTokens?: number;
  prefixHitTokens: number;
  firstTokenMs?: number;
  finishMs?: number;
  /** Output tokens after the first and the time they took (ITL = span / gaps). */
  decodeSpanMs?: number;
}

export interface FleetEvents {
  /** A request arrived at the router. */
  onArrival?(j: Journey): void;
  /** A request was placed on its first engine (the router's prefix estimate is set). */
  onRouted?(j: Journey): void;
  /** A request's last token. */
  onFinish?(j: Journey): void;
}

export class Fleet {
  readonly workers: Worker[] = [];
  readonly journeys: Journey[] = [];
  /** Most engines starting or ready at once, per pool. */
  peak: Record<Pool, number> = {prefill: 0, decode: 0};
  /** Scaling actions: engines started and drained, at simulated times. */
  readonly scalingEvents: Array<{atS: number; pool: Pool; from: number; to: number}> = [];
  private readonly driver: SimDriver;
  private readonly options: FleetOptions;
  private readonly byReq = new Map<SimRequest, Journey>();
  private readonly waitingAtRouter: Record<Pool, Array<() => void>> = {prefill: [], decode: []};
  private readonly rr: Record<Pool, number> = {prefill: 0, decode: 0};
  private readonly nextId: Record<Pool, number> = {prefill: 0, decode: 0};
  private readonly events: FleetEvents;
  private readonly transferMsPerToken: number;

  constructor(driver: SimDriver, options: FleetOptions, events: FleetEvents = {}) {
    this.driver = driver;
    this.options = options;
    this.events = events;
    if (options.mode === 'disagg' && !options.prefill) throw new RangeError('a disaggregated fleet needs a prefill pool');
    checkBlockSizes(options.traceBlockSize, this.entrySpec().engine.blockSize ?? 16);
    this.transferMsPerToken = options.kvTransferGBps > 0 ? (options.kvBytesPerToken / (options.kvTransferGBps * 1e9)) * 1000 : 0;
    if (options.mode === 'disagg') for (let i = 0; i < options.startPrefill; i++) this.startWorker('prefill', true);
    for (let i = 0; i < options.startDecode; i++) this.startWorker('decode', true);
    this.peak = {prefill: this.active('prefill'), decode: this.active('decode')};
  }

  private spec(pool: Pool): PoolSpec {
    return pool === 'prefill' ? this.options.prefill! : this.options.decode;
  }

  /** Workers of a pool in a state. */
  count(pool: Pool, ...states: WorkerState[]): number {
    let n = 0;
    for (const w of this.workers) if (w.pool === pool && states.includes(w.state)) n++;
    return n;
  }

  /** Ready, non-draining workers of a pool (those the router and the planner see). */
  ready(pool: Pool): Worker[] {
    return this.workers.filter((w) => w.pool === pool && w.state === 'ready');
  }

  /** Schedule the trace's requests (timestamps in ms from the start, in order): one pending arrival at a time keeps the event heap small. */
  load(records: readonly TraceRecord[], overheadMs = 0): void {
    let i = 0;
    const next = (): void => {
      const r = records[i++]!;
      this.arrive(r, this.driver.nowMs);
      if (i < records.length) this.driver.at(Math.max(this.driver.nowMs, records[i]!.timestamp + overheadMs), next);
    };
    if (records.length > 0) this.driver.at(records[0]!.timestamp + overheadMs, next);
  }

  private arrive(r: TraceRecord, atMs: number): void {
    const usesPrefix = this.options.router === 'kv-aware' || (this.entrySpec().engine.prefixCaching ?? false);
    const j: Journey = {
      index: this.journeys.length, sentMs: r.timestamp, arrivalMs: atMs, isl: r.input_length, osl: r.output_length, prefixHitTokens: 0,
      blockHashes: usesPrefix && r.hash_ids && r.hash_ids.length > 0
        ? engineBlockHashes(r.hash_ids, r.input_length, this.options.traceBlockSize, this.entrySpec().engine.blockSize ?? 16)
        : undefined,
    };
    this.journeys.push(j);
    this.events.onArrival?.(j);
    this.route(this.options.mode === 'disagg' ? 'prefill' : 'decode', () => this.placeFirst(j));
  }

  private entrySpec(): PoolSpec {
    return this.options.mode === 'disagg' ? this.options.prefill! : this.options.decode;
  }

  /** Run `place` now when the pool has a ready engine, else when one becomes ready. */
  private route(pool: Pool, place: () => void): void {
    if (this.waitingAtRouter[pool].length === 0 && this.hasReady(pool)) place();
    else this.waitingAtRouter[pool].push(place);
  }

  private hasReady(pool: Pool): boolean {
    for (const w of this.workers) if (w.pool === pool && w.state === 'ready') return true;
    return false;
  }

  private pick(pool: Pool, j: Journey): Worker {
    const ready = this.ready(pool);
    const policy = this.options.router;
    if (policy === 'round-robin') return ready[this.rr[pool]++ % ready.length]!;
    const entryPool: Pool = this.options.mode === 'disagg' ? 'prefill' : 'decode';
    const hashes = policy === 'kv-aware' && pool === entryPool ? j.blockHashes : undefined;
    let best = ready[0]!;
    let bestHits = -1;
    for (const w of ready) {
      const hits = hashes ? w.driven.engine.kv.cachedPrefixBlocks(hashes) : 0;
      if (hits > bestHits || (hits === bestHits && w.activeTokens < best.activeTokens)) {
        best = w;
        bestHits = hits;
      }
    }
    if (policy === 'kv-aware' && pool === entryPool) j.routerHitTokens = Math.min(bestHits * best.driven.engine.blockSize, j.isl - 1);
    return best;
  }

  /** The first engine of a request: prefill (disagg) or the whole request (agg). */
  private placeFirst(j: Journey): void {
    const disagg = this.options.mode === 'disagg';
    const w = this.pick(disagg ? 'prefill' : 'decode', j);
    const tokens = disagg ? j.isl : j.isl + j.osl;
    if (disagg) j.prefillWorker = w.id;
    else j.decodeWorker = w.id;
    this.events.onRouted?.(j);
    this.assign(w, j, tokens, {id: String(j.index), promptTokens: j.isl, outputTokens: disagg ? 1 : j.osl, blockHashes: j.blockHashes});
  }

  private assign(w: Worker, j: Journey, tokens: number, input: Parameters<DrivenEngine['submit']>[0]): void {
    w.activeTokens += tokens;
    w.activeRequests++;
    const req = w.driven.submit(input);
    this.byReq.set(req, j);
  }

  private onIteration(w: Worker, res: StepResult): void {
    w.lastMetrics = res.metrics;
    for (const req of res.finished) {
      const j = this.byReq.get(req)!;
      this.byReq.delete(req);
      const isPrefillStage = w.pool === 'prefill';
      w.activeTokens -= isPrefillStage ? j.isl : j.isl + j.osl;
      w.activeRequests--;
      if (isPrefillStage || j.queueWaitMs === undefined) {
        j.queueWaitMs ??= req.admittedMs! - req.arrivalMs;
        j.prefixHitTokens = req.cachedTokens;
      }
      if (isPrefillStage) {
        this.afterPrefill(j, req.finishMs!);
        continue;
      }
      // Agg engine, or decode engine after a transfer (its first token was the prefill's).
      if (this.options.mode === 'agg') j.firstTokenMs = req.firstTokenMs;
      j.finishMs = req.finishMs;
      j.decodeSpanMs = req.lastTokenMs! - req.firstTokenMs!;
      this.events.onFinish?.(j);
    }
    if (w.state === 'draining' && w.driven.engine.idle && !w.driven.busy) this.stopWorker(w);
  }

  private afterPrefill(j: Journey, doneMs: number): void {
    const arriveMs = doneMs + j.isl * this.transferMsPerToken;
    const toDecode = () => {
      // The client sees the first token once the KV (and the token) reached the decode side.
      j.firstTokenMs = arriveMs;
      if (j.osl <= 1) {
        j.finishMs = arriveMs;
        j.decodeSpanMs = 0;
        this.events.onFinish?.(j);
        return;
      }
      this.route('decode', () => {
        const w = this.pick('decode', j);
        j.decodeWorker = w.id;
        this.assign(w, j, j.isl + j.osl, {id: String(j.index), promptTokens: j.isl, outputTokens: j.osl, prefilled: true});
      });
    };
    if (arriveMs > this.driver.nowMs) this.driver.at(arriveMs, toDecode);
    else toDecode();
  }

  private startWorker(pool: Pool, readyNow: boolean): Worker {
    const spec = this.spec(pool);
    const id = `${pool === 'prefill' ? 'p' : this.options.mode === 'agg' ? 'a' : 'd'}${this.nextId[pool]++}`;
    const engine = new SimEngine({aggregateDecodes: true, ...spec.engine, perfModel: spec.perfModel});
    const w: Worker = {
      id, pool, gpus: spec.perfModel.gpusPerEngine, state: readyNow ? 'ready' : 'starting', startedMs: this.driver.nowMs,
      activeTokens: 0, activeRequests: 0, lastMetrics: null,
      driven: undefined as unknown as DrivenEngine,
    };
    (w as {driven: DrivenEngine}).driven = new DrivenEngine(this.driver, engine, (res) => this.onIteration(w, res));
    this.workers.push(w);
    if (!readyNow) {
      this.driver.at(this.driver.nowMs + this.options.startupS * 1000, () => {
        if (w.state !== 'starting') return;
        w.state = 'ready';
        this.flushRouter(pool);
      });
    }
    return w;
  }

  private flushRouter(pool: Pool): void {
    const queue = this.waitingAtRouter[pool];
    this.waitingAtRouter[pool] = [];
    for (const place of queue) place();
  }

  private stopWorker(w: Worker): void {
    w.state = 'stopped';
    w.stoppedMs = this.driver.nowMs;
  }

  /** Starting + ready workers of a pool: what a scale target is compared with. */
  active(pool: Pool): number {
    return this.count(pool, 'starting', 'ready');
  }

  /** Start or drain engines so that `target` are starting or ready. */
  scaleTo(pool: Pool, target: number): void {
    const from = this.active(pool);
    if (target === from) return;
    this.scalingEvents.push({atS: this.driver.nowMs / 1000, pool, from, to: target});
    for (let n = from; n < target; n++) this.startWorker(pool, this.options.startupS <= 0);
    this.peak[pool] = Math.max(this.peak[pool], target);
    if (target > from && this.options.startupS <= 0) this.flushRouter(pool);
    if (target >= from) return;
    // Drain: engines still starting first (newest first), then the least loaded ready ones.
    const candidates = this.workers
      .filter((w) => w.pool === pool && (w.state === 'starting' || w.state === 'ready'))
      .sort((a, b) => (a.state === b.state ? a.activeTokens - b.activeTokens || b.startedMs - a.startedMs : a.state === 'starting' ? -1 : 1));
    for (const w of candidates.slice(0, from - target)) {
      if (w.state === 'starting' || (w.driven.engine.idle && !w.driven.busy)) this.stopWorker(w);
      else w.state = 'draining';
    }
  }

  /** GPU-hours of every engine from its start to its stop (or `endMs`). */
  gpuHours(endMs: number): number {
    let ms = 0;
    for (const w of this.workers) ms += ((w.stoppedMs ?? endMs) - w.startedMs) * w.gpus;
    return ms / 3_600_000;
  }

  /** GPUs of the workers not stopped. */
  gpusInUse(): number {
    let n = 0;
    for (const w of this.workers) if (w.state !== 'stopped') n += w.gpus;
    return n;
  }
}
