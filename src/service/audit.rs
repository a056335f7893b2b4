//! Reading, verifying and exporting the audit trail.

use super::views::{AuditVerdict, AuditView};
use super::{Actor, Service};
use crate::domain::audit::{Checkpoint, GENESIS, KEYED_ACTION, entry_hash, mac_matches};
use crate::domain::rights::Action;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

const VERIFY_CHUNK: i64 = 2000;
/// Entries read at a time for an export.
const EXPORT_PAGE: i64 = 1000;

/// Where an export went and how many entries it holds.
#[derive(Debug, Clone)]
pub struct AuditFile {
    pub path: PathBuf,
    pub entries: usize,
}

impl Service {
    /// Newest first, before `before_seq`, optionally filtered.
    pub async fn audit(
        &self,
        actor: &Actor,
        filter: Option<&str>,
        before_seq: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditView>> {
        self.authorize(actor, Action::ViewAudit, None).await?;
        let filter = filter.map(str::trim).filter(|f| !f.is_empty());
        Ok(self
            .store
            .audit_page(filter, before_seq, limit.clamp(1, 10_000))
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Writes every entry matching `filter` (newest first) as JSON Lines to
    /// a new file `keyward-audit-<time>.jsonl` in `dir`, readable by its
    /// owner only (it names accounts and what was done to them).
    pub async fn export_audit_file(
        &self,
        actor: &Actor,
        filter: Option<&str>,
        dir: &Path,
    ) -> Result<AuditFile> {
        use tokio::io::AsyncWriteExt;
        self.authorize(actor, Action::ViewAudit, None).await?;
        let name = format!("keyward-audit-{}.jsonl", self.now().format("%Y%m%d-%H%M%S"));
        let path = dir.join(name);
        let cannot =
            |e: std::io::Error| Error::Invalid(format!("cannot write {}: {e}", path.display()));
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        let mut file = options.open(&path).await.map_err(cannot)?;
        let mut before = None;
        let mut entries = 0usize;
        loop {
            let page = self.audit(actor, filter, before, EXPORT_PAGE).await?;
            let Some(last) = page.last() else { break };
            before = Some(last.seq);
            let mut chunk = String::new();
            for e in &page {
                chunk.push_str(
                    &serde_json::to_string(e).map_err(|e| Error::Internal(e.to_string()))?,
                );
                chunk.push('\n');
                entries += 1;
            }
            file.write_all(chunk.as_bytes()).await.map_err(cannot)?;
        }
        file.flush().await.map_err(cannot)?;
        Ok(AuditFile { path, entries })
    }

    /// Walks the whole chain: every entry's MAC must be right, point at the
    /// one before, and the sequence must have no gap; the head must match the
    /// newest entry. Names the first broken entry. Entries from the one that
    /// keyed the chain on carry HMACs and need the key (domain/audit.rs).
    pub async fn verify_audit(&self, actor: &Actor) -> Result<AuditVerdict> {
        self.verify_audit_with(actor, &[]).await
    }

    /// [`Service::verify_audit`], and each checkpoint must still be in the
    /// chain (its entry, with its MAC): this shows entries cut off the end,
    /// or a chain rewritten, since the checkpoint was taken.
    pub async fn verify_audit_with(
        &self,
        actor: &Actor,
        checkpoints: &[Checkpoint],
    ) -> Result<AuditVerdict> {
        self.authorize(actor, Action::ViewAudit, None).await?;
        let key = self.store.audit_key();
        let (head_seq, head_hash) = self.store.audit_head().await?;
        let mut prev_hash = GENESIS.to_string();
        let mut expected_seq = 1i64;
        let mut keyed = false;
        let mut checked = checkpoints.to_vec();
        checked.sort_by_key(|c| c.seq);
        let mut checkpoints = checked.iter().peekable();
        loop {
            let chunk = self
                .store
                .audit_chunk(expected_seq - 1, VERIFY_CHUNK)
                .await?;
            if chunk.is_empty() {
                break;
            }
            for e in chunk {
                let broken = |reason: &str| {
                    Ok(AuditVerdict::Broken {
                        seq: e.seq,
                        reason: reason.to_string(),
                    })
                };
                if e.seq != expected_seq {
                    return Ok(AuditVerdict::Broken {
                        seq: expected_seq,
                        reason: format!(
                            "entry {expected_seq} is missing (next entry is {})",
                            e.seq
                        ),
                    });
                }
                if e.prev_hash != prev_hash {
                    return broken("does not point at the entry before it");
                }
                keyed |= e.action == KEYED_ACTION;
                let entry = e.canonical();
                let intact = if keyed {
                    let Some(key) = key else {
                        return Err(Error::Invalid(format!(
                            "the audit trail is keyed (from entry {}): verifying it needs its key \
                             (the key file, or KEYWARD_AUDIT_KEY)",
                            e.seq
                        )));
                    };
                    mac_matches(key, &entry, &e.hash)
                } else {
                    entry_hash(&entry) == e.hash
                };
                if !intact {
                    return broken(if keyed {
                        "its MAC is wrong: it was changed or added by someone without the audit key"
                    } else {
                        "its contents were changed after it was written"
                    });
                }
                while let Some(cp) = checkpoints.next_if(|c| c.seq == e.seq) {
                    if cp.mac != e.hash {
                        return broken(&format!(
                            "it is not the entry {} checkpointed at {}: the chain was rewritten since",
                            cp.seq,
                            cp.at.format("%Y-%m-%d %H:%M:%S UTC")
                        ));
                    }
                }
                prev_hash = e.hash;
                expected_seq += 1;
            }
        }
        let entries = expected_seq - 1;
        if let Some(cp) = checkpoints.next() {
            return Ok(AuditVerdict::Broken {
                seq: entries + 1,
                reason: format!(
                    "the chain ends at entry {entries}, but entry {} was checkpointed at {}: \
                     entries were cut off the end",
                    cp.seq,
                    cp.at.format("%Y-%m-%d %H:%M:%S UTC")
                ),
            });
        }
        if entries != head_seq || prev_hash != head_hash {
            return Ok(AuditVerdict::Broken {
                seq: entries + 1,
                reason: format!(
                    "the chain ends at entry {entries} but {head_seq} were written: entries were deleted"
                ),
            });
        }
        Ok(AuditVerdict::Intact { entries })
    }

    /// The chain's head as a checkpoint line (its sequence and MAC, signed
    /// with the audit key), to keep outside the database.
    pub async fn audit_checkpoint(&self, actor: &Actor) -> Result<String> {
        self.authorize(actor, Action::ViewAudit, None).await?;
        let key = self.store.audit_key().ok_or_else(|| {
            Error::Invalid(
                "a checkpoint is signed with the audit key, and this process has none".into(),
            )
        })?;
        let (seq, mac) = self.store.audit_head().await?;
        Ok(Checkpoint {
            seq,
            mac,
            at: self.now(),
        }
        .line(key))
    }

    /// The checkpoints in `text` (one a line, as `audit_checkpoint` writes
    /// them; blank lines skipped), their signatures checked.
    pub fn read_checkpoints(&self, text: &str) -> Result<Vec<Checkpoint>> {
        let key = self.store.audit_key().ok_or_else(|| {
            Error::Invalid(
                "checkpoints are checked with the audit key, and this process has none".into(),
            )
        })?;
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(n, l)| {
                Checkpoint::parse(l, key)
                    .map_err(|why| Error::Invalid(format!("checkpoint line {}: {why}", n + 1)))
            })
            .collect()
    }
}
