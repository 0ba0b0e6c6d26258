// Server-sent events from a fetch body: the parts of the WHATWG parsing rules the generate
// stream uses (event, data over several lines, comments, CR/LF/CRLF line ends).

/** One event: its type (`message` when unnamed) and its data. */
export interface SseEvent {
  event: string;
  data: string;
}

/** The events of `body`, as they arrive. */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let at: number;
      while ((at = lineEnd(buffer)) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(buffer[at] === '\r' && buffer[at + 1] === '\n' ? at + 2 : at + 1);
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', data: data.join('\n') };
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        let val = colon < 0 ? '' : line.slice(colon + 1);
        if (val.startsWith(' ')) val = val.slice(1);
        if (name === 'event') event = val;
        else if (name === 'data') data.push(val);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** Where the first complete line of `s` ends; -1 when none is complete yet (a lone CR at the
 * end may still be followed by its LF). */
function lineEnd(s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\n') return i;
    if (s[i] === '\r') return i + 1 < s.length ? i : -1;
  }
  return -1;
}
