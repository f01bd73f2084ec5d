//! A `redis-cli` for an embedded store: the store lives in this process, and
//! replies print exactly as `redis-cli` 7.0 prints them.
//!
//! ```text
//! cargo run --example cli                      # a prompt: kvstore>
//! cargo run --example cli -- SET greeting hi   # one command, then exit
//! printf 'SET k v\nGET k\n' | cargo run --example cli
//! cargo run --example cli -- --raw LRANGE l 0 -1
//! ```
//!
//! Options: `--dir DIR` (where the data, an append log, and the prompt's
//! history live; without it the data is in memory only),
//! `--raw` / `--no-raw` (values as they are, one per line, as `redis-cli
//! --raw`; unlike `redis-cli`, the default stays formatted when the output
//! is not a terminal), `-3` (RESP3, as after `HELLO 3`). At the prompt:
//! `help`, `help <command>`, `help @<group>`, `clear`, `quit`, `exit`,
//! Ctrl-D; a number before a command repeats it (`3 INCR n`). After
//! `SUBSCRIBE`, `PSUBSCRIBE` or `SSUBSCRIBE` it prints messages until
//! Ctrl-C, as `redis-cli` does (here they come from this process: keyspace
//! events of expiring keys, with `CONFIG SET notify-keyspace-events Ex`).

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use kvstore::cli::{Cli, Flow, OutputMode};
use kvstore::persist::AppendLogOptions;
use kvstore::{Config, Protocol, Store, resp};
use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

/// jemalloc as the global allocator when built with `--features jemalloc`.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: kvstore::Jemalloc = kvstore::Jemalloc;

const USAGE: &str = "\
Usage: cli [--dir DIR] [--raw | --no-raw] [-3] [cmd [arg [arg ...]]]
  --dir DIR   Directory for the data (an append log, loaded at start)
              and for the prompt's history (.kvstore_cli_history)
  --raw       Print values as they are, one per line (redis-cli --raw)
  --no-raw    Print replies formatted, as redis-cli on a terminal (default)
  -3          Speak RESP3 (HELLO 3)
  -h, --help  This text
Without a command: a prompt if stdin is a terminal, else one command per line
of stdin.";

/// The history file name, in `--dir` or in the home directory.
const HISTORY_FILE: &str = ".kvstore_cli_history";

struct Options {
    dir: Option<PathBuf>,
    mode: OutputMode,
    resp3: bool,
    command: Vec<Vec<u8>>,
}

/// Options as `redis-cli` reads them: up to the first word that is not one.
fn parse_options(args: impl IntoIterator<Item = OsString>) -> Result<Options, String> {
    let mut options = Options {
        dir: None,
        mode: OutputMode::Formatted,
        resp3: false,
        command: Vec::new(),
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--dir") => {
                let dir = args.next().ok_or("--dir needs a directory")?;
                options.dir = Some(PathBuf::from(dir));
            }
            Some("--raw") => options.mode = OutputMode::Raw,
            Some("--no-raw") => options.mode = OutputMode::Formatted,
            Some("-3") => options.resp3 = true,
            Some("-h" | "--help") => return Err(USAGE.to_owned()),
            Some(other) if other.starts_with('-') => {
                return Err(format!(
                    "Unrecognized option or bad number of args for: '{other}'\n{USAGE}"
                ));
            }
            _ => {
                options.command.push(arg.into_encoded_bytes());
                options
                    .command
                    .extend(args.by_ref().map(OsString::into_encoded_bytes));
            }
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse_options(std::env::args_os().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    // With a directory the data lives in an append log there (every write
    // fsynced once a second), loaded again by the next run.
    let store = match &options.dir {
        Some(dir) => Store::open(
            Config::builder()
                .dir(dir)
                .append_log(AppendLogOptions::new())
                .build(),
        )?,
        None => Store::new(),
    };
    for warning in store.load_report().warnings {
        eprintln!("warning: {warning}");
    }
    let mut cli = Cli::new(&store).output(options.mode);
    if options.resp3 {
        cli.run_command(&["HELLO", "3"], io::sink())?;
        if cli.protocol() != Protocol::Resp3 {
            eprintln!("note: HELLO 3 failed; replies print as RESP2");
        }
    }

    if !options.command.is_empty() {
        let mut stdout = io::stdout().lock();
        cli.run_command(&options.command, &mut stdout)?;
        stdout.flush()?;
        print_messages(&mut cli, &mut stdout)?;
        return Ok(());
    }
    if io::stdin().is_terminal() {
        let history = options
            .dir
            .or_else(|| std::env::var_os("HOME").map(PathBuf::from))
            .map(|dir| dir.join(HISTORY_FILE));
        repl(&mut cli, options.mode, history.as_deref())
    } else {
        cli.run_lines(io::stdin().lock(), io::stdout().lock())?;
        Ok(())
    }
}

/// The prompt: line editing, history saved after each line, the time of a
/// slow command (half a second or more) as `redis-cli` shows it.
fn repl(
    cli: &mut Cli,
    mode: OutputMode,
    history: Option<&Path>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut editor = DefaultEditor::new()?;
    if let Some(path) = history {
        // A first run has no history yet.
        let _ = editor.load_history(path);
    }
    let mut stdout = io::stdout();
    loop {
        let line = match editor.readline(cli.prompt()) {
            Ok(line) => line,
            // Ctrl-C and Ctrl-D leave, as in redis-cli.
            Err(ReadlineError::Interrupted | ReadlineError::Eof) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if line.is_empty() {
            continue;
        }
        if !secret(line.as_bytes()) {
            editor.add_history_entry(line.as_str())?;
            if let Some(path) = history
                && let Err(e) = editor.save_history(path)
            {
                eprintln!("note: cannot save the history to {}: {e}", path.display());
            }
        }
        if line.trim().eq_ignore_ascii_case("clear") {
            editor.clear_screen()?;
            continue;
        }
        let start = Instant::now();
        let flow = cli.run_line(line.as_bytes(), &mut stdout)?;
        let elapsed = start.elapsed().as_secs_f64();
        if elapsed >= 0.5 && mode == OutputMode::Formatted {
            writeln!(stdout, "({elapsed:.2}s)")?;
        }
        stdout.flush()?;
        print_messages(cli, &mut stdout)?;
        if flow == Flow::Quit {
            return Ok(());
        }
    }
}

/// redis-cli's pub/sub mode: after a subscribe command, messages until
/// Ctrl-C (which ends the process, as it ends redis-cli).
fn print_messages(cli: &mut Cli, out: &mut impl Write) -> io::Result<()> {
    while cli.reading_messages() {
        if cli.print_message(Duration::from_millis(200), &mut *out)? {
            out.flush()?;
        }
    }
    Ok(())
}

/// Lines `redis-cli` keeps out of its history file: `AUTH …` and
/// `ACL SETUSER …`, also after a repeat count.
fn secret(line: &[u8]) -> bool {
    let Some(argv) = resp::split_args(line) else {
        return false;
    };
    let skip = usize::from(argv.len() > 1 && argv[0].iter().all(u8::is_ascii_digit));
    let word = |i: usize, w: &[u8]| argv.get(i).is_some_and(|a| a.eq_ignore_ascii_case(w));
    word(skip, b"auth") || (word(skip, b"acl") && word(skip + 1, b"setuser"))
}
