//! Exports: every user (with grants and holders), every resource, the whole
//! audit trail, a page at a time (store/export.rs: keyset paging), so an
//! export of a million users holds one page in memory. The caller asks for
//! pages until there are none; the format (CSV, NDJSON, JSON) is the CLI's.
//!
//! Exports of users and of the audit trail are themselves audited (who took
//! a copy of everyone's details, and when), before the first page.

use super::views::{PolicyIndex, summarize};
use super::{Actor, Service};
use crate::domain::rights::Action;
use crate::error::Result;
use crate::store::AuditEvent;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

/// Rows per page.
const PAGE: i64 = 1000;

/// One user as exported.
#[derive(Debug, Clone, Serialize)]
pub struct UserRecord {
    pub login: String,
    pub name: String,
    pub email: String,
    pub kind: String,
    pub role: String,
    /// active or disabled.
    pub status: String,
    /// Their own policy's name; empty for their kind's.
    pub policy: String,
    pub must_change: bool,
    pub locked: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub has_password: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub resources: Vec<GrantRecord>,
    pub holders: Vec<HolderRecord>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GrantRecord {
    pub resource: String,
    pub level: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct HolderRecord {
    pub name: String,
    pub email: String,
    pub note: String,
}

/// One resource as exported.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceRecord {
    pub name: String,
    pub description: String,
    pub users: i64,
    pub created_at: DateTime<Utc>,
}

/// One audit entry as exported, with its chain links, so that a copy can
/// be checked against the database's head later.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

/// Every user, in login order.
pub struct UserExport<'a> {
    service: &'a Service,
    policies: PolicyIndex,
    after: Option<String>,
    done: bool,
}

/// Every resource, in creation order.
pub struct ResourceExport<'a> {
    service: &'a Service,
    after: i64,
    done: bool,
}

/// The whole audit trail, oldest first.
pub struct AuditExport<'a> {
    service: &'a Service,
    after: i64,
    done: bool,
}

impl Service {
    /// Starts an export of every user; `format` is recorded in the audit entry.
    pub async fn export_users(&self, actor: &Actor, format: &str) -> Result<UserExport<'_>> {
        let me = self.authorize(actor, Action::View, None).await?;
        let event = AuditEvent::new(
            &me.login,
            "user.export",
            "users",
            json!({ "format": format }),
        );
        self.store.append_audit(&event, self.now()).await?;
        Ok(UserExport {
            service: self,
            policies: self.policy_index().await?,
            after: None,
            done: false,
        })
    }

    /// Starts an export of every resource.
    pub async fn export_resources(&self, actor: &Actor) -> Result<ResourceExport<'_>> {
        self.authorize(actor, Action::View, None).await?;
        Ok(ResourceExport {
            service: self,
            after: 0,
            done: false,
        })
    }

    /// Starts an export of the whole audit trail.
    pub async fn export_audit(&self, actor: &Actor, format: &str) -> Result<AuditExport<'_>> {
        let me = self.authorize(actor, Action::ViewAudit, None).await?;
        let event = AuditEvent::new(
            &me.login,
            "audit.export",
            "audit",
            json!({ "format": format }),
        );
        self.store.append_audit(&event, self.now()).await?;
        Ok(AuditExport {
            service: self,
            after: 0,
            done: false,
        })
    }
}

impl UserExport<'_> {
    /// The next page, or `None` after the last.
    pub async fn next_page(&mut self) -> Result<Option<Vec<UserRecord>>> {
        if self.done {
            return Ok(None);
        }
        let store = &self.service.store;
        let rows = store.users_after(self.after.as_deref(), PAGE).await?;
        self.done = (rows.len() as i64) < PAGE;
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            return Ok(None);
        };
        let (first, last) = (
            first.login.to_ascii_lowercase(),
            last.login.to_ascii_lowercase(),
        );
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let page_keys = crate::store::PageKeys {
            first: &first,
            last: &last,
            ids: &ids,
        };
        let (grants, holders) = tokio::try_join!(
            store.grants_of_page(page_keys),
            store.holders_of_page(page_keys)
        )?;
        self.after = Some(last);
        let (mut grants, mut holders) = (
            grants.into_iter().peekable(),
            holders.into_iter().peekable(),
        );
        let now = self.service.now();
        let mut page = Vec::with_capacity(rows.len());
        for row in &rows {
            let key = row.login.to_ascii_lowercase();
            let s = summarize(row, &self.policies, now);
            let mut resources = Vec::new();
            while let Some((_, resource, level)) = grants.next_if(|g| g.0 == key) {
                resources.push(GrantRecord { resource, level });
            }
            let mut people = Vec::new();
            while let Some((_, name, email, note)) = holders.next_if(|h| h.0 == key) {
                people.push(HolderRecord { name, email, note });
            }
            let policy = row
                .policy_id
                .and_then(|id| self.policies.rows.iter().find(|(p, _)| p.id == id))
                .map(|(p, _)| p.name.clone())
                .unwrap_or_default();
            page.push(UserRecord {
                login: s.login,
                name: s.name,
                email: s.email,
                kind: s.kind.to_string(),
                role: s.role.to_string(),
                status: s.status.to_string(),
                policy,
                must_change: s.must_change_password,
                locked: s.locked,
                locked_until: s.locked_until,
                has_password: row.has_password,
                last_login_at: s.last_login_at,
                created_at: row.created_at,
                resources,
                holders: people,
            });
        }
        Ok(Some(page))
    }
}

impl ResourceExport<'_> {
    /// The next page, or `None` after the last.
    pub async fn next_page(&mut self) -> Result<Option<Vec<ResourceRecord>>> {
        if self.done {
            return Ok(None);
        }
        let rows = self.service.store.resources_after(self.after, PAGE).await?;
        self.done = (rows.len() as i64) < PAGE;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        self.after = last.id;
        Ok(Some(
            rows.into_iter()
                .map(|r| ResourceRecord {
                    name: r.name,
                    description: r.description,
                    users: r.users,
                    created_at: r.created_at,
                })
                .collect(),
        ))
    }
}

impl AuditExport<'_> {
    /// The next page, or `None` after the last.
    pub async fn next_page(&mut self) -> Result<Option<Vec<AuditRecord>>> {
        if self.done {
            return Ok(None);
        }
        let rows = self.service.store.audit_chunk(self.after, PAGE).await?;
        self.done = (rows.len() as i64) < PAGE;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        self.after = last.seq;
        Ok(Some(
            rows.into_iter()
                .map(|a| AuditRecord {
                    seq: a.seq,
                    at: a.at,
                    actor: a.actor,
                    action: a.action,
                    target: a.target,
                    details: serde_json::from_str(&a.details)
                        .unwrap_or(serde_json::Value::String(a.details)),
                    prev_hash: a.prev_hash,
                    hash: a.hash,
                })
                .collect(),
        ))
    }
}
