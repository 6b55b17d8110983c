import {describe, expect, it} from 'vitest';
import {SseParser} from '../../../src/engines/http/sse.js';

describe('SseParser', () => {
  it('splits events at blank lines and joins multi-line data', () => {
    const p = new SseParser();
    expect(p.push('data: a\ndata: b\n\ndata: c\n\n')).toEqual([{event: 'message', data: 'a\nb'}, {event: 'message', data: 'c'}]);
  });

  it('keeps an event split across reads until its blank line', () => {
    const p = new SseParser();
    expect(p.push('da')).toEqual([]);
    expect(p.push('ta: {"x":')).toEqual([]);
    expect(p.push('1}\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{event: 'message', data: '{"x":1}'}]);
  });

  it('ignores comments, counts them, and reads event names and ids', () => {
    const p = new SseParser();
    expect(p.push(': keep-alive\n\nevent: error\nid: 7\ndata: boom\n\n')).toEqual([{event: 'error', data: 'boom', id: '7'}]);
    expect(p.comments).toBe(1);
  });

  it('handles CRLF and CR line ends, also a CRLF split between reads', () => {
    const p = new SseParser();
    expect(p.push('data: x\r')).toEqual([]);
    expect(p.push('\n\r\ndata: y\r\r')).toEqual([{event: 'message', data: 'x'}, {event: 'message', data: 'y'}]);
  });

  it('decodes a UTF-8 character split across chunks', () => {
    const p = new SseParser();
    const bytes = Buffer.from('data: h\u00e9\u20ac\n\n', 'utf8');
    // split inside the 3-byte euro sign and inside the 2-byte e-acute
    const cuts = [8, 10, 11];
    const out = [];
    let prev = 0;
    for (const c of [...cuts, bytes.length]) {
      out.push(...p.push(bytes.subarray(prev, c)));
      prev = c;
    }
    expect(out).toEqual([{event: 'message', data: 'h\u00e9\u20ac'}]);
  });

  it('passes [DONE] through as data and flushes a last event without blank line at end()', () => {
    const p = new SseParser();
    expect(p.push('data: [DONE]\n\n')).toEqual([{event: 'message', data: '[DONE]'}]);
    expect(p.push('data: tail')).toEqual([]);
    expect(p.end()).toEqual([{event: 'message', data: 'tail'}]);
  });

  it('a field without a colon and an empty data line count as data', () => {
    const p = new SseParser();
    expect(p.push('data\ndata:\n\n')).toEqual([{event: 'message', data: '\n'}]);
  });
});
