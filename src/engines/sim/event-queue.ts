/**
 * Min-heap of timed events for the discrete-event driver. Events fire in time order; at equal
 * times, lower `rank` first, then in insertion order (so simultaneous events are deterministic).
 */
import {MinHeap} from './min-heap.js';

export interface TimedEvent {
  readonly timeMs: number;
  readonly rank: number;
  readonly fire: () => void;
}

interface Entry extends TimedEvent {
  readonly seq: number;
}

function before(a: Entry, b: Entry): boolean {
  if (a.timeMs !== b.timeMs) return a.timeMs < b.timeMs;
  if (a.rank !== b.rank) return a.rank < b.rank;
  return a.seq < b.seq;
}

export class EventQueue {
  private readonly heap = new MinHeap<Entry>(before);
  private seq = 0;

  get size(): number {
    return this.heap.size;
  }

  /** Time of the next event, Infinity when empty. */
  get nextTimeMs(): number {
    return this.heap.peek()?.timeMs ?? Infinity;
  }

  push(timeMs: number, rank: number, fire: () => void): void {
    this.heap.push({timeMs, rank, fire, seq: this.seq++});
  }

  pop(): TimedEvent | undefined {
    return this.heap.pop();
  }
}
