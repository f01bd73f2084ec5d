//! Arbitrary bytes, cut into arbitrary pieces, fed to a `RequestDecoder` as
//! a server feeds it: it never panics, every consumed length is within the
//! buffer, and the pieces give exactly what the whole gives (the same
//! requests, then the same error or the same number of bytes waiting).
//!
//! The property holds while no line is longer than `max_inline_len`: past
//! it, Redis itself answers according to how much had arrived (a long line
//! is refused if it came in pieces, read if it came whole).

#![no_main]

use kvstore::resp::{Limits, RequestDecoder};
use libfuzzer_sys::fuzz_target;

/// The requests `stream` holds when it arrives cut at `cuts`, then the
/// error or the number of bytes still waiting.
fn run(
    stream: &[u8],
    cuts: &[u16],
    authenticated: bool,
) -> (Vec<Vec<Vec<u8>>>, Result<usize, String>) {
    let mut ends: Vec<usize> = cuts
        .iter()
        .map(|&c| usize::from(c).min(stream.len()))
        .collect();
    ends.push(stream.len());
    ends.sort_unstable();
    let mut decoder = RequestDecoder::new(Limits::default());
    decoder.set_authenticated(authenticated);
    let mut requests = Vec::new();
    let mut argv = Vec::new();
    let mut start = 0;
    for end in ends {
        while start < end {
            let buf = &stream[start..end];
            argv.clear();
            match decoder.decode(buf, &mut argv) {
                Ok(Some(n)) => {
                    assert!(n > 0 && n <= buf.len(), "consumed {n} of {}", buf.len());
                    let args = match decoder.owned_args() {
                        Some(owned) => {
                            assert!(argv.is_empty());
                            owned.to_vec()
                        }
                        None => argv.iter().map(|a| a.to_vec()).collect(),
                    };
                    requests.push(args);
                    start += n;
                }
                Ok(None) => {
                    assert!(argv.is_empty());
                    break;
                }
                Err(e) => return (requests, Err(e.to_string())),
            }
        }
    }
    (requests, Ok(stream.len() - start))
}

fuzz_target!(|input: (bool, Vec<u16>, &[u8])| {
    let (authenticated, cuts, stream) = input;
    let whole = run(stream, &[], authenticated);
    if stream.len() <= Limits::default().max_inline_len {
        assert_eq!(run(stream, &cuts, authenticated), whole);
    }
});
