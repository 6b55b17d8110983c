/**
 * The running requests that only decode, kept in aggregate so that an iteration costs O(1) for
 * them instead of O(batch): every member computes one token per iteration, so its token counts
 * follow from the iteration counter; the KV blocks the group needs in an iteration are the members
 * whose context crosses a block boundary (counted by context mod block size); finishes come from
 * a heap of finish iterations. Exact: the engine falls back to per-request scheduling (after
 * `takeAll`) whenever budget or KV would not cover everyone, i.e. before any preemption.
 */
import type {SimRequest} from './engine.js';
import {MinHeap} from './min-heap.js';

interface Member {
  req: SimRequest;
  /** Group iteration at which it joined, and its counts then. */
  base: number;
  computed0: number;
  generated0: number;
  /** Group iteration in which it produces its last token. */
  finishAt: number;
  /** (computed0 - base) mod blockSize: it needs a new block in iteration i when (key + i) mod blockSize = 0. */
  key: number;
  seq: number;
}

function before(a: Member, b: Member): boolean {
  return a.finishAt !== b.finishAt ? a.finishAt < b.finishAt : a.seq < b.seq;
}

export class DecodeGroup {
  /** Group iterations completed. */
  private iteration = 0;
  private readonly blockSize: number;
  private readonly byPhase: Int32Array;
  private readonly heap = new MinHeap<Member>(before);
  private readonly members = new Map<SimRequest, Member>();
  /** Sum and sum of squares of the members' KV lengths in the next iteration (context + 1). */
  kvSum = 0;
  kvSumSq = 0;

  constructor(blockSize: number) {
    this.blockSize = blockSize;
    this.byPhase = new Int32Array(blockSize);
  }

  get count(): number {
    return this.members.size;
  }

  has(req: SimRequest): boolean {
    return this.members.has(req);
  }

  /** Blocks the members need in the next iteration. */
  get blocksNeeded(): number {
    const bs = this.blockSize;
    return this.byPhase[(bs - (this.iteration % bs)) % bs]!;
  }

  /** A running request whose next step is a decode (computed = prompt + generated - 1). */
  add(req: SimRequest, seq: number): void {
    const bs = this.blockSize;
    const m: Member = {
      req, seq, base: this.iteration, computed0: req.computedTokens, generated0: req.generatedTokens,
      finishAt: this.iteration + req.outputTokens - req.generatedTokens - 1,
      key: (((req.computedTokens - this.iteration) % bs) + bs) % bs,
    };
    this.members.set(req, m);
    this.byPhase[m.key]!++;
    const kv = req.computedTokens + 1;
    this.kvSum += kv;
    this.kvSumSq += kv * kv;
    this.heap.push(m);
  }

  /** One iteration ended: every member computed a token. Returns the members that finished (their counts written back). */
  advance(): SimRequest[] {
    const n = this.members.size;
    this.kvSumSq += 2 * this.kvSum + n;
    this.kvSum += n;
    const done = this.iteration++;
    const out: SimRequest[] = [];
    while (this.heap.peek()?.finishAt === done) {
      const m = this.heap.pop()!;
      this.remove(m);
      out.push(m.req);
    }
    return out;
  }

  /** Write every member's counts back and empty the group (before per-request scheduling). */
  takeAll(): SimRequest[] {
    const out = [...this.members.values()].sort((a, b) => a.seq - b.seq);
    for (const m of out) this.writeBack(m);
    this.members.clear();
    this.heap.clear();
    this.byPhase.fill(0);
    this.kvSum = 0;
    this.kvSumSq = 0;
    return out.map((m) => m.req);
  }

  private remove(m: Member): void {
    this.writeBack(m);
    this.members.delete(m.req);
    this.byPhase[m.key]!--;
    const kv = m.req.computedTokens + 1;
    this.kvSum -= kv;
    this.kvSumSq -= kv * kv;
  }

  private writeBack(m: Member): void {
    const steps = this.iteration - m.base;
    m.req.computedTokens = m.computed0 + steps;
    m.req.generatedTokens = m.generated0 + steps;
    m.req.blockCount = Math.ceil(m.req.computedTokens / this.blockSize);
  }
}
