//! Software x87 80-bit extended precision (C `long double` on x86_64 Linux), limited to what
//! Redis's INCRBYFLOAT / HINCRBYFLOAT need: parsing like Redis 7.0's `string2ld` (glibc
//! `strtold`), exact conversion from `i64`, addition rounded like the x87 FPU in 64-bit precision
//! mode, and formatting like Redis's `ld2string(LD_STR_HUMAN)` (glibc `"%.17Lf"` plus trimming).
//!
//! All decimal <-> binary conversions are exact (big-integer arithmetic), so results are
//! bit-for-bit and byte-for-byte those of glibc.

use super::bignum::Big;

/// Exponent bias of the x87 extended format.
const BIAS: i64 = 16383;
/// Biased exponent field of infinities and NaNs.
const EXP_SPECIAL: u16 = 0x7FFF;
/// Binary weight of the significand's lowest bit for denormals and for exponent field 1:
/// such a value is `mant * 2^MIN_SCALE`.
const MIN_SCALE: i64 = 1 - BIAS - 63;
/// Redis's `MAX_LONG_DOUBLE_CHARS`: the size of `string2ld`'s and `ld2string`'s buffers.
const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;
/// Decimal and binary exponents written in the input are clamped to this magnitude before any
/// arithmetic; anything that large over- or underflows whatever the digits are.
const EXP_CLAMP: i64 = 1_000_000_000_000;
/// A non-zero decimal whose leading digit has weight `10^e` with `e >= this` exceeds the
/// largest finite value (about 1.19e4932), so it overflows.
const DEC_OVERFLOW_LEAD_EXP: i64 = 4933;
/// A decimal below `10^this` is less than half the smallest denormal (about 3.65e-4951), so it
/// rounds to zero.
const DEC_UNDERFLOW_EXP: i64 = -4951;
/// glibc's strtold takes its denormal rounding path for values below `2^this` (LDBL_MIN).
const MIN_NORMAL_EXP: i64 = -16382;

/// An x87 80-bit extended-precision value (C `long double` on x86_64 Linux).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct F80 {
    /// Sign bit.
    neg: bool,
    /// Biased exponent field: 0 for zero and denormals, 0x7FFF for infinities and NaNs.
    exp: u16,
    /// Significand with explicit integer bit (bit 63), which is set exactly for normal numbers
    /// and infinities/NaNs (pseudo-denormals and unnormals are never produced).
    mant: u64,
}

impl F80 {
    fn zero(neg: bool) -> F80 {
        F80 {
            neg,
            exp: 0,
            mant: 0,
        }
    }

    fn inf(neg: bool) -> F80 {
        F80 {
            neg,
            exp: EXP_SPECIAL,
            mant: 1 << 63,
        }
    }

    /// The x87 "real indefinite" NaN that an invalid operation (inf - inf) produces.
    fn default_nan() -> F80 {
        F80 {
            neg: true,
            exp: EXP_SPECIAL,
            mant: 0xC000_0000_0000_0000,
        }
    }

    fn is_nan(self) -> bool {
        self.exp == EXP_SPECIAL && self.mant << 1 != 0
    }

    fn is_inf(self) -> bool {
        self.exp == EXP_SPECIAL && self.mant << 1 == 0
    }

    fn is_zero(self) -> bool {
        self.exp == 0 && self.mant == 0
    }

    /// Binary weight of the significand's lowest bit (finite values): `value = mant * 2^scale`.
    fn scale(self) -> i64 {
        i64::from(self.exp.max(1)) - BIAS - 63
    }

    /// Parse like Redis 7.0's `string2ld`: the whole input must be consumed by glibc `strtold`
    /// (decimal with optional sign, digits, '.', exponent; hex floats `0x1.8p3`; `inf`/`infinity`
    /// case-insensitively), must not start with whitespace, must be non-empty and shorter than
    /// 5*1024 bytes (MAX_LONG_DOUBLE_CHARS), must not be NaN, and an out-of-range result
    /// (strtold's ERANGE with ±inf or zero result) is rejected. Denormal results that strtold
    /// accepts are accepted. Correctly rounded (round-half-even), as glibc does.
    pub(crate) fn parse(s: &[u8]) -> Option<F80> {
        if s.is_empty() || s.len() >= MAX_LONG_DOUBLE_CHARS {
            return None;
        }
        // string2ld rejects a leading isspace() byte (C locale); strtold would skip it.
        if matches!(s.first(), Some(b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')) {
            return None;
        }
        let (neg, body) = match s.split_first() {
            Some((b'-', rest)) => (true, rest),
            Some((b'+', rest)) => (false, rest),
            _ => (false, s),
        };
        if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
            return Some(F80::inf(neg));
        }
        // Anything else strtold accepts is a decimal or hex number; "nan..." is rejected by
        // string2ld, and input that strtold does not consume entirely is rejected too, so a
        // grammar mismatch anywhere means None.
        let value = match body {
            [b'0', b'x' | b'X', hex @ ..] => parse_hex(neg, hex)?,
            _ => parse_decimal(neg, body)?,
        };
        // A non-zero input that rounded to zero or infinity is strtold's ERANGE case.
        if value.is_inf() {
            return None;
        }
        Some(value)
    }

    /// The exact value of `v`.
    pub(crate) fn from_i64(v: i64) -> F80 {
        let m = v.unsigned_abs();
        if m == 0 {
            return F80::zero(false);
        }
        let lz = m.leading_zeros(); // < 64 since m != 0
        F80 {
            neg: v < 0,
            // 16383 + 63 - lz lies in 16383..=16446: fits in u16.
            exp: (16383 + 63 - lz) as u16,
            mant: m << lz,
        }
    }

    /// `self + other`, rounded to nearest-even as the x87 FPU does in 64-bit precision mode.
    pub(crate) fn add(self, other: F80) -> F80 {
        if self.is_nan() || other.is_nan() {
            return add_nan(self, other);
        }
        if self.is_inf() || other.is_inf() {
            return match (self.is_inf(), other.is_inf()) {
                (true, true) if self.neg != other.neg => F80::default_nan(),
                (true, _) => self,
                _ => other,
            };
        }
        if self.is_zero() && other.is_zero() {
            // Round-to-nearest: -0 + -0 = -0, any other combination of zeros is +0.
            return F80::zero(self.neg && other.neg);
        }
        if other.is_zero() {
            return self;
        }
        if self.is_zero() {
            return other;
        }
        let (big, small) = if self.scale() >= other.scale() {
            (self, other)
        } else {
            (other, self)
        };
        // Place the larger-scale significand at bits 126..63 and the other one aligned to it.
        // Bits shifted out of the smaller one are "jammed" into bit 0: with 63 guard bits this
        // keeps the rounding exact (a cancellation of more than one bit only happens when the
        // scales differ by at most one, and then nothing is shifted out).
        let a = u128::from(big.mant) << 63;
        let diff = big.scale() - small.scale(); // >= 0
        let b = shift_right_jam(u128::from(small.mant) << 63, diff);
        let e = big.scale() - 63;
        if big.neg == small.neg {
            // a, b < 2^127, so the sum fits.
            round_pack(big.neg, a + b, e, false)
        } else if a > b {
            round_pack(big.neg, a - b, e, false)
        } else if b > a {
            round_pack(small.neg, b - a, e, false)
        } else {
            F80::zero(false) // exact cancellation gives +0 when rounding to nearest
        }
    }

    /// The nearest `f64` (for range checks; precision beyond `f64` is lost).
    pub(crate) fn to_f64(self) -> f64 {
        let magnitude = if self.is_inf() {
            f64::INFINITY
        } else if self.is_nan() {
            f64::NAN
        } else {
            // Two steps so a tiny scale does not underflow before multiplying.
            let scale = self.scale();
            let half = scale / 2;
            self.mant as f64 * 2f64.powi(half as i32) * 2f64.powi((scale - half) as i32)
        };
        if self.neg { -magnitude } else { magnitude }
    }

    /// False for infinities and NaNs.
    pub(crate) fn is_finite(self) -> bool {
        self.exp != EXP_SPECIAL
    }

    /// Redis's `ld2string(LD_STR_HUMAN)`: "%.17Lf" rounded exactly as glibc printf does
    /// (exact decimal expansion, round-half-even on exact ties), trailing zeros trimmed,
    /// "-0" -> "0". Returns None when glibc's output would not fit Redis's 5*1024-byte
    /// buffer (MAX_LONG_DOUBLE_CHARS), mirroring ld2string's error path; also None for inf/NaN.
    pub(crate) fn to_human_string(self) -> Option<String> {
        if !self.is_finite() {
            return None;
        }
        let mut out = String::new();
        if self.neg {
            out.push('-');
        }
        let scale = self.scale();
        let frac = if scale >= 0 {
            // An integer: mant * 2^scale, printed exactly; the 17 fraction digits are all zero.
            let mut n = Big::from_u64(self.mant);
            n.shl(usize::try_from(scale).ok()?);
            out.push_str(&n.to_decimal());
            String::new()
        } else {
            // round(mant * 10^17 / 2^-scale), ties to even; mant * 10^17 < 2^64 * 2^57.
            let x = u128::from(self.mant) * 100_000_000_000_000_000;
            let q = shift_right_round_even(x, scale.unsigned_abs(), false);
            let digits = format!("{q:018}"); // at least 18 digits: "0" and 17 decimals
            let (int_part, frac_part) = digits.split_at_checked(digits.len().saturating_sub(17))?;
            out.push_str(int_part);
            frac_part.trim_end_matches('0').to_owned()
        };
        // glibc's output is what we have so far plus '.' and 17 digits; ld2string fails when
        // that plus the terminating NUL does not fit its buffer.
        if out.len() + 18 + 1 > MAX_LONG_DOUBLE_CHARS {
            return None;
        }
        if !frac.is_empty() {
            out.push('.');
            out.push_str(&frac);
        }
        if out == "-0" {
            out = "0".to_owned();
        }
        Some(out)
    }
}

/// NaN propagation for addition, as the x87 does: a NaN operand is returned quieted; of two NaNs
/// the one with the larger significand wins.
fn add_nan(a: F80, b: F80) -> F80 {
    let pick = match (a.is_nan(), b.is_nan()) {
        (true, true) => {
            if (b.mant << 1) > (a.mant << 1) {
                b
            } else {
                a
            }
        }
        (true, false) => a,
        _ => b,
    };
    F80 {
        mant: pick.mant | 0xC000_0000_0000_0000,
        ..pick
    }
}

/// `m >> shift` with every shifted-out bit ORed into bit 0 (sticky).
fn shift_right_jam(m: u128, shift: i64) -> u128 {
    match u32::try_from(shift) {
        Ok(0) => m,
        Ok(s) if s < 128 => (m >> s) | u128::from(m & ((1u128 << s) - 1) != 0),
        _ => u128::from(m != 0),
    }
}

/// `(m + f) / 2^shift` rounded to nearest, ties to even, where `f` is a fraction in (0, 1) when
/// `sticky` and 0 otherwise (`shift >= 1`; a sticky fraction only matters for `shift >= 1`).
fn shift_right_round_even(m: u128, shift: u64, sticky: bool) -> u128 {
    if shift == 0 {
        return m;
    }
    let (kept, half, below) = if shift > 128 {
        (0, false, m != 0)
    } else if shift == 128 {
        (0, m >> 127 == 1, m & (u128::MAX >> 1) != 0)
    } else {
        // 1 <= shift <= 127
        let half_bit = 1u128 << (shift - 1);
        (m >> shift, m & half_bit != 0, m & (half_bit - 1) != 0)
    };
    if half && (below || sticky || kept & 1 == 1) {
        kept + 1 // kept < 2^127, no overflow
    } else {
        kept
    }
}

/// Rounds `(m + f) * 2^e` to the nearest F80 (ties to even), with gradual underflow and
/// overflow to infinity. `f` is a fraction in (0, 1) when `sticky`, else 0; callers only pass
/// `sticky` with `m >= 2^65`, so it always lies below the rounding position.
fn round_pack(neg: bool, m: u128, e: i64, sticky: bool) -> F80 {
    if m == 0 {
        return F80::zero(neg);
    }
    let bit_len = i64::from(128 - m.leading_zeros());
    // Right shift that leaves 64 significant bits, or more when the result is denormal.
    let shift = (bit_len - 64).max(MIN_SCALE.saturating_sub(e));
    let mut scale = e.saturating_add(shift);
    let mut mant = if shift <= 0 {
        // Exact: -shift <= 64 - bit_len, so the result stays below 2^64.
        m << shift.unsigned_abs()
    } else {
        shift_right_round_even(m, shift.unsigned_abs(), sticky)
    };
    if mant >> 64 != 0 {
        // Rounding carried out of 64 bits: the result is exactly 2^64.
        mant >>= 1;
        scale = scale.saturating_add(1);
    }
    let Ok(mant) = u64::try_from(mant) else {
        return F80::inf(neg); // unreachable: mant < 2^64 here
    };
    if mant >> 63 == 0 {
        // Zero or denormal (then scale == MIN_SCALE).
        return F80 { neg, exp: 0, mant };
    }
    let field = scale.saturating_add(BIAS + 63); // >= 1 because scale >= MIN_SCALE
    match u16::try_from(field) {
        Ok(exp) if exp < EXP_SPECIAL => F80 { neg, exp, mant },
        _ => F80::inf(neg),
    }
}

/// Splits `s` after its longest prefix of bytes satisfying `pred`.
fn split_while(s: &[u8], pred: impl Fn(&u8) -> bool) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|c| pred(c)).count();
    s.split_at_checked(n).unwrap_or((s, &[]))
}

/// Splits `digits[.digits]` off the front of `s`; None when there is no digit at all.
fn split_mantissa(s: &[u8], is_digit: fn(&u8) -> bool) -> Option<(&[u8], &[u8], &[u8])> {
    let (int_part, rest) = split_while(s, is_digit);
    let (frac_part, rest) = match rest.split_first() {
        Some((b'.', after)) => split_while(after, is_digit),
        _ => (&[][..], rest),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    Some((int_part, frac_part, rest))
}

/// Parses an exponent suffix (`marker`, optional sign, decimal digits) that must make up all of
/// `s`; an empty `s` means exponent 0. The magnitude saturates at `EXP_CLAMP`.
fn parse_exponent(s: &[u8], marker: u8) -> Option<i64> {
    let Some((&m, tail)) = s.split_first() else {
        return Some(0);
    };
    if !m.eq_ignore_ascii_case(&marker) {
        return None;
    }
    let (neg, digits) = match tail.split_first() {
        Some((b'-', d)) => (true, d),
        Some((b'+', d)) => (false, d),
        _ => (false, tail),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = (v * 10 + i64::from(c - b'0')).min(EXP_CLAMP);
    }
    Some(if neg { -v } else { v })
}

/// Length of a byte slice as i64 (inputs are shorter than MAX_LONG_DOUBLE_CHARS).
fn len_i64(s: &[u8]) -> i64 {
    i64::try_from(s.len()).unwrap_or(i64::MAX)
}

/// Decimal `digits[.digits][(e|E)[+-]digits]` after the sign; correctly rounded. Returns an
/// infinity for overflow and None for a non-zero value that rounds to zero.
fn parse_decimal(neg: bool, s: &[u8]) -> Option<F80> {
    let (int_part, frac_part, rest) = split_mantissa(s, u8::is_ascii_digit)?;
    let exp = parse_exponent(rest, b'e')?;
    let digits = || int_part.iter().chain(frac_part.iter());
    let total = int_part.len() + frac_part.len();
    let leading_zeros = digits().take_while(|&&c| c == b'0').count();
    if leading_zeros == total {
        return Some(F80::zero(neg)); // zero, whatever the exponent (no ERANGE in glibc)
    }
    let trailing_zeros = digits().rev().take_while(|&&c| c == b'0').count();
    let n = total - leading_zeros - trailing_zeros; // >= 1 significant digits
    // value = D * 10^e10, with D the n significant digits.
    let n_i = i64::try_from(n).unwrap_or(i64::MAX);
    let trailing_i = i64::try_from(trailing_zeros).unwrap_or(0);
    let e10 = exp - len_i64(frac_part) + trailing_i;
    if n_i - 1 + e10 >= DEC_OVERFLOW_LEAD_EXP {
        return Some(F80::inf(neg));
    }
    if n_i + e10 <= DEC_UNDERFLOW_EXP {
        return None;
    }
    // Now |e10| <= ~10^4, so the big integers below stay at a few thousand limbs at most.
    let mut x = Big::zero();
    let mut chunk = 0u32;
    let mut chunk_len = 0;
    for &c in digits().skip(leading_zeros).take(n) {
        chunk = chunk * 10 + u32::from(c - b'0');
        chunk_len += 1;
        if chunk_len == 9 {
            x.mul_add_small(1_000_000_000, chunk);
            (chunk, chunk_len) = (0, 0);
        }
    }
    if chunk_len > 0 {
        x.mul_add_small(10u32.pow(chunk_len), chunk);
    }
    let mut y = Big::from_u64(1);
    let pow = usize::try_from(e10.unsigned_abs()).ok()?;
    if e10 >= 0 {
        x.mul_pow10(pow);
    } else {
        y.mul_pow10(pow);
    }
    // q = floor(x * 2^k / y) with k chosen so that 2^65 < q < 2^67; value = (q + f) * 2^-k.
    let bits = |b: &Big| i64::try_from(b.bit_len()).unwrap_or(i64::MAX);
    let k = 66 - (bits(&x) - bits(&y));
    if k >= 0 {
        x.shl(usize::try_from(k).ok()?);
    } else {
        y.shl(usize::try_from(k.unsigned_abs()).ok()?);
    }
    let (q, inexact) = x.div_bits(&y, 67);
    let value = round_pack(neg, q, -k, inexact);
    if value.is_zero() {
        return None;
    }
    Some(value)
}

/// Hex float after "0x": `hexdigits[.hexdigits][(p|P)[+-]digits]`. Returns an infinity for
/// overflow and None for a non-zero value that rounds to zero.
fn parse_hex(neg: bool, s: &[u8]) -> Option<F80> {
    let (int_part, frac_part, rest) = split_mantissa(s, u8::is_ascii_hexdigit)?;
    let exp = parse_exponent(rest, b'p')?;
    // value = (m + f) * 2^e, keeping up to 124 significant bits in m and the rest as sticky.
    let mut m = 0u128;
    let mut e = exp;
    let mut sticky = false;
    for (i, &c) in int_part.iter().chain(frac_part.iter()).enumerate() {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None, // split_mantissa only lets hex digits through
        };
        let is_frac = i >= int_part.len();
        if m >> 120 == 0 {
            m = (m << 4) | u128::from(d);
            if is_frac {
                e -= 4;
            }
        } else {
            sticky |= d != 0;
            if !is_frac {
                e += 4;
            }
        }
    }
    if m == 0 {
        return Some(F80::zero(neg));
    }
    let bit_len = 128 - m.leading_zeros();
    // glibc quirk (2.36, strtod_l.c round_and_return): when the value is below LDBL_MIN, the
    // bit right after the first 64 significant bits is dropped before rounding to a denormal,
    // e.g. "0x1.0000000000000001p-16446" gives 0 (ERANGE) instead of the smallest denormal.
    if bit_len >= 65 && i64::from(bit_len) - 1 + e < MIN_NORMAL_EXP {
        m &= !(1u128 << (bit_len - 65));
    }
    let value = round_pack(neg, m, e, sticky);
    if value.is_zero() {
        return None;
    }
    Some(value)
}

#[cfg(test)]
impl F80 {
    /// Builds a value from its 80-bit encoding: sign (bit 79), 15-bit biased exponent
    /// (bits 78..64) and 64-bit significand, i.e. the bytes of a C `long double` read as a
    /// little-endian integer.
    pub(crate) fn from_bits(bits: u128) -> F80 {
        F80 {
            neg: (bits >> 79) & 1 == 1,
            exp: ((bits >> 64) & 0x7FFF) as u16, // masked to 15 bits
            mant: bits as u64,                   // low 64 bits: truncation intended
        }
    }

    /// The 80-bit encoding (inverse of `from_bits`).
    pub(crate) fn to_bits(self) -> u128 {
        (u128::from(self.neg) << 79) | (u128::from(self.exp) << 64) | u128::from(self.mant)
    }
}

#[cfg(test)]
#[path = "f80_tests.rs"]
mod tests;
