//! Finds a quoted CSV field that is never closed. The csv reader ends such a
//! field at the end of the input, so without this check the rest of the file
//! becomes one value of the last record and the import looks successful.

/// Where an unterminated quote opens: line (1-based) and field index.
#[derive(Debug, PartialEq, Eq)]
pub struct OpenQuote {
    pub line: u64,
    pub field: usize,
}

/// Scans `tail`, the bytes of a file from the start of its last record (at
/// `line`), with the reader's own rules (RFC 4180: a quote opens a field only
/// as its first byte, `""` inside is a quote), and reports a quote still open
/// at the end.
pub fn unterminated(tail: &[u8], line: u64, delimiter: u8) -> Option<OpenQuote> {
    enum State {
        FieldStart,
        Unquoted,
        Quoted { line: u64, field: usize },
        QuoteInQuoted { line: u64, field: usize },
    }
    let mut state = State::FieldStart;
    let (mut line, mut field) = (line, 0usize);
    for &b in tail {
        state = match state {
            State::FieldStart | State::Unquoted if b == b'\n' => {
                line += 1;
                field = 0;
                State::FieldStart
            }
            State::FieldStart | State::Unquoted if b == b'\r' => {
                field = 0;
                State::FieldStart
            }
            State::FieldStart | State::Unquoted if b == delimiter => {
                field += 1;
                State::FieldStart
            }
            State::FieldStart if b == b'"' => State::Quoted { line, field },
            State::FieldStart | State::Unquoted => State::Unquoted,
            State::Quoted { line: l, field: f } => {
                if b == b'\n' {
                    line += 1;
                }
                if b == b'"' {
                    State::QuoteInQuoted { line: l, field: f }
                } else {
                    State::Quoted { line: l, field: f }
                }
            }
            State::QuoteInQuoted { line: l, field: f } => {
                if b == b'"' {
                    State::Quoted { line: l, field: f }
                } else if b == b'\n' {
                    line += 1;
                    field = 0;
                    State::FieldStart
                } else if b == b'\r' {
                    field = 0;
                    State::FieldStart
                } else if b == delimiter {
                    field += 1;
                    State::FieldStart
                } else {
                    State::Unquoted
                }
            }
        };
    }
    match state {
        State::Quoted { line, field } => Some(OpenQuote { line, field }),
        _ => None,
    }
}

/// The message for an unterminated quote.
pub fn message() -> &'static str {
    "unterminated quoted field: the quote opened here is never closed, so the rest of the \
     file would become this one value (close it with \", or double a quote inside a quoted \
     field as \"\")"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_quotes_pass() {
        assert_eq!(unterminated(b"a,\"b,c\",d\n", 3, b','), None);
        assert_eq!(unterminated(b"a,\"say \"\"hi\"\"\"\n", 3, b','), None);
        assert_eq!(unterminated(b"a,\"two\nlines\"\n", 3, b','), None);
        // A quote inside an unquoted field is an ordinary character.
        assert_eq!(unterminated(b"a,5\" gun,c\n", 3, b','), None);
        assert_eq!(unterminated(b"", 1, b','), None);
    }

    #[test]
    fn an_open_quote_is_placed_at_its_line_and_field() {
        assert_eq!(
            unterminated(b"x,y\n4,\"Acme\n5,b\n6,c\n", 4, b','),
            Some(OpenQuote { line: 5, field: 1 })
        );
        assert_eq!(
            unterminated(b"\"a\"\"b\n", 2, b','),
            Some(OpenQuote { line: 2, field: 0 })
        );
    }
}
