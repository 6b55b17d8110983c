/**
 * The mock tokenizer of `serve-mock`: deterministic, so a client can build a prompt of an exact
 * length without the model's tokenizer.
 *
 * - Text: one token per whitespace-separated word ("a b  c" is 3 tokens; "" is 0).
 * - `/v1/completions` also accepts token ids (an array of integers): one token each.
 * - Chat: the sum over messages of the tokens of their text content (string, or the `text` of
 *   each `{"type": "text"}` part); no template tokens are added.
 * - Output: token i is the word `WORDS[i % WORDS.length]` with a leading space, so the
 *   returned text counts back to exactly `completion_tokens` tokens.
 */
import type {BlockHash} from './kv-cache.js';

export function countTextTokens(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x2028 || c === 0x2029 || c === 0x3000 || c === 0xfeff || (c >= 0x2000 && c <= 0x200a) || c === 0x1680 || c === 0x202f || c === 0x205f || c === 0x85;
    if (space) inWord = false;
    else if (!inWord) {
      inWord = true;
      n++;
    }
  }
  return n;
}

/** Split text into its tokens (words). */
export function textTokens(text: string): string[] {
  return text.split(/\s+/u).filter((w) => w.length > 0);
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa'];

/** Text of output tokens [from, to). */
export function outputText(from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += ` ${WORDS[i % WORDS.length]}`;
  return s;
}

/**
 * Chained hashes of each full block of `blockSize` tokens (running hashes over all tokens up to
 * the block's end, so a block's key depends on its whole prefix), the keys of the prefix cache for HTTP prompts.
 */
export function promptBlockHashes(tokens: readonly (string | number)[], blockSize: number): BlockHash[] {
  const hashes: BlockHash[] = [];
  // Two independent 32-bit hashes (FNV-1a and a multiplicative one) make a 64-bit key.
  let h = 0x811c9dc5;
  let g = 5381;
  const full = Math.floor(tokens.length / blockSize) * blockSize;
  for (let i = 0; i < full; i++) {
    const t = String(tokens[i]);
    for (let j = 0; j <= t.length; j++) {
      const c = j < t.length ? t.charCodeAt(j) : 0x1f; // 0x1f separates tokens
      h = Math.imul(h ^ c, 0x01000193) >>> 0;
      g = (Math.imul(g, 33) + c) >>> 0;
    }
    if ((i + 1) % blockSize === 0) hashes.push(`${h.toString(16)}.${g.toString(16)}`);
  }
  return hashes;
}
