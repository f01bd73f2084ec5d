//! `LCS`: the longest common subsequence of two strings, computed as Redis
//! 7.0 does (the dynamic-programming table and the same walk back through
//! it), so that among several equally long answers we return Redis's.

use crate::{Error, Result, Store};

/// One run of bytes common to both strings, as `LCS … IDX` reports it:
/// inclusive byte ranges in each string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LcsMatch {
    /// First and last byte of the run in the first string.
    pub a: (usize, usize),
    /// First and last byte of the run in the second string.
    pub b: (usize, usize),
    /// Length of the run.
    pub len: usize,
}

/// The answer of `LCS … IDX`: the runs, last ones first (Redis's order), and
/// the length of the whole subsequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LcsIdx {
    /// The matching runs, from the end of the strings to their start.
    pub matches: Vec<LcsMatch>,
    /// Length of the longest common subsequence.
    pub len: usize,
}

/// What `LCS` computes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LcsMode {
    Subsequence,
    Len,
    Idx { min_len: usize },
}

/// What `LCS` answers, per mode.
pub(crate) enum LcsAnswer {
    Subsequence(Vec<u8>),
    Len(usize),
    Idx(LcsIdx),
}

/// Computes `mode` for two strings; `limit` bounds the work table's bytes.
pub(crate) fn compute(a: &[u8], b: &[u8], mode: LcsMode, limit: usize) -> Result<LcsAnswer> {
    match mode {
        LcsMode::Len => {
            check_table_size(a.len(), b.len(), limit)?;
            Ok(LcsAnswer::Len(lcs_length(a, b)))
        }
        LcsMode::Subsequence => {
            let table = Table::build(a, b, limit)?;
            Ok(LcsAnswer::Subsequence(table.walk(a, b, 0).0))
        }
        LcsMode::Idx { min_len } => {
            let table = Table::build(a, b, limit)?;
            let (_, matches) = table.walk(a, b, min_len);
            Ok(LcsAnswer::Idx(LcsIdx {
                matches,
                len: table.at(a.len(), b.len()) as usize,
            }))
        }
    }
}

impl Store {
    /// `LCS key1 key2`: the longest common subsequence of two strings
    /// (missing keys are empty strings).
    ///
    /// # Errors
    ///
    /// [`Error::LcsWrongType`] if a key holds a non-string;
    /// [`Error::LcsTooLarge`] when the work table would exceed the maximum
    /// string size (Redis's limit).
    ///
    /// ```
    /// # let store = kvstore::Store::new();
    /// store.mset([("key1", "ohmytext"), ("key2", "mynewtext")])?;
    /// assert_eq!(store.lcs("key1", "key2")?, b"mytext".to_vec());
    /// assert_eq!(store.lcs_len("key1", "key2")?, 6);
    /// # Ok::<(), kvstore::Error>(())
    /// ```
    pub fn lcs(&self, key1: impl AsRef<[u8]>, key2: impl AsRef<[u8]>) -> Result<Vec<u8>> {
        match self.lcs_generic(key1.as_ref(), key2.as_ref(), LcsMode::Subsequence)? {
            LcsAnswer::Subsequence(s) => Ok(s),
            _ => Ok(Vec::new()),
        }
    }

    /// `LCS key1 key2 LEN`: the length of the longest common subsequence.
    ///
    /// # Errors
    ///
    /// As [`Store::lcs`].
    pub fn lcs_len(&self, key1: impl AsRef<[u8]>, key2: impl AsRef<[u8]>) -> Result<usize> {
        match self.lcs_generic(key1.as_ref(), key2.as_ref(), LcsMode::Len)? {
            LcsAnswer::Len(n) => Ok(n),
            _ => Ok(0),
        }
    }

    /// `LCS key1 key2 IDX [MINMATCHLEN n]`: the matching runs of at least
    /// `min_match_len` bytes, and the total length.
    ///
    /// # Errors
    ///
    /// As [`Store::lcs`].
    pub fn lcs_idx(
        &self,
        key1: impl AsRef<[u8]>,
        key2: impl AsRef<[u8]>,
        min_match_len: usize,
    ) -> Result<LcsIdx> {
        let mode = LcsMode::Idx {
            min_len: min_match_len,
        };
        match self.lcs_generic(key1.as_ref(), key2.as_ref(), mode)? {
            LcsAnswer::Idx(idx) => Ok(idx),
            _ => Ok(LcsIdx {
                matches: Vec::new(),
                len: 0,
            }),
        }
    }

    fn lcs_generic(&self, key1: &[u8], key2: &[u8], mode: LcsMode) -> Result<LcsAnswer> {
        let (a, b) = self.lcs_inputs(key1, key2)?;
        compute(&a, &b, mode, self.inner.settings.max_string_len())
    }

    /// Both strings, read atomically, copied so the locks are released before
    /// the quadratic work.
    pub(crate) fn lcs_inputs(&self, key1: &[u8], key2: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
        let mut values = self
            .read_keys(&[key1, key2], |slot| match slot {
                None => Ok(Vec::new()),
                Some(slot) => slot.value().to_str_vec().map_err(|_| Error::LcsWrongType),
            })
            .into_iter();
        let a = values.next().unwrap_or(Ok(Vec::new()));
        let b = values.next().unwrap_or(Ok(Vec::new()));
        Ok((a?, b?))
    }
}

/// Redis refuses a table larger than `proto-max-bulk-len` bytes.
fn check_table_size(alen: usize, blen: usize, limit: usize) -> Result<usize> {
    let cells = (alen as u128 + 1) * (blen as u128 + 1);
    if cells * 4 > limit as u128 || alen >= u32::MAX as usize - 1 || blen >= u32::MAX as usize - 1 {
        return Err(Error::LcsTooLarge);
    }
    usize::try_from(cells).map_err(|_| Error::LcsTooLarge)
}

/// The LCS length with two rows of the table: O(min) memory.
fn lcs_length(a: &[u8], b: &[u8]) -> usize {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    let mut prev = vec![0u32; short.len() + 1];
    let mut row = vec![0u32; short.len() + 1];
    for &x in long {
        for (j, &y) in short.iter().enumerate() {
            row[j + 1] = if x == y {
                prev[j] + 1
            } else {
                prev[j + 1].max(row[j])
            };
        }
        std::mem::swap(&mut prev, &mut row);
    }
    prev[short.len()] as usize
}

/// The full LCS table: `at(i, j)` is the LCS length of `a[..i]` and `b[..j]`.
struct Table {
    cells: Vec<u32>,
    width: usize,
}

impl Table {
    fn build(a: &[u8], b: &[u8], limit: usize) -> Result<Table> {
        let cells = check_table_size(a.len(), b.len(), limit)?;
        let width = b.len() + 1;
        let mut t = Table {
            cells: vec![0; cells],
            width,
        };
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let v = if a[i - 1] == b[j - 1] {
                    t.at(i - 1, j - 1) + 1
                } else {
                    t.at(i - 1, j).max(t.at(i, j - 1))
                };
                t.cells[i * width + j] = v;
            }
        }
        Ok(t)
    }

    fn at(&self, i: usize, j: usize) -> u32 {
        self.cells[i * self.width + j]
    }

    /// Walks back from the end as Redis's `lcsCommand` does, returning the
    /// subsequence and the runs of at least `min_len` bytes.
    fn walk(&self, a: &[u8], b: &[u8], min_len: usize) -> (Vec<u8>, Vec<LcsMatch>) {
        let total = self.at(a.len(), b.len()) as usize;
        let mut out = vec![0u8; total];
        let mut matches = Vec::new();
        let mut fill = total;
        let (mut i, mut j) = (a.len(), b.len());
        // The run being tracked: (a_start, a_end, b_start, b_end).
        let mut run: Option<(usize, usize, usize, usize)> = None;
        while i > 0 && j > 0 {
            let mut emit = false;
            if a[i - 1] == b[j - 1] {
                fill -= 1;
                out[fill] = a[i - 1];
                run = match run {
                    None => Some((i - 1, i - 1, j - 1, j - 1)),
                    // Matches on the diagonal extend the run backwards.
                    Some((s, e, bs, be)) => Some((s - 1, e, bs - 1, be)),
                };
                if let Some((s, _, bs, _)) = run
                    && (s == 0 || bs == 0)
                {
                    emit = true;
                }
                i -= 1;
                j -= 1;
            } else {
                if self.at(i - 1, j) > self.at(i, j - 1) {
                    i -= 1;
                } else {
                    j -= 1;
                }
                emit = run.is_some();
            }
            if emit && let Some((s, e, bs, be)) = run.take() {
                let len = e - s + 1;
                if len >= min_len {
                    matches.push(LcsMatch {
                        a: (s, e),
                        b: (bs, be),
                        len,
                    });
                }
            }
        }
        (out, matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LIMIT: usize = 512 * 1024 * 1024;

    #[test]
    fn redis_documentation_example() {
        let (a, b) = (b"ohmytext", b"mynewtext");
        let t = Table::build(a, b, LIMIT).expect("fits");
        let (s, matches) = t.walk(a, b, 0);
        assert_eq!(s, b"mytext");
        assert_eq!(
            matches,
            [
                LcsMatch {
                    a: (4, 7),
                    b: (5, 8),
                    len: 4
                },
                LcsMatch {
                    a: (2, 3),
                    b: (0, 1),
                    len: 2
                },
            ]
        );
        let (_, long_only) = t.walk(a, b, 4);
        assert_eq!(long_only.len(), 1);
    }

    #[test]
    fn refuses_tables_over_the_limit() {
        assert!(matches!(
            Table::build(&[0; 100], &[0; 100], 1000),
            Err(Error::LcsTooLarge)
        ));
        assert!(Table::build(&[0; 10], &[0; 10], 1000).is_ok());
    }

    proptest! {
        #[test]
        fn two_row_length_agrees_with_the_table(a in proptest::collection::vec(0u8..4, 0..40),
                                               b in proptest::collection::vec(0u8..4, 0..40)) {
            let t = Table::build(&a, &b, LIMIT).expect("fits");
            let (s, _) = t.walk(&a, &b, 0);
            prop_assert_eq!(s.len(), lcs_length(&a, &b));
            // The answer is a subsequence of both.
            let is_subsequence = |x: &[u8], y: &[u8]| {
                let mut it = y.iter();
                x.iter().all(|c| it.any(|d| d == c))
            };
            prop_assert!(is_subsequence(&s, &a) && is_subsequence(&s, &b));
        }
    }
}
