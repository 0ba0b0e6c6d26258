//! An incremental parser of `text/event-stream` (the WHATWG server-sent events format), as the
//! OpenAI and Anthropic streaming APIs send it.
//!
//! Bytes arrive in chunks that may end anywhere: inside a UTF-8 character, inside a field
//! name, between the `\r` and `\n` of one line ending. The parser keeps the unfinished line and
//! decodes a line only once it is complete, so none of those boundaries changes what is parsed.
//! Lines end with `\r\n`, `\n` or `\r`; `data` lines of one event are joined with `\n`; an event
//! is dispatched at a blank line; comments (`:`) and `id`/`retry` fields are read and ignored;
//! an event still open when the stream ends is discarded, as the format says.

/// One dispatched event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// The `event` field; empty for the default (`message`).
    pub event: String,
    /// The `data` lines, joined with `\n`.
    pub data: String,
}

/// Longest line the parser keeps before it gives up (a provider chunk is a few hundred bytes).
const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// The stream sent a line longer than [`MAX_LINE_BYTES`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct LineTooLong;

/// The parser's state between chunks.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    line: Vec<u8>,
    /// The last chunk ended with `\r`: a `\n` starting the next one belongs to that line end.
    after_cr: bool,
    event: String,
    data: String,
    has_data: bool,
}

impl SseParser {
    /// Feeds `chunk`, appending every event it completes to `out`.
    pub(crate) fn push(&mut self, mut chunk: &[u8], out: &mut Vec<SseEvent>) -> Result<(), LineTooLong> {
        if chunk.is_empty() {
            // Keeps a pending `\r`: the `\n` that may follow comes in a later chunk.
            return Ok(());
        }
        if self.after_cr {
            self.after_cr = false;
            if let [b'\n', rest @ ..] = chunk {
                chunk = rest;
            }
        }
        while let Some(end) = chunk.iter().position(|&b| b == b'\n' || b == b'\r') {
            let (line, rest) = chunk.split_at(end);
            let terminator = rest[0];
            chunk = &rest[1..];
            if terminator == b'\r' {
                match chunk.first() {
                    Some(b'\n') => chunk = &chunk[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            if self.line.is_empty() {
                self.line_done(line, out);
            } else {
                self.line.extend_from_slice(line);
                let whole = std::mem::take(&mut self.line);
                self.line_done(&whole, out);
            }
        }
        if self.line.len() + chunk.len() > MAX_LINE_BYTES {
            return Err(LineTooLong);
        }
        self.line.extend_from_slice(chunk);
        Ok(())
    }

    fn line_done(&mut self, line: &[u8], out: &mut Vec<SseEvent>) {
        if line.is_empty() {
            if self.has_data {
                out.push(SseEvent { event: std::mem::take(&mut self.event), data: std::mem::take(&mut self.data) });
            } else {
                self.event.clear();
            }
            self.has_data = false;
            return;
        }
        if line[0] == b':' {
            return;
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        match name {
            b"data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(&String::from_utf8_lossy(value));
                self.has_data = true;
            }
            b"event" => self.event = String::from_utf8_lossy(value).into_owned(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_in(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut p = SseParser::default();
        let mut out = Vec::new();
        for c in chunks {
            p.push(c, &mut out).unwrap();
        }
        out
    }

    fn ev(event: &str, data: &str) -> SseEvent {
        SseEvent { event: event.into(), data: data.into() }
    }

    #[test]
    fn events_fields_comments_and_line_endings() {
        let stream =
            b": keep-alive\n\nevent: ping\ndata: {}\n\ndata: a\r\ndata:b\r\rid: 7\nretry: 10\ndata\n\nevent: x\n\n";
        assert_eq!(parse_in(&[stream]), vec![ev("ping", "{}"), ev("", "a\nb"), ev("", "")]);
    }

    #[test]
    fn every_split_of_the_stream_parses_the_same() {
        let stream =
            "event: content_block_delta\r\ndata: {\"text\":\"Grüße 🌷 \\n\"}\r\n\r\ndata: [DONE]\n\n".as_bytes();
        let whole = parse_in(&[stream]);
        assert_eq!(whole.len(), 2);
        for i in 0..=stream.len() {
            for j in i..=stream.len() {
                let (a, rest) = stream.split_at(i);
                let (b, c) = rest.split_at(j - i);
                assert_eq!(parse_in(&[a, b, c]), whole, "split at {i} and {j}");
            }
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(parse_in(&bytes), whole, "one byte at a time");
    }

    #[test]
    fn an_unfinished_event_is_not_dispatched_and_huge_lines_are_refused() {
        assert_eq!(parse_in(&[b"data: half"]), vec![]);
        let mut p = SseParser::default();
        let big = vec![b'a'; MAX_LINE_BYTES + 1];
        assert_eq!(p.push(&big, &mut Vec::new()), Err(LineTooLong));
    }
}
