//! Checks a data directory's append log as `redis-check-aof` does: the
//! manifest, every file's size and CRC-32, every command; with `--fix`,
//! cuts a torn tail of the last file (what a crash in the middle of an
//! append leaves). Exits with status 1 when the log would not load.
//!
//! ```text
//! cargo run --example check_aof -- <DATA_DIR> [--fix] [--dir-name NAME] [--file-name NAME]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use kvstore::persist::{AppendLogOptions, check_append_log};

/// jemalloc as the global allocator when built with `--features jemalloc`.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

fn main() -> ExitCode {
    let mut data_dir = None;
    let mut fix = false;
    let mut options = AppendLogOptions::new();
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--fix") => fix = true,
            Some("--dir-name") => match args.next().and_then(|a| a.into_string().ok()) {
                Some(name) => options = options.dir_name(name),
                None => return usage(),
            },
            Some("--file-name") => match args.next().and_then(|a| a.into_string().ok()) {
                Some(name) => options = options.file_name(name),
                None => return usage(),
            },
            Some(flag) if flag.starts_with("--") => return usage(),
            _ if data_dir.is_none() => data_dir = Some(PathBuf::from(arg)),
            _ => return usage(),
        }
    }
    let Some(data_dir) = data_dir else {
        return usage();
    };
    match check_append_log(&data_dir, &options, fix) {
        Ok(report) => {
            println!("{report}");
            if report.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: check_aof <DATA_DIR> [--fix] [--dir-name NAME] [--file-name NAME]");
    ExitCode::from(2)
}
