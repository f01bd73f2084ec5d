//! Redis-compatible glob-style pattern matching.
//!
//! This is the matcher behind `KEYS`, `SCAN ... MATCH`, `PSUBSCRIBE` and the
//! other pattern-taking commands. It reproduces the observable behaviour of
//! Redis 7.0.15's `stringmatchlen()` (`src/util.c`) byte for byte, but with an
//! iterative algorithm whose running time is bounded by
//! `O(pattern.len() × text.len())` and which uses `O(1)` extra memory, so a
//! hostile pattern such as `*a*a*a*a…b` cannot stall the server.
//!
//! Patterns and texts are arbitrary bytes; nothing is assumed to be UTF-8.
//!
//! # Syntax
//!
//! | Element  | Matches                                                         |
//! |----------|-----------------------------------------------------------------|
//! | `*`      | any sequence of bytes, including the empty one                  |
//! | `?`      | exactly one byte                                                |
//! | `[abc]`  | one byte that is `a`, `b` or `c`                                |
//! | `[^abc]` | one byte that is none of `a`, `b`, `c`                          |
//! | `[a-z]`  | one byte in the inclusive range; `[z-a]` is the same as `[a-z]` |
//! | `\x`     | the byte `x` literally (also inside a class: `[\]]`)            |
//! | other    | that byte literally                                             |
//!
//! With `nocase`, ASCII letters compare case-insensitively (C `tolower` in
//! the "C" locale: only `A`–`Z` fold, bytes `>= 0x80` never do).
//!
//! # Redis quirks that are reproduced on purpose
//!
//! * An empty text only matches the empty pattern: even `*` does not match
//!   `""`. (`KEYS *` and `SCAN` without `MATCH` still list the empty key
//!   because Redis short-circuits the pattern `*` before calling the
//!   matcher; callers that want that behaviour must do the same.)
//! * `]` right after `[` or `[^` closes the class, so `[]` never matches and
//!   `[^]` matches any byte; `[]]` is an empty class followed by a literal `]`.
//! * An unterminated class extends to the end of the pattern: `[a` behaves
//!   like `[a]`, `[^` like `[^]`, `[a-` like `[a-]` (the bytes `a` and `-`),
//!   and a lone `[` never matches.
//! * A `-` range needs a byte on both sides; its end may be `]` or `\`, which
//!   are then taken as range bounds (`[a-]b]` is the range `]`..`a` plus `b`).
//! * Range bounds and the text byte are compared as *signed* C `char`s (as
//!   on x86-64 builds), so bytes `>= 0x80` sort below `0x00`: `[\x00-\xff]`
//!   only matches `\x00` and `\xff`.
//! * With `nocase` the range bounds are lower-cased *after* being put in
//!   order, so `[Z-a]` is empty under `nocase` (`z`..`a`) although it holds
//!   the six bytes from `Z` to `a` when case-sensitive; and a `\`-escaped
//!   byte inside a class is always compared case-sensitively.
//! * A trailing lone `\` matches a literal backslash.
//! * Redis refuses to nest more than 1000 `*` groups (a run of consecutive
//!   `*`s counts once): if the 1001st run is followed by anything, the
//!   pattern never matches a non-empty text.

/// Redis stops recursing after this many nested `*` groups
/// (`if (nesting > 1000) return 0;` in `stringmatchlen_impl`).
const MAX_STAR_NESTING: usize = 1000;

/// Returns whether `text` matches the Redis glob `pattern`.
///
/// `nocase` folds ASCII letters on both sides, exactly like Redis's
/// `stringmatchlen(..., nocase = 1)`. See the [module documentation](self)
/// for the syntax and for the Redis corner cases that are reproduced.
///
/// Runs in `O(pattern.len() × text.len())` time and constant extra space,
/// never recurses and never panics.
///
/// # Examples
///
/// ```
/// use kvstore::glob::glob_match;
///
/// assert!(glob_match(b"user:*", b"user:42", false));
/// assert!(glob_match(b"h?llo", b"hello", false));
/// assert!(glob_match(b"h[ae]llo", b"hallo", false));
/// assert!(!glob_match(b"h[^e]llo", b"hello", false));
/// assert!(glob_match(b"h[a-b]llo", b"hbllo", false));
/// assert!(glob_match(b"what\\?", b"what?", false));
/// assert!(glob_match(b"HELLO*", b"hello world", true));
/// // Redis quirk: only the empty pattern matches an empty text.
/// assert!(!glob_match(b"*", b"", false));
/// ```
#[must_use]
pub fn glob_match(pattern: &[u8], text: &[u8], nocase: bool) -> bool {
    // Redis's main loop runs `while (patternLen && stringLen)`, so with an
    // empty text nothing (not even a `*`) is consumed from the pattern.
    if text.is_empty() {
        return pattern.is_empty();
    }
    if exceeds_star_nesting_limit(pattern) {
        return false;
    }

    // Classic "remember the last star" matching. Every element other than
    // `*` consumes exactly one byte, so when the rest of the pattern fails
    // we only need to let the most recent `*` swallow one more byte: any
    // alternative for an earlier `*` is covered by the later one, because a
    // `*` can absorb whatever the earlier one would have.
    let mut p = 0; // index into `pattern`
    let mut t = 0; // index into `text`
    // (pattern index just past the last `*` run, text index where the
    // pattern after it is currently being tried)
    let mut resume: Option<(usize, usize)> = None;

    while let Some(&byte) = text.get(t) {
        if pattern.get(p) == Some(&b'*') {
            p = skip_stars(pattern, p);
            if p == pattern.len() {
                // A trailing `*` swallows the rest of the text.
                return true;
            }
            resume = Some((p, t));
            continue;
        }
        if let Some(step) = match_element(pattern, p, byte, nocase)
            && step.matched
        {
            p = step.next;
            t += 1;
            continue;
        }
        // Mismatch, or pattern exhausted while text remains.
        match resume {
            Some((star_p, star_t)) => {
                let star_t = star_t + 1;
                resume = Some((star_p, star_t));
                p = star_p;
                t = star_t;
            }
            None => return false,
        }
    }

    // The text is used up: what is left of the pattern may only be stars
    // (Redis skips `*` bytes after consuming the last text byte).
    pattern.iter().skip(p).all(|&b| b == b'*')
}

/// Result of matching one non-`*` pattern element against one text byte.
struct Step {
    /// Whether the element accepts the byte.
    matched: bool,
    /// Index of the first pattern byte after the element.
    next: usize,
}

/// Matches the single-byte element starting at `pattern[start]` (anything
/// but `*`) against `byte`. Returns `None` if the pattern is exhausted.
///
/// Where an element ends never depends on `byte`, which lets
/// [`exceeds_star_nesting_limit`] reuse this to walk the pattern.
fn match_element(pattern: &[u8], start: usize, byte: u8, nocase: bool) -> Option<Step> {
    let first = *pattern.get(start)?;
    let step = match first {
        b'?' => Step {
            matched: true,
            next: start + 1,
        },
        b'[' => match_class(pattern, start, byte, nocase),
        b'\\' => match pattern.get(start + 1) {
            Some(&escaped) => Step {
                matched: bytes_equal(escaped, byte, nocase),
                next: start + 2,
            },
            // A backslash as the last pattern byte is a literal backslash.
            None => Step {
                matched: bytes_equal(b'\\', byte, nocase),
                next: start + 1,
            },
        },
        literal => Step {
            matched: bytes_equal(literal, byte, nocase),
            next: start + 1,
        },
    };
    Some(step)
}

/// Matches the `[...]` class whose `[` is at `pattern[open]`, following the
/// parsing order of Redis's class loop exactly.
fn match_class(pattern: &[u8], open: usize, byte: u8, nocase: bool) -> Step {
    let mut i = open + 1;
    let negated = pattern.get(i) == Some(&b'^');
    if negated {
        i += 1;
    }
    let mut matched = false;
    let next = loop {
        // Running off the end closes the class: it spans the rest of the
        // pattern (Redis backs up one byte and then steps past it).
        let Some(&current) = pattern.get(i) else {
            break pattern.len();
        };
        match current {
            // Escape, unless the backslash is the last pattern byte. Redis
            // compares escaped class members case-sensitively even with
            // `nocase`.
            b'\\' if i + 1 < pattern.len() => {
                i += 1;
                if pattern.get(i) == Some(&byte) {
                    matched = true;
                }
            }
            b']' => break i + 1,
            low => {
                if pattern.get(i + 1) == Some(&b'-')
                    && let Some(&high) = pattern.get(i + 2)
                {
                    if in_range(low, high, byte, nocase) {
                        matched = true;
                    }
                    i += 2;
                } else if bytes_equal(low, byte, nocase) {
                    matched = true;
                }
            }
        }
        i += 1;
    };
    Step {
        matched: matched != negated,
        next,
    }
}

/// Range test with Redis's exact arithmetic: bounds are swapped if reversed
/// (as signed `char`s), then lower-cased under `nocase` without re-ordering,
/// and everything is compared as signed `char`s.
fn in_range(start: u8, end: u8, byte: u8, nocase: bool) -> bool {
    let (mut low, mut high) = if as_c_char(start) > as_c_char(end) {
        (end, start)
    } else {
        (start, end)
    };
    let mut byte = byte;
    if nocase {
        low = low.to_ascii_lowercase();
        high = high.to_ascii_lowercase();
        byte = byte.to_ascii_lowercase();
    }
    (as_c_char(low)..=as_c_char(high)).contains(&as_c_char(byte))
}

/// Reinterprets a byte as a C `char` on x86-64 (signed), which is how Redis
/// compares range bounds.
fn as_c_char(byte: u8) -> i8 {
    i8::from_ne_bytes([byte])
}

/// Byte equality, folding ASCII case when `nocase` is set. `tolower` in the
/// "C" locale leaves bytes `>= 0x80` alone, as does `to_ascii_lowercase`.
fn bytes_equal(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

/// Returns the index of the first non-`*` byte at or after `start`.
fn skip_stars(pattern: &[u8], start: usize) -> usize {
    let run = pattern
        .iter()
        .skip(start)
        .take_while(|&&b| b == b'*')
        .count();
    start + run
}

/// Whether Redis's recursion guard rejects this pattern for every non-empty
/// text: each run of `*` costs one level of nesting, and the run that would
/// go past [`MAX_STAR_NESTING`] fails unless it ends the pattern (a trailing
/// `*` matches without recursing). Since any match has to get past that run,
/// the whole match fails.
fn exceeds_star_nesting_limit(pattern: &[u8]) -> bool {
    let mut star_runs = 0;
    let mut i = 0;
    while i < pattern.len() {
        if pattern.get(i) == Some(&b'*') {
            i = skip_stars(pattern, i);
            star_runs += 1;
            if star_runs > MAX_STAR_NESTING && i < pattern.len() {
                return true;
            }
        } else {
            // Element boundaries do not depend on the text byte.
            match match_element(pattern, i, 0, false) {
                Some(step) => i = step.next,
                None => break,
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::glob_match;
    use proptest::prelude::*;

    fn matches(pattern: &[u8], text: &[u8]) -> bool {
        glob_match(pattern, text, false)
    }

    fn matches_nocase(pattern: &[u8], text: &[u8]) -> bool {
        glob_match(pattern, text, true)
    }

    // Unless stated otherwise, every expectation below was checked against a
    // real redis-server 7.0.15 (`KEYS` for case-sensitive matching,
    // `CONFIG GET` for `nocase`, `PSUBSCRIBE`/`PUBLISH` for the empty text).

    #[test]
    fn literals() {
        assert!(matches(b"hello", b"hello"));
        assert!(!matches(b"hello", b"hell"));
        assert!(!matches(b"hell", b"hello"));
        assert!(!matches(b"hello", b"Hello"));
        assert!(matches(b"", b""));
        assert!(!matches(b"", b"a"));
    }

    #[test]
    fn binary_bytes_and_nul() {
        assert!(matches(b"\x00", b"\x00"));
        assert!(matches(b"a\x00*", b"a\x00bc"));
        assert!(matches(b"[\x00]", b"\x00"));
        assert!(matches(b"\xff?\x80", b"\xff\x01\x80"));
    }

    #[test]
    fn question_mark() {
        assert!(matches(b"a?c", b"abc"));
        assert!(!matches(b"a?c", b"ac"));
        assert!(!matches(b"?", b""));
        assert!(matches(b"???", b"\x00\xff*"));
    }

    #[test]
    fn star() {
        assert!(matches(b"a*", b"a"));
        assert!(matches(b"a*", b"abc"));
        assert!(matches(b"*c", b"abc"));
        assert!(matches(b"a*c", b"ac"));
        assert!(matches(b"a*b*c", b"axxbyyc"));
        assert!(!matches(b"a*b*c", b"axxbyy"));
        assert!(matches(b"*", b"anything"));
        assert!(matches(b"*a*", b"bab"));
        assert!(!matches(b"*a*", b"bbb"));
    }

    #[test]
    fn consecutive_stars() {
        assert!(matches(b"a**b", b"ab"));
        assert!(matches(b"***", b"x"));
        assert!(matches(b"a***", b"a"));
        assert!(matches(b"**a**b**", b"xaxbx"));
    }

    #[test]
    fn empty_text_only_matches_empty_pattern() {
        // `PSUBSCRIBE *` does not receive a `PUBLISH` to the channel "".
        assert!(!matches(b"*", b""));
        assert!(!matches(b"**", b""));
        assert!(!matches(b"[^", b""));
        assert!(!matches(b"[]]", b""));
        assert!(matches(b"", b""));
    }

    #[test]
    fn class_basics() {
        assert!(matches(b"h[ae]llo", b"hallo"));
        assert!(matches(b"h[ae]llo", b"hello"));
        assert!(!matches(b"h[ae]llo", b"hillo"));
        // Special characters are literal inside a class.
        assert!(matches(b"[*?[]", b"*"));
        assert!(matches(b"[*?[]", b"["));
        assert!(!matches(b"[*]", b"x"));
    }

    #[test]
    fn class_negation() {
        assert!(!matches(b"[^a-c]", b"b"));
        assert!(matches(b"[^a-c]", b"d"));
        assert!(matches(b"[^ab]x", b"cx"));
        // `^` is only special right after `[`.
        assert!(matches(b"[a^]", b"^"));
    }

    #[test]
    fn class_ranges() {
        assert!(matches(b"[a-c]", b"b"));
        assert!(!matches(b"[a-c]", b"d"));
        // Reversed ranges are swapped.
        assert!(matches(b"[z-a]", b"m"));
        // `-` at the start or end of a class is literal...
        assert!(matches(b"[-a]", b"-"));
        // ...but a `]` after `-` is taken as the range end: `[a-]b]` is the
        // range `]`..`a` (swapped) plus `b`, closed by the final `]`.
        assert!(matches(b"[a-]b]", b"_"));
        assert!(matches(b"[a-]b]", b"b"));
        assert!(matches(b"[a-]b]", b"]"));
        // A backslash can be a range end, but not a range start (there it
        // escapes the next byte).
        assert!(!matches(b"[a-\\]", b"b"));
        assert!(!matches(b"[\\-a]", b"b"));
        assert!(matches(b"[\\-a]", b"-"));
    }

    #[test]
    fn class_ranges_use_signed_chars() {
        // 0xff is -1 and 0x80 is -128 as a signed C char.
        assert!(!matches(b"[\x00-\xff]", b"\x80"));
        assert!(!matches(b"[\x00-\xff]", b"a"));
        assert!(matches(b"[\x00-\xff]", b"\xff"));
        assert!(matches(b"[\x00-\xff]", b"\x00"));
        // 0x7f-0x80 is the swapped range -128..=127: everything.
        assert!(matches(b"[\x7f-\x80]", b"a"));
        assert!(matches(b"[\x7f-\x80]", b"\x00"));
        assert!(matches(b"[\x7f-\x80]", b"\x90"));
        assert!(!matches(b"[a-\x80]", b"b"));
        assert!(matches(b"[a-\x80]", b"\x81"));
        assert!(matches(b"[a-\x80]", b"\x00"));
    }

    #[test]
    fn close_bracket_first_in_class() {
        // `]` right after `[` closes an empty class that never matches.
        assert!(!matches(b"[]]", b"]"));
        assert!(!matches(b"[]", b"]"));
        assert!(!matches(b"[]a]", b"a"));
        assert!(!matches(b"[]a]", b"]a]"));
        // An empty negated class matches any byte.
        assert!(matches(b"[^]", b"x"));
        assert!(matches(b"[^]]", b"a]"));
        // The way to put `]` in a class is to escape it.
        assert!(matches(b"[\\]]", b"]"));
    }

    #[test]
    fn unterminated_class() {
        assert!(matches(b"[a", b"a"));
        assert!(matches(b"[^", b"x"));
        assert!(!matches(b"[", b"["));
        assert!(!matches(b"a[", b"a"));
        assert!(!matches(b"a[", b"ab"));
        // `[a-` is the two bytes `a` and `-`: a range needs an end.
        assert!(matches(b"[a-", b"-"));
        assert!(matches(b"[a-", b"a"));
        assert!(!matches(b"[a-", b"b"));
        // `[\]` escapes the `]`, leaving the class open.
        assert!(matches(b"[\\]", b"]"));
        assert!(!matches(b"[\\]", b"\\"));
        // A backslash as the last byte of a class is a literal backslash.
        assert!(matches(b"[a\\", b"\\"));
        assert!(matches(b"[a\\", b"a"));
        assert!(matches(b"[\\", b"\\"));
    }

    #[test]
    fn escapes() {
        assert!(matches(b"\\*", b"*"));
        assert!(!matches(b"\\*", b"x"));
        assert!(matches(b"what\\?", b"what?"));
        assert!(!matches(b"what\\?", b"whats"));
        assert!(matches(b"\\[a]", b"[a]"));
        assert!(matches(b"\\\\", b"\\"));
        // A lone trailing backslash is a literal backslash.
        assert!(matches(b"a\\", b"a\\"));
        assert!(!matches(b"a\\", b"a"));
    }

    #[test]
    fn nocase() {
        // `CONFIG GET` matches with nocase against names like "maxmemory".
        assert!(matches_nocase(b"MAXMEMOR?", b"maxmemory"));
        assert!(matches_nocase(b"?AXMEMORY", b"maxmemory"));
        assert!(!matches(b"MAXMEMOR?", b"maxmemory"));
        assert!(matches_nocase(b"\\Maxmemor?", b"maxmemory"));
        assert!(matches_nocase(b"m[A-z]xmemory", b"maxmemory"));
        assert!(!matches_nocase(b"m[^A]xmemory", b"maxmemory"));
        // Bounds are swapped first, then lower-cased: [b-A] is 'a'..='b'.
        assert!(matches_nocase(b"m[B-A]xmemory", b"maxmemory"));
        assert!(matches_nocase(b"m[b-A]xmemory", b"maxmemory"));
        // ...and never re-ordered, so these ranges become empty.
        assert!(!matches_nocase(b"m[Z-a]xmemory", b"maxmemory"));
        assert!(!matches_nocase(b"m[a-Z]xmemory", b"maxmemory"));
        assert!(!matches_nocase(b"m[B-a]xmemory", b"maxmemory"));
        assert!(!matches_nocase(b"m[_-A]xmemory", b"maxmemory"));
        assert!(matches_nocase(b"m[^Z-a]xmemory", b"maxmemory"));
        // Case-sensitively, [Z-a] does contain 'a'.
        assert!(matches(b"m[Z-a]xmemory", b"maxmemory"));
        // Escaped class members are compared case-sensitively.
        assert!(!matches_nocase(b"m[\\A]xmemory", b"maxmemory"));
        assert!(matches_nocase(b"m[\\a]xmemory", b"maxmemory"));
        // Only ASCII folds (not checkable through Redis's fixed names;
        // follows from C `tolower` in the "C" locale).
        assert!(!matches_nocase(b"\xc9", b"\xe9"));
        assert!(matches_nocase(b"[A-C]", b"b"));
    }

    #[test]
    fn star_nesting_limit() {
        let a_1001 = b"a".repeat(1001);
        // 1000 star runs are fine.
        assert!(matches(&b"*a".repeat(1000), &a_1001));
        // The 1001st run is rejected when something follows it...
        assert!(!matches(&b"*a".repeat(1001), &a_1001));
        assert!(!matches(&b"*a".repeat(1001), &b"a".repeat(1500)));
        let mut pattern = b"a*".repeat(1001);
        pattern.push(b'b');
        let mut text = a_1001.clone();
        text.push(b'b');
        assert!(!matches(&pattern, &text));
        // ...but not when it ends the pattern,
        let mut trailing = b"*a".repeat(1000);
        trailing.push(b'*');
        assert!(matches(&trailing, &a_1001));
        assert!(matches(&trailing, &b"a".repeat(1000)));
        // nor when the text runs out before it is reached.
        let mut trailing_two = b"*a".repeat(1000);
        trailing_two.extend_from_slice(b"**");
        assert!(matches(&trailing_two, &b"a".repeat(1000)));
    }

    #[test]
    fn pathological_pattern_finishes() {
        // Exponential for naive backtracking; O(n·m) here. Only the result
        // is asserted: the test simply must not hang.
        let text = vec![b'a'; 10 * 1024];
        let stars = b"*a".repeat(60);

        let mut no_match_at_end = stars.clone();
        no_match_at_end.push(b'b');
        assert!(!glob_match(&no_match_at_end, &text, false));
        assert!(!glob_match(&no_match_at_end, &text, true));

        let mut text_with_tail = text.clone();
        text_with_tail.push(b'c');
        assert!(!glob_match(&stars, &text_with_tail, false));

        assert!(glob_match(&stars, &text, false));
        let mut class_stars = b"*[a-b]".repeat(60);
        class_stars.extend_from_slice(b"*[^a]");
        assert!(!glob_match(&class_stars, &text, false));
    }

    /// TEST ORACLE: a line-by-line port of Redis 7.0.15's recursive
    /// `stringmatchlen_impl()` (src/util.c), including its
    /// `skipLongerMatches` pruning and nesting guard. Reading past the end of
    /// the pattern yields 0, like the NUL terminator Redis relies on. It is
    /// deliberately unidiomatic so that it can be compared with the C code.
    mod redis_reference {
        fn at(s: &[u8], i: usize) -> u8 {
            s.get(i).copied().unwrap_or(0)
        }

        fn tolower(c: u8) -> u8 {
            c.to_ascii_lowercase()
        }

        pub fn stringmatchlen(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
            let mut skip_longer_matches = false;
            impl_(pattern, string, nocase, &mut skip_longer_matches, 0)
        }

        fn impl_(
            pat: &[u8],
            s: &[u8],
            nocase: bool,
            skip_longer_matches: &mut bool,
            nesting: usize,
        ) -> bool {
            if nesting > 1000 {
                return false;
            }
            // `p`/`si` are the C pointers, `plen`/`slen` the lengths.
            let (mut p, mut plen) = (0usize, pat.len());
            let (mut si, mut slen) = (0usize, s.len());
            while plen > 0 && slen > 0 {
                match at(pat, p) {
                    b'*' => {
                        while plen > 0 && at(pat, p + 1) == b'*' {
                            p += 1;
                            plen -= 1;
                        }
                        if plen == 1 {
                            return true;
                        }
                        while slen > 0 {
                            if impl_(
                                &pat[p + 1..],
                                &s[si..],
                                nocase,
                                skip_longer_matches,
                                nesting + 1,
                            ) {
                                return true;
                            }
                            if *skip_longer_matches {
                                return false;
                            }
                            si += 1;
                            slen -= 1;
                        }
                        *skip_longer_matches = true;
                        return false;
                    }
                    b'?' => {
                        si += 1;
                        slen -= 1;
                    }
                    b'[' => {
                        p += 1;
                        plen -= 1;
                        let not = at(pat, p) == b'^';
                        if not {
                            p += 1;
                            plen -= 1;
                        }
                        let mut matched = false;
                        loop {
                            if at(pat, p) == b'\\' && plen >= 2 {
                                p += 1;
                                plen -= 1;
                                if at(pat, p) == at(s, si) {
                                    matched = true;
                                }
                            } else if at(pat, p) == b']' {
                                break;
                            } else if plen == 0 {
                                p -= 1;
                                plen += 1;
                                break;
                            } else if plen >= 3 && at(pat, p + 1) == b'-' {
                                // C `char` is signed on x86-64.
                                let mut start = i32::from(at(pat, p) as i8);
                                let mut end = i32::from(at(pat, p + 2) as i8);
                                let mut c = i32::from(at(s, si) as i8);
                                if start > end {
                                    std::mem::swap(&mut start, &mut end);
                                }
                                if nocase {
                                    start = c_tolower(start);
                                    end = c_tolower(end);
                                    c = c_tolower(c);
                                }
                                p += 2;
                                plen -= 2;
                                if c >= start && c <= end {
                                    matched = true;
                                }
                            } else if !nocase {
                                if at(pat, p) == at(s, si) {
                                    matched = true;
                                }
                            } else if tolower(at(pat, p)) == tolower(at(s, si)) {
                                matched = true;
                            }
                            p += 1;
                            plen -= 1;
                        }
                        if not {
                            matched = !matched;
                        }
                        if !matched {
                            return false;
                        }
                        si += 1;
                        slen -= 1;
                    }
                    first => {
                        let mut literal = first;
                        if first == b'\\' && plen >= 2 {
                            p += 1;
                            plen -= 1;
                            literal = at(pat, p);
                        }
                        let equal = if nocase {
                            tolower(literal) == tolower(at(s, si))
                        } else {
                            literal == at(s, si)
                        };
                        if !equal {
                            return false;
                        }
                        si += 1;
                        slen -= 1;
                    }
                }
                p += 1;
                plen -= 1;
                if slen == 0 {
                    while at(pat, p) == b'*' {
                        p += 1;
                        plen -= 1;
                    }
                    break;
                }
            }
            plen == 0 && slen == 0
        }

        /// glibc `tolower` on a (possibly negative) `char` in the C locale.
        fn c_tolower(c: i32) -> i32 {
            if (i32::from(b'A')..=i32::from(b'Z')).contains(&c) {
                c + 32
            } else {
                c
            }
        }
    }

    /// Small alphabet: every metacharacter, letters of both cases, bytes
    /// around the case-folding boundaries and two high (negative) bytes.
    const ALPHABET: &[u8] = b"*?[]^-\\aAbBzZ_`\x80\xe9";

    fn bytes(max_len: usize) -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(prop::sample::select(ALPHABET), 0..=max_len)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn agrees_with_redis_reference(
            pattern in bytes(10),
            text in bytes(8),
            nocase in any::<bool>(),
        ) {
            prop_assert_eq!(
                glob_match(&pattern, &text, nocase),
                redis_reference::stringmatchlen(&pattern, &text, nocase),
            );
        }

        /// Texts built from the pattern's own bytes (some with their ASCII
        /// case swapped), so that matches and near-misses are common.
        #[test]
        fn agrees_with_redis_reference_on_likely_matches(
            pattern in bytes(12),
            picks in prop::collection::vec(
                (any::<prop::sample::Index>(), any::<bool>()),
                1..10,
            ),
            nocase in any::<bool>(),
        ) {
            let text: Vec<u8> = if pattern.is_empty() {
                Vec::new()
            } else {
                picks
                    .iter()
                    .map(|(pick, swap_case)| {
                        let byte = *pick.get(&pattern);
                        if *swap_case && byte.is_ascii_alphabetic() {
                            byte ^ 0x20
                        } else {
                            byte
                        }
                    })
                    .collect()
            };
            prop_assert_eq!(
                glob_match(&pattern, &text, nocase),
                redis_reference::stringmatchlen(&pattern, &text, nocase),
            );
        }
    }
}
