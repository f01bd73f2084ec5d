//! Number parsing and formatting with Redis's exact rules (its `util.c`).

pub(crate) mod bignum;
pub(crate) mod f80;

/// Redis's `string2ll`: a strict base-10 `i64`.
///
/// No leading `+`, no leading zeros (but `"0"`), no `"-0"`, no spaces, at most
/// 20 bytes, no overflow. This is what makes `"007"` a string and `"7"` an
/// integer, and what every integer argument must satisfy.
pub(crate) fn parse_i64(s: &[u8]) -> Option<i64> {
    // LONG_STR_SIZE (21) includes the terminating NUL.
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    // Accumulate as a negative number so that i64::MIN parses.
    let mut acc: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        acc = acc.checked_mul(10)?.checked_sub(i64::from(c - b'0'))?;
    }
    if negative {
        Some(acc)
    } else {
        acc.checked_neg()
    }
}

/// C's `strtoul` as Redis's `parseScanCursorOrReply` uses it: optional sign
/// (a `-` negates modulo 2^64, as strtoul does), decimal digits, nothing
/// after them, no leading space, and overflow rejected. An empty string is 0.
pub(crate) fn parse_scan_cursor(s: &[u8]) -> Option<u64> {
    let (negative, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, s),
    };
    if digits.is_empty() {
        // strtoul consumed nothing: the end pointer is the start, which is
        // only "the whole string" when the string is empty.
        return if s.is_empty() { Some(0) } else { None };
    }
    let mut acc: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        acc = acc.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(if negative { acc.wrapping_neg() } else { acc })
}

/// The decimal form of `n`, as bytes.
#[cfg(test)]
pub(crate) fn i64_to_bytes(n: i64) -> Vec<u8> {
    itoa::Buffer::new().format(n).as_bytes().to_vec()
}

/// C's `printf("%.17g", d)` as Redis 7.0 formats doubles in replies
/// (`addReplyDouble`), with `inf`/`-inf` spelled as Redis spells them.
pub(crate) fn format_double(d: f64) -> String {
    if d.is_nan() {
        return "nan".to_owned();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    // 17 significant digits, correctly rounded, in scientific notation.
    let sci = format!("{d:.16e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let Ok(exp) = exp.parse::<i32>() else {
        return sci;
    };
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    // %g picks fixed notation when -4 <= exp < precision.
    if (-4..17).contains(&exp) {
        let mut out = String::from(sign);
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(digits);
        } else {
            let int_len = usize::try_from(exp).unwrap_or(0) + 1;
            if digits.len() <= int_len {
                out.push_str(digits);
                for _ in digits.len()..int_len {
                    out.push('0');
                }
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        }
        out
    } else {
        let mut out = String::from(sign);
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let abs = exp.unsigned_abs();
        if abs < 10 {
            out.push('0');
        }
        out.push_str(&abs.to_string());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parse_i64_is_strict() {
        for ok in [
            "0",
            "1",
            "-1",
            "9223372036854775807",
            "-9223372036854775808",
            "10",
        ] {
            assert_eq!(parse_i64(ok.as_bytes()), ok.parse::<i64>().ok(), "{ok}");
        }
        for bad in [
            "",
            "-",
            "-0",
            "+1",
            "01",
            "00",
            " 1",
            "1 ",
            "1.0",
            "9223372036854775808",
            "-9223372036854775809",
            "123456789012345678901",
            "1a",
            "0x1",
        ] {
            assert_eq!(parse_i64(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn scan_cursor_follows_strtoul() {
        assert_eq!(parse_scan_cursor(b"0"), Some(0));
        assert_eq!(parse_scan_cursor(b""), Some(0));
        assert_eq!(parse_scan_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_scan_cursor(b"+5"), Some(5));
        assert_eq!(parse_scan_cursor(b"007"), Some(7));
        assert_eq!(parse_scan_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_scan_cursor(b"18446744073709551616"), None);
        assert_eq!(parse_scan_cursor(b"abc"), None);
        assert_eq!(parse_scan_cursor(b" 1"), None);
        assert_eq!(parse_scan_cursor(b"-"), None);
    }

    #[test]
    fn format_double_matches_printf_17g() {
        // Recorded from glibc's printf("%.17g").
        let cases: &[(f64, &str)] = &[
            (1.5, "1.5"),
            (0.1, "0.10000000000000001"),
            (100.0, "100"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (1.25e-5, "1.2500000000000001e-05"),
            (0.0001, "0.0001"),
            (-2.5, "-2.5"),
            (123456789.125, "123456789.125"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "4.9406564584124654e-324"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (3.0, "3"),
            (-0.0, "-0"),
        ];
        for (d, want) in cases {
            assert_eq!(format_double(*d), *want, "{d:e}");
        }
    }

    proptest! {
        #[test]
        fn parse_i64_round_trips(n in any::<i64>()) {
            prop_assert_eq!(parse_i64(&i64_to_bytes(n)), Some(n));
        }

        #[test]
        fn format_double_round_trips(d in any::<f64>().prop_filter("finite", |d| d.is_finite())) {
            let text = format_double(d);
            prop_assert_eq!(text.parse::<f64>().ok(), Some(d));
        }
    }
}
