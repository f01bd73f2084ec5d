//! Minimal arbitrary-precision unsigned integers, just enough for exact decimal <-> binary
//! conversion of x87 extended-precision values (see `f80.rs`).
//!
//! Limbs are `u32`, little-endian, with no most-significant zero limbs (zero is the empty vector),
//! so every intermediate product or quotient fits in a `u64`.

use std::cmp::Ordering;

/// 10^9, the largest power of ten that fits in a `u32` limb.
const TEN_POW_9: u32 = 1_000_000_000;

/// An unsigned arbitrary-precision integer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Big {
    limbs: Vec<u32>,
}

/// Low 32 bits of `v` (the truncation is the point).
fn lo32(v: u64) -> u32 {
    (v & 0xFFFF_FFFF) as u32 // masked to 32 bits first, so the cast is lossless
}

/// High 32 bits of `v`.
fn hi32(v: u64) -> u32 {
    (v >> 32) as u32 // only 32 bits remain after the shift, so the cast is lossless
}

impl Big {
    /// Zero.
    pub(crate) fn zero() -> Big {
        Big { limbs: Vec::new() }
    }

    /// The value `v`.
    pub(crate) fn from_u64(v: u64) -> Big {
        let mut b = Big {
            limbs: vec![lo32(v), hi32(v)],
        };
        b.trim();
        b
    }

    /// Drops most-significant zero limbs.
    fn trim(&mut self) {
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.limbs.is_empty()
    }

    /// Number of significant bits (0 for zero).
    pub(crate) fn bit_len(&self) -> usize {
        match self.limbs.last() {
            None => 0,
            Some(&top) => {
                // A `u32`'s leading_zeros() is at most 32, so the cast is lossless.
                (self.limbs.len() - 1) * 32 + (32 - top.leading_zeros() as usize)
            }
        }
    }

    /// `self = self * mul + add`.
    pub(crate) fn mul_add_small(&mut self, mul: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.limbs {
            // (2^32-1)^2 + (2^32-1) < 2^64: no overflow.
            let t = u64::from(*limb) * u64::from(mul) + carry;
            *limb = lo32(t);
            carry = u64::from(hi32(t));
        }
        if carry != 0 {
            self.limbs.push(lo32(carry));
        }
        self.trim();
    }

    /// `self *= 10^n`.
    pub(crate) fn mul_pow10(&mut self, mut n: usize) {
        while n >= 9 {
            self.mul_add_small(TEN_POW_9, 0);
            n -= 9;
        }
        let mut rest = 1u32;
        for _ in 0..n {
            rest *= 10; // n < 9 here, so at most 10^8: no overflow
        }
        if rest != 1 {
            self.mul_add_small(rest, 0);
        }
    }

    /// `self <<= bits`.
    pub(crate) fn shl(&mut self, bits: usize) {
        if self.is_zero() {
            return;
        }
        let bit_shift = bits % 32;
        if bit_shift != 0 {
            let mut carry = 0u32;
            for limb in &mut self.limbs {
                let wide = (u64::from(*limb) << bit_shift) | u64::from(carry);
                *limb = lo32(wide);
                carry = hi32(wide);
            }
            if carry != 0 {
                self.limbs.push(carry);
            }
        }
        let limb_shift = bits / 32;
        if limb_shift != 0 {
            self.limbs
                .splice(0..0, std::iter::repeat_n(0u32, limb_shift));
        }
    }

    /// `self >>= 1` (the lowest bit is discarded).
    pub(crate) fn shr1(&mut self) {
        let mut carry = 0u32;
        for limb in self.limbs.iter_mut().rev() {
            let next = *limb & 1;
            *limb = (*limb >> 1) | (carry << 31);
            carry = next;
        }
        self.trim();
    }

    /// Three-way comparison of values.
    pub(crate) fn cmp_value(&self, other: &Big) -> Ordering {
        self.limbs
            .len()
            .cmp(&other.limbs.len())
            .then_with(|| self.limbs.iter().rev().cmp(other.limbs.iter().rev()))
    }

    /// `self -= other`; the caller guarantees `self >= other`.
    pub(crate) fn sub_assign(&mut self, other: &Big) {
        let mut borrow = false;
        let mut rhs = other.limbs.iter();
        for limb in &mut self.limbs {
            let o = rhs.next().copied().unwrap_or(0);
            let (d1, b1) = limb.overflowing_sub(o);
            let (d2, b2) = d1.overflowing_sub(u32::from(borrow));
            *limb = d2;
            borrow = b1 || b2;
        }
        self.trim();
    }

    /// `self /= 10^9`, returning the remainder.
    fn div_rem_1e9(&mut self) -> u32 {
        // A constant divisor lets the compiler use multiplication instead of division.
        const D: u64 = TEN_POW_9 as u64; // u32 -> u64 widening (u64::from is not const)
        let mut rem = 0u64;
        for limb in self.limbs.iter_mut().rev() {
            let cur = (rem << 32) | u64::from(*limb);
            *limb = lo32(cur / D); // rem < D, so cur / D < 2^32
            rem = cur % D;
        }
        self.trim();
        lo32(rem) // rem < 10^9
    }

    /// Decimal digits of the value ("0" for zero).
    pub(crate) fn to_decimal(&self) -> String {
        let mut n = self.clone();
        let mut chunks = Vec::new();
        while !n.is_zero() {
            chunks.push(n.div_rem_1e9());
        }
        let mut out = String::with_capacity(chunks.len() * 9 + 1);
        let mut it = chunks.iter().rev();
        match it.next() {
            None => out.push('0'),
            Some(first) => out.push_str(&first.to_string()),
        }
        for chunk in it {
            out.push_str(&format!("{chunk:09}"));
        }
        out
    }

    /// Returns `(floor(self / y), self % y != 0)` where the caller guarantees that the quotient
    /// is below `2^nbits` (`nbits <= 128`).
    pub(crate) fn div_bits(mut self, y: &Big, nbits: u32) -> (u128, bool) {
        let mut ys = y.clone();
        // u32 -> usize is lossless on all supported (>= 32-bit) targets.
        ys.shl(nbits as usize);
        let mut q = 0u128;
        for i in (0..nbits.min(128)).rev() {
            ys.shr1();
            if self.cmp_value(&ys) != Ordering::Less {
                self.sub_assign(&ys);
                q |= 1u128 << i;
            }
        }
        (q, !self.is_zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(s: &str) -> Big {
        let mut b = Big::zero();
        for c in s.bytes() {
            b.mul_add_small(10, u32::from(c - b'0'));
        }
        b
    }

    #[test]
    fn decimal_round_trip() {
        for s in [
            "0",
            "1",
            "4294967295",
            "4294967296",
            "1000000000",
            "999999999999999999999999999999",
            "123456789012345678901234567890123456789",
        ] {
            assert_eq!(big(s).to_decimal(), s);
        }
        assert_eq!(Big::from_u64(u64::MAX).to_decimal(), u64::MAX.to_string());
    }

    #[test]
    fn shifts_pow10_and_division() {
        let mut b = Big::from_u64(3);
        b.shl(100);
        assert_eq!(b.to_decimal(), "3802951800684688204490109616128");
        assert_eq!(b.bit_len(), 102);
        b.shr1();
        assert_eq!(b.to_decimal(), "1901475900342344102245054808064");
        let mut p = Big::from_u64(7);
        p.mul_pow10(25);
        assert_eq!(p.to_decimal(), format!("7{}", "0".repeat(25)));
        let (q, rem) = big("1000").div_bits(&big("7"), 10);
        assert_eq!((q, rem), (142, true));
        let (q, rem) = big("1001").div_bits(&big("7"), 10);
        assert_eq!((q, rem), (143, false));
        let mut a = big("100000000000000000000");
        a.sub_assign(&big("1"));
        assert_eq!(a.to_decimal(), "99999999999999999999");
        assert_eq!(a.cmp_value(&big("99999999999999999999")), Ordering::Equal);
        assert_eq!(a.cmp_value(&big("100000000000000000000")), Ordering::Less);
    }
}
