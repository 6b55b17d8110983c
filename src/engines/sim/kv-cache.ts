/**
 * Paged KV cache of one simulated engine: a fixed pool of blocks of `blockSize` tokens.
 *
 * Without prefix caching a request only needs a block count, so the pool is a counter (cheap
 * enough for thousands of engines in one process). With prefix caching every full prompt block
 * that carries a hash is registered under that hash; when its last user frees it, it stays
 * cached in an LRU free list until the space is needed again, so a later request whose prompt
 * starts with the same hashes reuses it (vLLM's automatic prefix caching).
 */

export type BlockHash = string | number;

/** What the cache keeps per request. */
export interface KvHolder {
  /** Blocks held (prefix caching on: their ids; off: only `blockCount` is used). */
  blockIds: number[];
  blockCount: number;
  /** Hash of each full prompt block, chained (block i's hash identifies tokens 0..(i+1)*blockSize). */
  blockHashes?: readonly BlockHash[];
  /** Prompt blocks already registered in the cache. */
  registeredBlocks: number;
}

export class KvCache {
  readonly blockSize: number;
  readonly numBlocks: number;
  readonly prefixCaching: boolean;
  /** Blocks that are not free (held by at least one request). */
  private usedBlocks = 0;
  // Prefix-caching state.
  private readonly refCount: Int32Array;
  private readonly hashOfBlock: (BlockHash | undefined)[];
  private readonly blockOfHash = new Map<BlockHash, number>();
  /** Free blocks holding no cached prefix: reused first. */
  private readonly freeUncached: number[] = [];
  /** Free blocks still holding a cached prefix, in eviction order (least recently freed first). */
  private readonly freeCached = new Map<number, true>();

  constructor(numBlocks: number, blockSize: number, prefixCaching: boolean) {
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    this.prefixCaching = prefixCaching;
    this.refCount = new Int32Array(prefixCaching ? numBlocks : 0);
    this.hashOfBlock = prefixCaching ? new Array<BlockHash | undefined>(numBlocks) : [];
    if (prefixCaching) for (let i = numBlocks - 1; i >= 0; i--) this.freeUncached.push(i);
  }

  get freeBlocks(): number {
    return this.numBlocks - this.usedBlocks;
  }

  /** Fraction of blocks held by requests (cached-but-free blocks count as free). */
  get usage(): number {
    return this.usedBlocks / this.numBlocks;
  }

  blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.blockSize);
  }

  /**
   * Take the longest cached prefix of a new request's prompt (at most `maxTokens`, whole blocks)
   * and return how many tokens it covers. Must be called while the holder holds no blocks.
   */
  acquirePrefix(holder: KvHolder, maxTokens: number): number {
    if (!this.prefixCaching || !holder.blockHashes) return 0;
    const maxBlocks = Math.floor(maxTokens / this.blockSize);
    const hashes = holder.blockHashes;
    let hits = 0;
    while (hits < maxBlocks && hits < hashes.length && this.blockOfHash.has(hashes[hits]!)) hits++;
    for (let i = 0; i < hits; i++) {
      const id = this.blockOfHash.get(hashes[i]!)!;
      if (this.refCount[id] === 0) {
        this.freeCached.delete(id);
        this.usedBlocks++;
      }
      this.refCount[id]!++;
      holder.blockIds.push(id);
    }
    holder.blockCount = hits;
    holder.registeredBlocks = hits;
    return hits * this.blockSize;
  }

  /** How many leading blocks of a prompt (by hash) are cached now, in use or free (what a KV-aware router sees). */
  cachedPrefixBlocks(hashes: readonly BlockHash[]): number {
    if (!this.prefixCaching) return 0;
    let hits = 0;
    while (hits < hashes.length && this.blockOfHash.has(hashes[hits]!)) hits++;
    return hits;
  }

  /** Grow a holder to cover `tokens` tokens. All or nothing: false when not enough blocks are free. */
  allocate(holder: KvHolder, tokens: number): boolean {
    const need = this.blocksFor(tokens) - holder.blockCount;
    if (need <= 0) return true;
    if (need > this.freeBlocks) return false;
    if (this.prefixCaching) {
      for (let i = 0; i < need; i++) {
        let id = this.freeUncached.pop();
        if (id === undefined) {
          id = this.freeCached.keys().next().value as number;
          this.freeCached.delete(id);
        }
        const old = this.hashOfBlock[id];
        if (old !== undefined) {
          this.blockOfHash.delete(old);
          this.hashOfBlock[id] = undefined;
        }
        this.refCount[id] = 1;
        holder.blockIds.push(id);
      }
    }
    holder.blockCount += need;
    this.usedBlocks += need;
    return true;
  }

  /** Take `blocks` blocks for holders counted elsewhere (a decode group); counter mode only. */
  reserve(blocks: number): void {
    if (this.prefixCaching) throw new Error('reserve() needs the counter mode (no prefix caching)');
    if (blocks > this.freeBlocks) throw new Error(`reserve(${blocks}) with ${this.freeBlocks} free blocks`);
    this.usedBlocks += blocks;
  }

  /** Register the holder's prompt blocks that are now fully computed (`computedTokens`). */
  register(holder: KvHolder, computedTokens: number): void {
    if (!this.prefixCaching || !holder.blockHashes) return;
    const full = Math.min(Math.floor(computedTokens / this.blockSize), holder.blockHashes.length, holder.blockCount);
    for (let i = holder.registeredBlocks; i < full; i++) {
      const hash = holder.blockHashes[i]!;
      if (this.blockOfHash.has(hash)) continue; // another request computed the same block first
      const id = holder.blockIds[i]!;
      this.blockOfHash.set(hash, id);
      this.hashOfBlock[id] = hash;
    }
    if (full > holder.registeredBlocks) holder.registeredBlocks = full;
  }

  /** Give back all blocks of a holder (finished, aborted or preempted). */
  release(holder: KvHolder): void {
    if (this.prefixCaching) {
      // Free the tail first so that the prompt's first blocks are evicted last.
      for (let i = holder.blockIds.length - 1; i >= 0; i--) {
        const id = holder.blockIds[i]!;
        if (--this.refCount[id]! === 0) {
          this.usedBlocks--;
          if (this.hashOfBlock[id] === undefined) this.freeUncached.push(id);
          else this.freeCached.set(id, true);
        }
      }
      holder.blockIds.length = 0;
    } else {
      this.usedBlocks -= holder.blockCount;
    }
    holder.blockCount = 0;
    holder.registeredBlocks = 0;
  }
}
