//! Reading, verifying and exporting the audit trail.

use super::views::{AuditVerdict, AuditView};
use super::{Actor, Service};
use crate::domain::audit::{GENESIS, entry_hash};
use crate::domain::rights::Action;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

const VERIFY_CHUNK: i64 = 2000;
/// Entries read at a time for an export.
const EXPORT_PAGE: i64 = 1000;

/// Where an export went and how many entries it holds.
#[derive(Debug, Clone)]
pub struct AuditExport {
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
    pub async fn export_audit(
        &self,
        actor: &Actor,
        filter: Option<&str>,
        dir: &Path,
    ) -> Result<AuditExport> {
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
        Ok(AuditExport { path, entries })
    }

    /// Walks the whole chain: every entry's hash must be right, point at the
    /// one before, and the sequence must have no gap; the head must match the
    /// newest entry. Names the first broken entry.
    pub async fn verify_audit(&self, actor: &Actor) -> Result<AuditVerdict> {
        self.authorize(actor, Action::ViewAudit, None).await?;
        let (head_seq, head_hash) = self.store.audit_head().await?;
        let mut prev_hash = GENESIS.to_string();
        let mut expected_seq = 1i64;
        loop {
            let chunk = self
                .store
                .audit_chunk(expected_seq - 1, VERIFY_CHUNK)
                .await?;
            if chunk.is_empty() {
                break;
            }
            for e in chunk {
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
                    return Ok(AuditVerdict::Broken {
                        seq: e.seq,
                        reason: "does not point at the entry before it".into(),
                    });
                }
                let computed = entry_hash(
                    &e.prev_hash,
                    e.seq,
                    e.at,
                    &e.actor,
                    &e.action,
                    &e.target,
                    &e.details,
                );
                if computed != e.hash {
                    return Ok(AuditVerdict::Broken {
                        seq: e.seq,
                        reason: "its contents were changed after it was written".into(),
                    });
                }
                prev_hash = e.hash;
                expected_seq += 1;
            }
        }
        let entries = expected_seq - 1;
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
}
