import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {calibrate, idPrompt, loadTokenizerVocabulary, PREFIX_WORDS, PromptSource, unitsFor, wordPrompt} from '../../../src/engines/http/prompt.js';
import {countTextTokens} from '../../../src/engines/sim/tokenizer.js';

describe('prompt calibration', () => {
  it('fits tokens = overhead + perUnit * units through the probes', () => {
    // 1.3 tokens per word plus a 12-token chat template
    const c = calibrate([{units: 64, promptTokens: 12 + 1.3 * 64}, {units: 512, promptTokens: 12 + 1.3 * 512}]);
    expect(c.tokensPerUnit).toBeCloseTo(1.3, 10);
    expect(c.overheadTokens).toBeCloseTo(12, 8);
    // 3000 tokens -> (3000 - 12) / 1.3 = 2298.46 -> 2298 words
    expect(unitsFor(3000, c)).toBe(2298);
  });

  it('one probe gives a pure ratio; a flat count is an error', () => {
    expect(calibrate([{units: 100, promptTokens: 150}])).toEqual({overheadTokens: 0, tokensPerUnit: 1.5});
    expect(() => calibrate([{units: 64, promptTokens: 10}, {units: 512, promptTokens: 10}])).toThrow(/did not grow/);
  });

  it('word prompts have the asked number of words and a random prefix', () => {
    let k = 0;
    const rnd = () => k++ % 64;
    const a = wordPrompt(300, rnd);
    expect(countTextTokens(a)).toBe(300);
    const src = new PromptSource();
    const prompts = new Set(Array.from({length: 50}, () => src.forIsl(200) as string));
    expect(prompts.size).toBe(50);
    for (const p of prompts) expect(countTextTokens(p)).toBe(200);
    // the prefix is what differs; the rest is shared filler
    const [x, y] = [...prompts];
    expect(x!.split(' ').slice(PREFIX_WORDS).join(' ')).toBe(y!.split(' ').slice(PREFIX_WORDS).join(' '));
  });

  it('reads token ids from a tokenizer.json, leaving special tokens out', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tok-'));
    const vocab: Record<string, number> = {'<s>': 0, '</s>': 1};
    for (let i = 2; i < 300; i++) vocab[`w${i}`] = i;
    const file = path.join(dir, 'tokenizer.json');
    writeFileSync(file, JSON.stringify({model: {vocab}, added_tokens: [{id: 0}, {id: 1}, {id: 299}]}));
    const v = await loadTokenizerVocabulary(file);
    expect(v.ids).toHaveLength(297);
    expect(v.ids).not.toContain(0);
    expect(v.ids).not.toContain(299);
    const ids = idPrompt(1000, v);
    expect(ids).toHaveLength(1000);
    expect(ids.every((id) => id >= 2 && id < 299)).toBe(true);
    await expect(loadTokenizerVocabulary(path.join(dir, 'nope.json'))).rejects.toThrow(/the file does not exist/);
  });
});
