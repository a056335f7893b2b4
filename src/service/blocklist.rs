//! `blocklist_file` (config): the organisation's own blocked words (its
//! name, products, city), one per line, checked as the built-in list is
//! (domain/blocked_words.rs). Read when the service starts (a file that
//! cannot be read stops it, saying why and what to do), and read again
//! whenever it changes: before every password check the service makes, and
//! every [`POLL`] in the background for the checklists the console draws as
//! you type. Each process looks at the file itself (its modification time,
//! size and inode: one `stat`, no read while it is unchanged), so several
//! `keyward serve` instances and the command line all follow it. A file
//! that later disappears or cannot be read keeps the last list, and says
//! so once in the log, so a half-written file never empties it.
//! [`check_blocklist_file`] reports the file's problem for `keyward doctor`.

use crate::domain::password_rules::{WordList, install_organisation_words};
use crate::error::{Error, Result};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime};

/// How often the background check looks at the file.
const POLL: Duration = Duration::from_secs(2);

/// What identifies a version of the file: its modification time, size and
/// inode (an editor that saves by renaming a new file over it changes that).
type Stamp = (Option<SystemTime>, u64, u64);

/// The configured file and the version last read.
#[derive(Debug)]
pub(crate) struct BlocklistFile {
    path: PathBuf,
    seen: Mutex<Seen>,
}

/// The version last read, and the problem last logged (logged once, not
/// at every look).
#[derive(Debug, Default)]
struct Seen {
    stamp: Option<Stamp>,
    problem: Option<String>,
}

impl BlocklistFile {
    /// Reads the file now (an error saying what is wrong when it cannot be
    /// read), installs its words, and starts the background check (it ends
    /// with the service).
    pub(crate) fn open(path: &Path) -> Result<Arc<BlocklistFile>> {
        let file = Arc::new(BlocklistFile {
            path: path.to_path_buf(),
            seen: Mutex::new(Seen::default()),
        });
        let stamp = stamp(path).map_err(|e| Error::Invalid(problem(path, &e)))?;
        file.load(stamp)
            .map_err(|e| Error::Invalid(problem(path, &e)))?;
        let weak: Weak<BlocklistFile> = Arc::downgrade(&file);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                loop {
                    tokio::time::sleep(POLL).await;
                    match weak.upgrade() {
                        Some(file) => file.refresh(),
                        None => break,
                    }
                }
            });
        }
        Ok(file)
    }

    /// Reads the file again if it changed since it was last read.
    pub(crate) fn refresh(&self) {
        let stamp = match stamp(&self.path) {
            Ok(s) => s,
            Err(e) => return self.keep_last(&e),
        };
        let unchanged = self
            .seen
            .lock()
            .map(|s| s.stamp == Some(stamp))
            .unwrap_or(false);
        if !unchanged && let Err(e) = self.load(stamp) {
            self.keep_last(&e);
        }
    }

    /// The problem the file has now, if any (the last list is in use).
    pub(crate) fn problem(&self) -> Option<String> {
        self.seen.lock().ok().and_then(|s| s.problem.clone())
    }

    fn keep_last(&self, e: &std::io::Error) {
        let text = problem(&self.path, e);
        if let Ok(mut seen) = self.seen.lock()
            && seen.problem.as_deref() != Some(text.as_str())
        {
            tracing::warn!(problem = %text, "keeping the blocked words read before");
            seen.problem = Some(text);
        }
    }

    fn load(&self, stamp: Stamp) -> std::io::Result<()> {
        let words = read(&self.path)?;
        tracing::info!(file = %self.path.display(), words = words.len(), "blocklist_file read");
        install_organisation_words(Arc::new(words));
        if let Ok(mut seen) = self.seen.lock() {
            seen.stamp = Some(stamp);
            seen.problem = None;
        }
        Ok(())
    }
}

/// Whether `path` works as `blocklist_file`: how many words it holds, or
/// what is wrong with it and what to do, in one sentence (for `keyward
/// doctor`; the service says the same when it cannot start).
pub fn check_blocklist_file(path: &Path) -> std::result::Result<usize, String> {
    read(path).map(|w| w.len()).map_err(|e| problem(path, &e))
}

fn read(path: &Path) -> std::io::Result<WordList> {
    let text = std::fs::read_to_string(path)?;
    Ok(WordList::parse(&text))
}

fn stamp(path: &Path) -> std::io::Result<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(std::io::Error::new(ErrorKind::IsADirectory, "a directory"));
    }
    Ok((meta.modified().ok(), meta.len(), meta.ino()))
}

/// What is wrong with the file and what to do about it.
fn problem(path: &Path, e: &std::io::Error) -> String {
    let p = path.display();
    match e.kind() {
        ErrorKind::NotFound => format!(
            "blocklist_file {p} does not exist: create it (one word per line) \
             or remove blocklist_file from the config file"
        ),
        ErrorKind::PermissionDenied => format!(
            "blocklist_file {p} cannot be read by this user: let keyward's user \
             read it (chmod a+r {p}, or its group) and the directories above it"
        ),
        ErrorKind::InvalidData => {
            format!("blocklist_file {p} is not UTF-8 text: save it as UTF-8, one word per line")
        }
        ErrorKind::IsADirectory => {
            format!("blocklist_file {p} is a directory: name a file, one word per line")
        }
        _ => format!("blocklist_file {p} cannot be read: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_problem_says_what_to_do() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("missing.txt");
        let e = check_blocklist_file(&missing).expect_err("missing");
        assert!(e.contains("missing.txt does not exist: create it"), "{e}");
        let e = check_blocklist_file(dir.path()).expect_err("a directory");
        assert!(e.contains("directory"), "{e}");
        let latin1 = dir.path().join("latin1.txt");
        std::fs::write(&latin1, b"Z\xfcrich\n").expect("write");
        let e = check_blocklist_file(&latin1).expect_err("not UTF-8");
        assert!(e.contains("is not UTF-8 text"), "{e}");
        let good = dir.path().join("words.txt");
        std::fs::write(&good, "# ours\nacme\n\nwidgetron\n").expect("write");
        assert_eq!(check_blocklist_file(&good), Ok(2));
    }
}
