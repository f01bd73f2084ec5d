//! Arbitrary bytes fed to `decode_frame`: it never panics; a frame it reads
//! encodes to bytes that read back as an equal frame; every cut before the
//! frame's end waits.

#![no_main]

use kvstore::resp::{FrameLimits, decode_frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (Vec<u16>, &[u8])| {
    let (cuts, buf) = input;
    let limits = FrameLimits {
        max_depth: 64,
        ..FrameLimits::default()
    };
    let Ok(Some((frame, n))) = decode_frame(buf, &limits) else {
        return;
    };
    assert!(n > 0 && n <= buf.len());
    let mut wire = Vec::new();
    frame.encode(&mut wire);
    assert_eq!(
        decode_frame(&wire, &limits),
        Ok(Some((frame.clone(), wire.len())))
    );
    for cut in cuts {
        let cut = usize::from(cut);
        if cut < n {
            assert_eq!(decode_frame(&buf[..cut], &limits), Ok(None), "cut at {cut}");
        }
    }
    assert_eq!(decode_frame(&buf[..n], &limits), Ok(Some((frame, n))));
});
