//! `blocklist_file` (config): the organisation's own blocked words (its
//! name, products, city), one per line, checked as the built-in list is
//! (domain/password_rules.rs). Read when the service starts (a file that
//! cannot be read stops it, naming the file), and read again whenever it
//! changes: before every password check the service makes, and every
//! [`POLL`] in the background for the checklists the console draws as you
//! type. A file that later disappears or cannot be read keeps the last list
//! (and is logged), so a half-written file never empties it.

use crate::domain::password_rules::{WordList, install_organisation_words};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime};

/// How often the background check looks at the file.
const POLL: Duration = Duration::from_secs(2);

/// What identifies a version of the file: its modification time and size.
type Stamp = (Option<SystemTime>, u64);

/// The configured file and the version last read.
#[derive(Debug)]
pub(crate) struct BlocklistFile {
    path: PathBuf,
    seen: Mutex<Option<Stamp>>,
}

impl BlocklistFile {
    /// Reads the file now (an error when it cannot be read), installs its
    /// words, and starts the background check (it ends with the service).
    pub(crate) fn open(path: &Path) -> Result<Arc<BlocklistFile>> {
        let file = Arc::new(BlocklistFile {
            path: path.to_path_buf(),
            seen: Mutex::new(None),
        });
        let stamp = stamp(path).map_err(|e| file.unreadable(&e))?;
        file.load(stamp).map_err(|e| file.unreadable(&e))?;
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
            Err(e) => {
                tracing::warn!(file = %self.path.display(), error = %e, "blocklist_file cannot be read; keeping the words read before");
                return;
            }
        };
        let unchanged = self.seen.lock().map(|s| *s == Some(stamp)).unwrap_or(false);
        if !unchanged && let Err(e) = self.load(stamp) {
            tracing::warn!(file = %self.path.display(), error = %e, "blocklist_file cannot be read; keeping the words read before");
        }
    }

    fn load(&self, stamp: Stamp) -> std::io::Result<()> {
        let text = std::fs::read_to_string(&self.path)?;
        let words = WordList::parse(&text);
        tracing::info!(file = %self.path.display(), words = words.len(), "blocklist_file read");
        install_organisation_words(Arc::new(words));
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(stamp);
        }
        Ok(())
    }

    fn unreadable(&self, e: &std::io::Error) -> Error {
        Error::Invalid(format!(
            "blocklist_file {} cannot be read: {e}",
            self.path.display()
        ))
    }
}

fn stamp(path: &Path) -> std::io::Result<Stamp> {
    let meta = std::fs::metadata(path)?;
    Ok((meta.modified().ok(), meta.len()))
}
