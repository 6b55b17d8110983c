/**
 * Min-heap of timed events for the discrete-event driver. Events fire in time order; at equal
 * times, lower `rank` first, then in insertion order (so simultaneous events are deterministic).
 */

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
  private readonly heap: Entry[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Time of the next event, Infinity when empty. */
  get nextTimeMs(): number {
    return this.heap.length > 0 ? this.heap[0]!.timeMs : Infinity;
  }

  push(timeMs: number, rank: number, fire: () => void): void {
    const heap = this.heap;
    const entry: Entry = {timeMs, rank, fire, seq: this.seq++};
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  pop(): TimedEvent | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const child = r < n && before(heap[r]!, heap[l]!) ? r : l;
        if (!before(heap[child]!, last)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}
