/**
 * A trace's `hash_ids` name blocks of `traceBlockSize` tokens (512 in mooncake traces); the engine
 * caches blocks of `engineBlockSize` tokens (16). Engine block b of a prompt lies in trace block
 * floor(b / r), r = traceBlockSize / engineBlockSize; its hash chains the trace ids up to that trace
 * block (so equal hashes mean equal prefixes) and adds b's position inside it.
 */
import type {BlockHash} from '../engines/sim/kv-cache.js';
import {badInput} from '../errors.js';

/** Chain hash of (previous chain, id): 32-bit mixing of both halves, a number below 2^46. */
function chain(prev: number, id: number): number {
  let h = Math.imul((prev ^ id) >>> 0, 0x9e3779b1) ^ Math.floor(prev / 4294967296);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca77);
  h ^= h >>> 13;
  let l = Math.imul((id + 0x632be5ab) >>> 0, 0xc2b2ae3d) ^ (prev >>> 0);
  l = Math.imul(l ^ (l >>> 16), 0x27d4eb2f);
  return (h >>> 0) * 16384 + ((l >>> 0) & 16383);
}

/** The block sizes engineBlockHashes can translate between (checked once, before a replay starts). */
export function checkBlockSizes(traceBlockSize: number, engineBlockSize: number): void {
  if (traceBlockSize % engineBlockSize !== 0 || traceBlockSize / engineBlockSize > 128) {
    throw badInput(`the trace block size (${traceBlockSize} tokens per hash_ids entry) must be a multiple of the engine's KV block size (${engineBlockSize} tokens), at most 128 times it`, `mooncake traces use 512`);
  }
}

export function engineBlockHashes(hashIds: readonly number[], promptTokens: number, traceBlockSize: number, engineBlockSize: number): BlockHash[] {
  const perTraceBlock = traceBlockSize / engineBlockSize;
  const fullBlocks = Math.min(Math.floor(promptTokens / engineBlockSize), hashIds.length * perTraceBlock);
  const out: BlockHash[] = new Array<BlockHash>(fullBlocks);
  let c = 0;
  for (let b = 0; b < fullBlocks; b++) {
    const j = b % perTraceBlock;
    if (j === 0) c = chain(c, hashIds[b / perTraceBlock]!);
    out[b] = c * perTraceBlock + j;
  }
  return out;
}
