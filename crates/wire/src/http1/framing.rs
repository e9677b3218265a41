//! Reading a reply's framing: its head (status, how the body is delimited,
//! whether the connection closes after it) and chunk-size lines. Pure
//! functions over the bytes read so far; the connection does the I/O.

use super::ExchangeError;

/// Most header fields accepted in a reply head.
const MAX_HEADERS: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

#[derive(Debug, PartialEq, Eq)]
pub(super) struct Head {
    pub(super) status: u16,
    /// Bytes of the status line and headers, through the empty line.
    pub(super) length: usize,
    pub(super) framing: Framing,
    /// The server closes the connection after this reply.
    pub(super) closes: bool,
}

/// Parses a reply head at the start of `buffer`; `None` while incomplete.
pub(super) fn parse_head(buffer: &[u8]) -> Result<Option<Head>, ExchangeError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let length = match response.parse(buffer) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(ExchangeError::Malformed(e.to_string())),
    };
    let status = response.code.unwrap_or_default();
    let mut content_length: Option<usize> = None;
    let mut chunked = false;
    // HTTP/1.0 closes unless asked to keep alive; HTTP/1.1 keeps alive
    // unless told to close.
    let mut closes = response.version == Some(0);
    for header in response.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            let value = std::str::from_utf8(header.value)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .ok_or_else(|| ExchangeError::Malformed("invalid content-length".into()))?;
            if content_length.is_some_and(|seen| seen != value) {
                return Err(ExchangeError::Malformed(
                    "conflicting content-length headers".into(),
                ));
            }
            content_length = Some(value);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = header
                .value
                .split(|b| *b == b',')
                .next_back()
                .is_some_and(|last| last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if header.name.eq_ignore_ascii_case("connection") {
            for token in header.value.split(|b| *b == b',') {
                let token = token.trim_ascii();
                if token.eq_ignore_ascii_case(b"close") {
                    closes = true;
                } else if token.eq_ignore_ascii_case(b"keep-alive") {
                    closes = false;
                }
            }
        }
    }
    // Chunked coding wins over a length (RFC 9112 §6.3).
    let framing = match (chunked, content_length) {
        (true, _) => Framing::Chunked,
        (false, Some(n)) => Framing::Length(n),
        (false, None) => Framing::UntilClose,
    };
    Ok(Some(Head {
        status,
        length,
        framing,
        closes,
    }))
}

/// Parses a chunk-size line at the start of `buffer`: the chunk's size and
/// the line's length with its CRLF; `None` while incomplete.
pub(super) fn chunk_size_line(buffer: &[u8]) -> Result<Option<(usize, usize)>, ExchangeError> {
    let Some(end) = buffer.windows(2).position(|w| w == b"\r\n") else {
        return Ok(None);
    };
    let line = &buffer[..end];
    let digits = line.split(|b| *b == b';').next().unwrap_or_default();
    let size = std::str::from_utf8(digits.trim_ascii())
        .ok()
        .filter(|d| !d.is_empty() && d.len() <= 15)
        .and_then(|d| usize::from_str_radix(d, 16).ok())
        .ok_or_else(|| ExchangeError::Malformed("invalid chunk size".into()))?;
    Ok(Some((size, end + 2)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_parsed_with_their_framing() {
        let head = parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nrest")
            .unwrap()
            .unwrap();
        assert_eq!(
            head,
            Head {
                status: 200,
                length: 39,
                framing: Framing::Length(12),
                closes: false
            }
        );
        let head =
            parse_head(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\ncontent-length: 0\r\n\r\n")
                .unwrap()
                .unwrap();
        assert!(!head.closes);
        let head = parse_head(
            b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: gzip, chunked\r\n\r\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(head.framing, Framing::Chunked);
        assert_eq!(parse_head(b"HTTP/1.1 200 OK\r\n").unwrap(), None);
    }
}
