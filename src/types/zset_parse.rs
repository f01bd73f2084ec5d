//! Parsing and formatting of sorted-set arguments: scores and weights as
//! Redis 7.0's `getDoubleFromObject` reads them, score and lex range bounds
//! as `zslParseRange` / `zslParseLexRangeItem` do, and scores as replies
//! write them.

use crate::number::format_double;
use crate::types::zset::{LexBound, ScoreBound};
use crate::{Error, Result};

/// Parses the longest prefix C's `strtod` would, for a whole string; `None`
/// if the string is not entirely a number. The flag says strtod would set
/// `ERANGE` (overflow to ±inf, or underflow to zero).
fn strtod_whole(s: &[u8]) -> Option<(f64, bool)> {
    let text = std::str::from_utf8(s).ok()?;
    let body = text.trim_start_matches(['+', '-']);
    if text.len() - body.len() > 1 {
        return None;
    }
    let neg = text.starts_with('-');
    if body.len() > 1 && (body.starts_with("0x") || body.starts_with("0X")) {
        let v = crate::number::f80::F80::parse(s)?.to_f64();
        return Some((v, v.is_infinite()));
    }
    // Rust's grammar matches strtod's decimal one except for words.
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity") {
        return Some((
            if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            },
            false,
        ));
    }
    if lower.starts_with("nan") {
        return Some((f64::NAN, false));
    }
    if !body
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || b == b'.')
    {
        return None;
    }
    let v: f64 = text.parse().ok()?;
    let nonzero_digits = body
        .split(['e', 'E'])
        .next()
        .is_some_and(|m| m.bytes().any(|b| (b'1'..=b'9').contains(&b)));
    let erange = v.is_infinite() || (v == 0.0 && nonzero_digits);
    Some((v, erange))
}

/// A score or weight argument, as Redis 7.0's `getDoubleFromObject`: the
/// whole string, no leading space, no overflow or underflow, not NaN.
pub(crate) fn parse_score(s: &[u8]) -> Option<f64> {
    if s.first().is_some_and(|b| is_c_space(*b)) {
        return None;
    }
    match strtod_whole(s)? {
        (v, false) if !v.is_nan() => Some(v),
        _ => None,
    }
}

fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

/// One end of a score range, as Redis's `zslParseRange`: `(` makes it
/// exclusive; leading space and out-of-range values pass, as with
/// `strtod`; an empty number is 0. `strtod` reads a C string, so the bound
/// ends at its first NUL byte (`1.5\0junk` is 1.5).
pub(crate) fn parse_score_bound(s: &[u8]) -> Result<ScoreBound> {
    let s = s.iter().position(|&b| b == 0).map_or(s, |nul| &s[..nul]);
    let (exclusive, num) = match s.split_first() {
        Some((b'(', rest)) => (true, rest),
        _ => (false, s),
    };
    let start = num
        .iter()
        .position(|b| !is_c_space(*b))
        .unwrap_or(num.len());
    let v = if num.is_empty() {
        0.0
    } else if start == num.len() {
        return Err(Error::ZMinMaxNotFloat);
    } else {
        match strtod_whole(&num[start..]) {
            Some((v, _)) if !v.is_nan() => v,
            _ => return Err(Error::ZMinMaxNotFloat),
        }
    };
    Ok(if exclusive {
        ScoreBound::Exclusive(v)
    } else {
        ScoreBound::Inclusive(v)
    })
}

/// One end of a lex range: `[x`, `(x`, `-` or `+`, as Redis's
/// `zslParseLexRangeItem`: `x` is taken whole (NUL bytes included), while
/// `-` and `+` only need a NUL byte after them (`c[1] != '\0'`), so `+\0y`
/// is `+`.
pub(crate) fn parse_lex_bound(s: &[u8]) -> Result<LexBound> {
    match s.split_first() {
        Some((b'[', rest)) => Ok(LexBound::Inclusive(rest.to_vec())),
        Some((b'(', rest)) => Ok(LexBound::Exclusive(rest.to_vec())),
        Some((b'-', [] | [0, ..])) => Ok(LexBound::Min),
        Some((b'+', [] | [0, ..])) => Ok(LexBound::Max),
        _ => Err(Error::ZMinMaxNotLex),
    }
}

/// A score as Redis 7.0 writes it in replies and in propagated commands.
pub(crate) fn score_text(score: f64) -> String {
    format_double(score)
}

impl ScoreBound {
    /// The bound as a command argument.
    pub(crate) fn to_arg(self) -> Vec<u8> {
        match self {
            ScoreBound::Inclusive(v) => score_text(v).into_bytes(),
            ScoreBound::Exclusive(v) => format!("({}", score_text(v)).into_bytes(),
        }
    }

    /// Whether a score lies before this bound taken as a minimum.
    pub(crate) fn below_min(self, score: f64) -> bool {
        match self {
            ScoreBound::Inclusive(m) => score < m,
            ScoreBound::Exclusive(m) => score <= m,
        }
    }

    /// Whether a score lies within this bound taken as a maximum.
    pub(crate) fn within_max(self, score: f64) -> bool {
        match self {
            ScoreBound::Inclusive(m) => score <= m,
            ScoreBound::Exclusive(m) => score < m,
        }
    }
}

impl LexBound {
    /// The bound as a command argument.
    pub(crate) fn to_arg(&self) -> Vec<u8> {
        let with = |c: u8, m: &[u8]| {
            let mut v = Vec::with_capacity(m.len() + 1);
            v.push(c);
            v.extend_from_slice(m);
            v
        };
        match self {
            LexBound::Inclusive(m) => with(b'[', m),
            LexBound::Exclusive(m) => with(b'(', m),
            LexBound::Min => b"-".to_vec(),
            LexBound::Max => b"+".to_vec(),
        }
    }

    /// Whether a member lies before this bound taken as a minimum.
    pub(crate) fn below_min(&self, member: &[u8]) -> bool {
        match self {
            LexBound::Inclusive(m) => member < m.as_slice(),
            LexBound::Exclusive(m) => member <= m.as_slice(),
            LexBound::Min => false,
            LexBound::Max => true,
        }
    }

    /// Whether a member lies within this bound taken as a maximum.
    pub(crate) fn within_max(&self, member: &[u8]) -> bool {
        match self {
            LexBound::Inclusive(m) => member <= m.as_slice(),
            LexBound::Exclusive(m) => member < m.as_slice(),
            LexBound::Min => false,
            LexBound::Max => true,
        }
    }
}
