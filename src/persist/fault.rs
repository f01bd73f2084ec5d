//! A file layer that fails on demand, for tests: ENOSPC or EIO on the n-th
//! write, fsync, rename, directory sync, create or truncate.

use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::persist::fs::{Fs, FsFile, StdFs};

/// An operation a [`FaultyFs`] can fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Write,
    Sync,
    Rename,
    SyncDir,
    Create,
    Truncate,
}

/// How an injected failure looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// `ENOSPC`; a failing write first writes half its buffer, as a full
    /// disk does.
    NoSpace,
    /// `EIO`.
    Io,
}

impl Fault {
    fn error(self) -> io::Error {
        match self {
            Fault::NoSpace => io::Error::from_raw_os_error(libc::ENOSPC),
            Fault::Io => io::Error::from_raw_os_error(libc::EIO),
        }
    }
}

#[derive(Debug, Default)]
struct Plan {
    /// (operation, calls of it still to succeed, fault, keeps failing).
    rules: Vec<(Op, u64, Fault, bool)>,
}

/// The real file system, except for the failures it is told to inject.
#[derive(Debug, Default, Clone)]
pub(crate) struct FaultyFs {
    plan: Arc<Mutex<Plan>>,
    injected: Arc<AtomicU64>,
}

impl FaultyFs {
    pub(crate) fn new() -> FaultyFs {
        FaultyFs::default()
    }

    /// Fails the call of `op` after `after` successful ones, once.
    pub(crate) fn fail_once(&self, op: Op, after: u64, fault: Fault) {
        self.plan.lock().rules.push((op, after, fault, false));
    }

    /// Fails every call of `op` after `after` successful ones, until
    /// [`FaultyFs::heal`].
    pub(crate) fn fail_always(&self, op: Op, after: u64, fault: Fault) {
        self.plan.lock().rules.push((op, after, fault, true));
    }

    /// Drops every rule: the disk works again.
    pub(crate) fn heal(&self) {
        self.plan.lock().rules.clear();
    }

    /// How many failures were injected so far.
    pub(crate) fn injected(&self) -> u64 {
        self.injected.load(Ordering::SeqCst)
    }

    fn check(&self, op: Op) -> Option<Fault> {
        let mut plan = self.plan.lock();
        let mut hit = None;
        plan.rules.retain_mut(|(rule_op, after, fault, sticky)| {
            if *rule_op != op || hit.is_some() {
                return true;
            }
            if *after > 0 {
                *after -= 1;
                return true;
            }
            hit = Some(*fault);
            *sticky
        });
        if hit.is_some() {
            self.injected.fetch_add(1, Ordering::SeqCst);
        }
        hit
    }

    fn gate(&self, op: Op) -> io::Result<()> {
        match self.check(op) {
            Some(fault) => Err(fault.error()),
            None => Ok(()),
        }
    }
}

struct FaultyFile {
    inner: Box<dyn FsFile>,
    fs: FaultyFs,
}

impl FsFile for FaultyFile {
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self.fs.check(Op::Write) {
            Some(fault) => {
                if fault == Fault::NoSpace {
                    let half = buf.len() / 2;
                    self.inner.write_all(&buf[..half])?;
                }
                Err(fault.error())
            }
            None => self.inner.write_all(buf),
        }
    }

    fn sync_data(&mut self) -> io::Result<()> {
        self.fs.gate(Op::Sync)?;
        self.inner.sync_data()
    }
}

impl Fs for FaultyFs {
    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        StdFs.create_dir_all(dir)
    }

    fn create(&self, path: &Path) -> io::Result<Box<dyn FsFile>> {
        self.gate(Op::Create)?;
        Ok(Box::new(FaultyFile {
            inner: StdFs.create(path)?,
            fs: self.clone(),
        }))
    }

    fn open_append(&self, path: &Path) -> io::Result<Box<dyn FsFile>> {
        self.gate(Op::Create)?;
        Ok(Box::new(FaultyFile {
            inner: StdFs.open_append(path)?,
            fs: self.clone(),
        }))
    }

    fn open_read(&self, path: &Path) -> io::Result<Box<dyn Read + Send>> {
        StdFs.open_read(path)
    }

    fn len(&self, path: &Path) -> io::Result<Option<u64>> {
        StdFs.len(path)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.gate(Op::Rename)?;
        StdFs.rename(from, to)
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        StdFs.remove(path)
    }

    fn truncate(&self, path: &Path, len: u64) -> io::Result<()> {
        self.gate(Op::Truncate)?;
        StdFs.truncate(path, len)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        self.gate(Op::SyncDir)?;
        StdFs.sync_dir(dir)
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        StdFs.list(dir)
    }

    fn lock(&self, path: &Path) -> io::Result<Box<dyn Send + Sync>> {
        StdFs.lock(path)
    }
}
