import {describe, expect, it} from 'vitest';
import {scanRecord} from '../../src/trace/record-scanner.js';
import {validateRecord} from '../../src/trace/mooncake.js';
import {Rng} from '../../src/random.js';

const scan = (line: string) => {
  const bytes = Buffer.from(line);
  return scanRecord(bytes, 0, bytes.length);
};

/** What the general path makes of a line: the record, or undefined when it is bad. */
function general(line: string): unknown {
  try {
    const v = validateRecord(JSON.parse(line));
    return typeof v === 'string' ? undefined : v;
  } catch {
    return undefined;
  }
}

describe('record scanner (fast path of the trace reader)', () => {
  it('reads the mooncake shapes: compact, Python spacing, any key order, no hash_ids, empty hash_ids', () => {
    expect(scan('{"timestamp":0,"input_length":3000,"output_length":150,"hash_ids":[1812,4886]}')).toEqual({timestamp: 0, input_length: 3000, output_length: 150, hash_ids: [1812, 4886]});
    expect(scan('{"timestamp": 10, "input_length": 6955, "output_length": 52, "hash_ids": [46, 47]}')).toEqual({timestamp: 10, input_length: 6955, output_length: 52, hash_ids: [46, 47]});
    expect(scan('{"output_length":2,"hash_ids":[],"timestamp":7,"input_length":1}')).toEqual({timestamp: 7, input_length: 1, output_length: 2, hash_ids: []});
    const noIds = scan(' {"timestamp":5,"input_length":1,"output_length":2}\t');
    expect(noIds).toEqual({timestamp: 5, input_length: 1, output_length: 2});
    expect(noIds).not.toHaveProperty('hash_ids');
  });
  it('leaves to the general path what it cannot read exactly, valid or not', () => {
    for (const line of [
      '{"timestamp":1.5,"input_length":1,"output_length":2}', // fraction
      '{"timestamp":1e3,"input_length":1,"output_length":2}', // exponent
      '{"timestamp":01,"input_length":1,"output_length":2}', // leading zero (invalid JSON)
      '{"timestamp":-1,"input_length":1,"output_length":2}', // sign
      '{"timestamp":1,"input_length":1,"output_length":2,"session":"a"}', // another key
      '{"timestamp":1,"timestamp":2,"input_length":1,"output_length":2}', // a repeated key
      '{"timest\\u0061mp":1,"input_length":1,"output_length":2}', // an escape
      '{"timestamp":1,"input_length":1}', // a missing key
      '{"timestamp":10000000000001,"input_length":1,"output_length":2}', // over the timestamp limit
      '{"timestamp":1,"input_length":10000001,"output_length":2}', // over the token limit
      '{"timestamp":1,"input_length":1,"output_length":2,"hash_ids":[1234567890123456]}', // 16 digits
      '{"timestamp":1,"input_length":1,"output_length":2} x', // trailing text
      '{"timestamp":1,"input_length":1,"output_length":2', // cut short
      '',
    ]) expect(scan(line), line).toBeUndefined();
  });
  it('never disagrees with JSON.parse + validateRecord on mutated lines (property)', () => {
    const rng = new Rng(7);
    const rnd = () => rng.uniform();
    const bases = ['{"timestamp":0,"input_length":3000,"output_length":150,"hash_ids":[1812,4886,1951]}', '{"timestamp": 10, "input_length": 6955, "output_length": 52}'];
    const junk = [' ', '-', '0', '1.5', 'e', ',', ':', '"', '\\', '[', ']', '{', '}', 'x', '\r', '\t', '99999999999999999'];
    let fast = 0;
    for (let i = 0; i < 5000; i++) {
      let line = bases[i % 2]!;
      const at = Math.floor(rnd() * line.length);
      const op = rnd();
      if (op < 0.45) line = line.slice(0, at) + junk[Math.floor(rnd() * junk.length)] + line.slice(at);
      else if (op < 0.9) line = line.slice(0, at) + line.slice(at + 1);
      const scanned = scan(line);
      if (scanned !== undefined) {
        fast += 1;
        expect(scanned, line).toEqual(general(line));
      }
    }
    expect(fast).toBeGreaterThan(500);
  });
});
