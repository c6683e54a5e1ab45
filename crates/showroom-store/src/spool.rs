//! The spool: an append-only JSON-lines file on local disk where live writes wait while the
//! database is unreachable. Each append is fsync'd before it is acknowledged, so an
//! acknowledged record survives a crash; a line torn by a crash mid-append was never
//! acknowledged and is cut off when the spool is opened again. Records that cannot be read
//! back, or that the database refuses for good, go to `rejected.jsonl` beside it: set aside for
//! a person, never dropped.
//!
//! Blocking file I/O: async callers run it on the blocking pool.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::StoreError;

pub const SPOOL_FILE: &str = "live.jsonl";
pub const LOCK_FILE: &str = "lock";
pub const REJECTED_FILE: &str = "rejected.jsonl";

/// What [`Spool::read`] found.
#[derive(Debug)]
pub struct SpoolContents<T> {
    /// Readable records, in append order.
    pub records: Vec<T>,
    /// Lines that do not parse (written by another version, or damaged), with the parse error.
    pub unreadable: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    path: PathBuf,
    file: File,
    n_records: usize,
    /// Held (flock) while the spool is open: a second writer would clobber it on `replace`.
    _lock: File,
}

impl Spool {
    /// Opens (creating) the spool in `dir`, cutting off a torn last line. Fails while another
    /// `Spool` (in this process or another) has `dir` open.
    pub fn open(dir: &Path) -> Result<Spool, StoreError> {
        let err = |source| StoreError::Spool {
            path: dir.to_owned(),
            source,
        };
        fs::create_dir_all(dir).map_err(err)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .map_err(err)?;
        lock.try_lock().map_err(|e| match e {
            fs::TryLockError::WouldBlock => err(std::io::Error::new(
                std::io::ErrorKind::ResourceBusy,
                "in use by another sink (two nodes must not share a spool directory)",
            )),
            fs::TryLockError::Error(e) => err(e),
        })?;
        let path = dir.join(SPOOL_FILE);
        let err = |source| StoreError::Spool {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(err)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(err)?;
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        if complete < bytes.len() {
            tracing::warn!(path = %path.display(), bytes = bytes.len() - complete, "spool: cutting a torn last line");
            file.set_len(complete as u64).map_err(err)?;
            file.sync_all().map_err(err)?;
        }
        sync_dir(dir).map_err(err)?;
        let n_records = bytes[..complete]
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count();
        Ok(Spool {
            dir: dir.to_owned(),
            path,
            file,
            n_records,
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records in the spool (readable or not).
    pub fn len(&self) -> usize {
        self.n_records
    }

    pub fn is_empty(&self) -> bool {
        self.n_records == 0
    }

    /// Appends one record and fsyncs: when this returns Ok the record is on disk.
    pub fn append<T: Serialize>(&mut self, record: &T) -> Result<(), StoreError> {
        let mut line = serde_json::to_vec(record).map_err(|e| self.io_err(e.into()))?;
        line.push(b'\n');
        self.file.write_all(&line).map_err(|e| self.io_err(e))?;
        self.file.sync_data().map_err(|e| self.io_err(e))?;
        self.n_records += 1;
        Ok(())
    }

    /// Every record in append order.
    pub fn read<T: DeserializeOwned>(&mut self) -> Result<SpoolContents<T>, StoreError> {
        let mut text = String::new();
        self.file
            .seek(SeekFrom::Start(0))
            .map_err(|e| self.io_err(e))?;
        self.file
            .read_to_string(&mut text)
            .map_err(|e| self.io_err(e))?;
        let mut contents = SpoolContents {
            records: Vec::new(),
            unreadable: Vec::new(),
        };
        for line in text.lines().filter(|l| !l.is_empty()) {
            match serde_json::from_str(line) {
                Ok(r) => contents.records.push(r),
                Err(e) => contents.unreadable.push((line.to_owned(), e.to_string())),
            }
        }
        Ok(contents)
    }

    /// Replaces the spool's contents with `records` (what is left after a replay), atomically:
    /// a crash leaves either the old file or the new one.
    pub fn replace<T: Serialize>(&mut self, records: &[T]) -> Result<(), StoreError> {
        if records.is_empty() {
            self.file.set_len(0).map_err(|e| self.io_err(e))?;
            self.file.sync_all().map_err(|e| self.io_err(e))?;
            self.n_records = 0;
            return Ok(());
        }
        let tmp = self.dir.join(format!("{SPOOL_FILE}.tmp"));
        let err = |source| StoreError::Spool {
            path: tmp.clone(),
            source,
        };
        let mut out = File::create(&tmp).map_err(err)?;
        for r in records {
            let mut line = serde_json::to_vec(r).map_err(|e| err(e.into()))?;
            line.push(b'\n');
            out.write_all(&line).map_err(err)?;
        }
        out.sync_all().map_err(err)?;
        fs::rename(&tmp, &self.path).map_err(err)?;
        sync_dir(&self.dir).map_err(err)?;
        self.file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| self.io_err(e))?;
        self.n_records = records.len();
        Ok(())
    }

    /// Sets a record aside in `rejected.jsonl` with the reason, fsync'd.
    pub fn reject(&self, record: &str, error: &str) -> Result<(), StoreError> {
        let path = self.dir.join(REJECTED_FILE);
        let err = |source| StoreError::Spool {
            path: path.clone(),
            source,
        };
        // Keep the record as JSON when it is JSON, so a person can replay it by hand.
        let record =
            serde_json::from_str::<serde_json::Value>(record).unwrap_or_else(|_| record.into());
        let mut line = serde_json::to_vec(&serde_json::json!({ "error": error, "record": record }))
            .map_err(|e| err(e.into()))?;
        line.push(b'\n');
        let mut file = OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .map_err(err)?;
        file.write_all(&line).map_err(err)?;
        file.sync_data().map_err(err)
    }

    fn io_err(&self, source: std::io::Error) -> StoreError {
        StoreError::Spool {
            path: self.path.clone(),
            source,
        }
    }
}

/// Makes a file's creation or rename durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Rec {
        n: u32,
    }

    fn recs(ns: &[u32]) -> Vec<Rec> {
        ns.iter().map(|&n| Rec { n }).collect()
    }

    #[test]
    fn appends_survive_reopen_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        for r in recs(&[3, 1, 2]) {
            spool.append(&r).unwrap();
        }
        drop(spool);
        let mut spool = Spool::open(dir.path()).unwrap();
        assert_eq!(spool.len(), 3);
        assert_eq!(spool.read::<Rec>().unwrap().records, recs(&[3, 1, 2]));
        spool.append(&Rec { n: 4 }).unwrap();
        assert_eq!(spool.read::<Rec>().unwrap().records, recs(&[3, 1, 2, 4]));
    }

    #[test]
    fn torn_last_line_is_cut_and_appends_stay_whole() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(SPOOL_FILE), "{\"n\":1}\n{\"n\":2}\n{\"n\":").unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        assert_eq!(spool.len(), 2);
        spool.append(&Rec { n: 3 }).unwrap();
        let c = spool.read::<Rec>().unwrap();
        assert_eq!(c.records, recs(&[1, 2, 3]));
        assert!(c.unreadable.is_empty());
    }

    #[test]
    fn unreadable_lines_are_reported_not_dropped() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join(SPOOL_FILE),
            "{\"n\":1}\nnot json\n{\"n\":2}\n",
        )
        .unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        assert_eq!(spool.len(), 3);
        let c = spool.read::<Rec>().unwrap();
        assert_eq!(c.records, recs(&[1, 2]));
        assert_eq!(c.unreadable.len(), 1);
        assert_eq!(c.unreadable[0].0, "not json");
    }

    #[test]
    fn replace_keeps_the_rest_and_appends_follow_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        for r in recs(&[1, 2, 3, 4]) {
            spool.append(&r).unwrap();
        }
        spool.replace(&recs(&[3, 4])).unwrap();
        spool.append(&Rec { n: 5 }).unwrap();
        assert_eq!(spool.len(), 3);
        assert_eq!(spool.read::<Rec>().unwrap().records, recs(&[3, 4, 5]));
        assert!(!dir.path().join(format!("{SPOOL_FILE}.tmp")).exists());

        spool.replace::<Rec>(&[]).unwrap();
        assert!(spool.is_empty());
        assert_eq!(fs::metadata(spool.path()).unwrap().len(), 0);
        spool.append(&Rec { n: 6 }).unwrap();
        drop(spool);
        assert_eq!(
            Spool::open(dir.path())
                .unwrap()
                .read::<Rec>()
                .unwrap()
                .records,
            recs(&[6])
        );
    }

    #[test]
    fn one_writer_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let first = Spool::open(dir.path()).unwrap();
        let second = Spool::open(dir.path());
        assert!(
            matches!(&second, Err(StoreError::Spool { source, .. }) if source.kind() == std::io::ErrorKind::ResourceBusy),
            "{second:?}"
        );
        drop(first);
        Spool::open(dir.path()).unwrap();
    }

    #[test]
    fn rejected_records_are_kept_with_their_reason() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        spool.reject("{\"n\":7}", "no call c1").unwrap();
        spool.reject("garbage", "unreadable").unwrap();
        let text = fs::read_to_string(dir.path().join(REJECTED_FILE)).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            lines[0],
            serde_json::json!({ "error": "no call c1", "record": { "n": 7 } })
        );
        assert_eq!(
            lines[1],
            serde_json::json!({ "error": "unreadable", "record": "garbage" })
        );
    }
}
