//! Redis's `sdssplitargs`: the word splitter of inline requests and of
//! `redis-cli`.
//!
//! The C function reads a NUL-terminated string, so a NUL byte ends the line
//! here too; [`at`] returns 0 past the end so that the code reads as the C.

/// The byte at `i`, or 0 (C's terminating NUL) past the end.
fn at(line: &[u8], i: usize) -> u8 {
    line.get(i).copied().unwrap_or(0)
}

/// C's `isspace` in the C locale.
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The bytes that end an unquoted word (`sdssplitargs` lists them; `\v` and
/// `\f` are not among them, although leading ones are skipped as blanks).
fn ends_word(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | 0)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Skips blanks from `p`; `None` at the end of the line.
pub(crate) fn skip_blanks(line: &[u8], mut p: usize) -> Option<usize> {
    while is_space(at(line, p)) {
        p += 1;
    }
    (at(line, p) != 0).then_some(p)
}

/// Whether a closing quote at `p` is well placed: followed by a blank or by
/// the end of the line.
fn closes(line: &[u8], p: usize) -> bool {
    let next = at(line, p + 1);
    next == 0 || is_space(next)
}

/// One word starting at `p` (not a blank, not the end), unescaped into
/// `word`; returns where the scan stopped, or `None` for unbalanced quotes.
fn read_word(line: &[u8], mut p: usize, word: &mut Vec<u8>) -> Option<usize> {
    #[derive(PartialEq)]
    enum In {
        Plain,
        Double,
        Single,
    }
    let mut state = In::Plain;
    loop {
        let c = at(line, p);
        let mut done = false;
        match state {
            In::Double => {
                let hex = (c == b'\\' && at(line, p + 1) == b'x')
                    .then(|| Some(hex_value(at(line, p + 2))? * 16 + hex_value(at(line, p + 3))?))
                    .flatten();
                if let Some(byte) = hex {
                    word.push(byte);
                    p += 3;
                } else if c == b'\\' && at(line, p + 1) != 0 {
                    p += 1;
                    word.push(match at(line, p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if !closes(line, p) {
                        return None;
                    }
                    done = true;
                } else if c == 0 {
                    return None;
                } else {
                    word.push(c);
                }
            }
            In::Single => {
                if c == b'\\' && at(line, p + 1) == b'\'' {
                    p += 1;
                    word.push(b'\'');
                } else if c == b'\'' {
                    if !closes(line, p) {
                        return None;
                    }
                    done = true;
                } else if c == 0 {
                    return None;
                } else {
                    word.push(c);
                }
            }
            In::Plain => match c {
                _ if ends_word(c) => done = true,
                b'"' => state = In::Double,
                b'\'' => state = In::Single,
                _ => word.push(c),
            },
        }
        if at(line, p) != 0 {
            p += 1;
        }
        if done {
            return Some(p);
        }
    }
}

/// Splits `line` into `words[..*len]`, reusing the vectors already in
/// `words`; `false` for unbalanced quotes.
pub(crate) fn split_into(line: &[u8], words: &mut Vec<Vec<u8>>, len: &mut usize) -> bool {
    *len = 0;
    let mut p = 0;
    while let Some(start) = skip_blanks(line, p) {
        if words.len() == *len {
            words.push(Vec::new());
        }
        let Some(word) = words.get_mut(*len) else {
            return false;
        };
        word.clear();
        match read_word(line, start, word) {
            Some(next) => p = next,
            None => return false,
        }
        *len += 1;
    }
    true
}

/// Where one word lies in a line when it needs no copying.
pub(crate) enum Span {
    /// The word is `line[start..end]`; the scan goes on at `next`.
    Slice {
        /// First byte of the word.
        start: usize,
        /// One past its last byte.
        end: usize,
        /// Where the next word's search starts.
        next: usize,
    },
    /// The word has escapes, a quote after other bytes, or is malformed:
    /// only [`split_into`] can tell.
    Copy,
}

/// The word starting at `p` (not a blank, not the end) if it is a plain run
/// of bytes (`abc`) or a quoted one without escapes (`"a b"`, `'a b'`).
pub(crate) fn span(line: &[u8], p: usize) -> Span {
    let quote = at(line, p);
    if quote == b'"' || quote == b'\'' {
        let mut q = p + 1;
        loop {
            let c = at(line, q);
            if c == 0 || (c == b'\\' && (quote == b'"' || at(line, q + 1) == b'\'')) {
                return Span::Copy;
            }
            if c == quote {
                return if closes(line, q) {
                    Span::Slice {
                        start: p + 1,
                        end: q,
                        next: q + 1,
                    }
                } else {
                    Span::Copy
                };
            }
            q += 1;
        }
    }
    let mut q = p;
    loop {
        let c = at(line, q);
        if ends_word(c) {
            return Span::Slice {
                start: p,
                end: q,
                next: q,
            };
        }
        if c == b'"' || c == b'\'' {
            return Span::Copy;
        }
        q += 1;
    }
}

/// Splits a line as redis-cli and Redis's inline protocol do (`sdssplitargs`):
/// words separated by spaces, `"…"` with `\n`, `\xff`-style escapes, `'…'`.
/// `None` for unbalanced quotes.
///
/// Exactly as Redis: leading blanks are C's `isspace` (space, `\t`, `\n`,
/// `\v`, `\f`, `\r`) but only space, `\t`, `\n` and `\r` end an unquoted
/// word; a word may switch into quotes midway (`a"b c"` is `ab c`); in double
/// quotes `\xHH` (two hex digits), `\n`, `\r`, `\t`, `\b`, `\a` are escapes
/// and any other `\c` is `c`; in single quotes only `\'` is; a closing quote
/// must be followed by a blank or the end of the line; a NUL byte ends the
/// line, as in C.
///
/// ```
/// use kvstore::resp::split_args;
///
/// let words = split_args(br#"SET k "a\x41 \"q\"" 'it\'s'"#).unwrap();
/// assert_eq!(words, [&b"SET"[..], b"k", b"aA \"q\"", b"it's"]);
/// assert_eq!(split_args(b"  "), Some(vec![]));
/// assert_eq!(split_args(br#"GET "a"b"#), None);
/// assert_eq!(split_args(br#"GET "a"#), None);
/// ```
#[must_use]
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut words = Vec::new();
    let mut len = 0;
    if !split_into(line, &mut words, &mut len) {
        return None;
    }
    words.truncate(len);
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &[u8]) -> Option<Vec<Vec<u8>>> {
        split_args(s)
    }

    fn words(ws: &[&[u8]]) -> Option<Vec<Vec<u8>>> {
        Some(ws.iter().map(|w| w.to_vec()).collect())
    }

    #[test]
    fn plain_words_and_blanks() {
        assert_eq!(split(b""), words(&[]));
        assert_eq!(split(b" \t\r\n\x0b\x0c"), words(&[]));
        assert_eq!(split(b"  SET  k\tv\r\n"), words(&[b"SET", b"k", b"v"]));
        // \v and \f are skipped before a word but belong to it after.
        assert_eq!(split(b"\x0b\x0cPING"), words(&[b"PING"]));
        assert_eq!(split(b"a\x0bb c\x0c"), words(&[b"a\x0bb", b"c\x0c"]));
        // A NUL ends the line, as in C.
        assert_eq!(split(b"a b\0c d"), words(&[b"a", b"b"]));
        assert_eq!(split(b"\0a"), words(&[]));
    }

    #[test]
    fn double_quotes_and_escapes() {
        assert_eq!(split(br#""a b""#), words(&[b"a b"]));
        assert_eq!(split(br#""""#), words(&[b""]));
        assert_eq!(split(br#""\x41\x4a\x4""#), words(&[b"AJx4"]));
        assert_eq!(split(br#""\xZZ""#), words(&[b"xZZ"]));
        assert_eq!(split(br#""\xff\x00""#), words(&[b"\xff\x00"]));
        assert_eq!(
            split(br#""\n\r\t\b\a\\\"\q""#),
            words(&[b"\n\r\t\x08\x07\\\"q"])
        );
        // A quote may open midway through a word.
        assert_eq!(split(br#"a"b c""#), words(&[b"ab c"]));
        assert_eq!(split(br#"a'b c'"#), words(&[b"ab c"]));
        // The closing quote must be followed by a blank or the end.
        assert_eq!(split(br#""a"b"#), None);
        assert_eq!(split(br#""a"'b'"#), None);
        assert_eq!(split(b"\"a\"\x0b"), words(&[b"a"]));
        assert_eq!(split(b"\"a\"\0b"), words(&[b"a"]));
        // Unterminated.
        assert_eq!(split(br#""abc"#), None);
        assert_eq!(split(br#""a\""#), None);
        assert_eq!(split(b"\"a\\"), None);
        assert_eq!(split(b"\"a\0\""), None);
    }

    #[test]
    fn single_quotes() {
        assert_eq!(split(br"'it\'s'"), words(&[b"it's"]));
        assert_eq!(split(br"'a\nb\x41'"), words(&[b"a\\nb\\x41"]));
        assert_eq!(split(br"'a'b"), None);
        assert_eq!(split(br"'abc"), None);
        assert_eq!(split(br#"'"'"#), words(&[b"\""]));
    }

    /// What `span` finds agrees with `split_args` whenever it finds a slice.
    #[test]
    fn span_agrees_with_split() {
        let lines: &[&[u8]] = &[
            b"a bc",
            br#""a b" c"#,
            br"'a\b' c",
            br#""a\"b""#,
            br#"a"b""#,
            br"'it\'s'",
            br#""a"b"#,
            b"\"a",
            b"x\x0by",
        ];
        for &line in lines {
            let mut got = Vec::new();
            let mut p = 0;
            let mut copied = false;
            while let Some(start) = skip_blanks(line, p) {
                match span(line, start) {
                    Span::Slice { start, end, next } => {
                        got.push(line[start..end].to_vec());
                        p = next;
                    }
                    Span::Copy => {
                        copied = true;
                        break;
                    }
                }
            }
            if !copied {
                assert_eq!(Some(got), split(line), "{line:?}");
            }
        }
    }
}
