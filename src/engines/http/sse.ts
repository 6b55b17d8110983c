/**
 * Incremental Server-Sent Events parser (the WHATWG event-stream rules that matter for
 * OpenAI-compatible streams): bytes arrive in arbitrary pieces, an event ends at a blank line,
 * several `data:` lines of one event are joined with "\n", lines starting with ":" are comments,
 * CRLF, LF and CR all end a line, and a multi-byte UTF-8 character split across two reads is
 * decoded once both halves are there.
 */

export interface SseEvent {
  /** `event:` field, "message" when absent. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
  id?: string;
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private dataLines: string[] = [];
  private eventName = '';
  private lastId: string | undefined;
  private sawField = false;
  /** True while the previous piece ended in "\r" (a CRLF may be split across reads). */
  private pendingCr = false;
  /** Comment lines seen (keep-alives). */
  comments = 0;

  /** Feed bytes (or text); returns the events completed by them. */
  push(chunk: Uint8Array | string): SseEvent[] {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, {stream: true});
    if (this.pendingCr) {
      if (text.startsWith('\n')) text = text.slice(1);
      this.pendingCr = false;
    }
    this.buffer += text;
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const line = this.buffer.slice(start, i);
      if (c === 13) {
        if (i + 1 < this.buffer.length) {
          if (this.buffer.charCodeAt(i + 1) === 10) i++;
        } else {
          this.pendingCr = true;
        }
      }
      start = i + 1;
      const ev = this.line(line);
      if (ev) events.push(ev);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** End of stream: a final event without its blank line is dispatched (servers that forget it). */
  end(): SseEvent[] {
    const rest = this.decoder.decode();
    const events = rest ? this.push(rest) : [];
    if (this.buffer.length > 0) {
      const ev = this.line(this.buffer);
      this.buffer = '';
      if (ev) events.push(ev);
    }
    const ev = this.dispatch();
    if (ev) events.push(ev);
    return events;
  }

  /** Bytes of an unfinished line held back, for diagnosing a non-SSE body. */
  get pendingText(): string {
    return this.buffer;
  }

  private line(line: string): SseEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) {
      this.comments++;
      return null;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    this.sawField = true;
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.eventName = value;
    else if (field === 'id') this.lastId = value;
    // "retry" and unknown fields are ignored.
    return null;
  }

  private dispatch(): SseEvent | null {
    const had = this.sawField;
    const lines = this.dataLines;
    const event = this.eventName || 'message';
    this.dataLines = [];
    this.eventName = '';
    this.sawField = false;
    if (!had || lines.length === 0) return null;
    return {event, data: lines.join('\n'), ...(this.lastId !== undefined ? {id: this.lastId} : {})};
  }
}
