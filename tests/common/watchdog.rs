//! Running test work under a time limit that catches hangs, without
//! asserting how fast anything is.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Runs `work` on its own thread and fails the test if it has not finished
/// within `limit` (a hang or deadlock, not a slow machine: the limit is generous).
/// A panic inside `work` is passed on.
pub fn with_watchdog<T: Send + 'static>(
    what: &str,
    limit: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = thread::Builder::new()
        .name(format!("watched: {what}"))
        .spawn(move || {
            let out = work();
            let _ = tx.send(());
            out
        })
        .expect("spawn");
    match rx.recv_timeout(limit) {
        Ok(()) => handle.join().expect("watched work panicked"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Ok(_) => unreachable!("finished without reporting"),
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: not finished after {limit:?}: hang or deadlock suspected")
        }
    }
}
