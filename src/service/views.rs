//! What the service answers: plain serialisable views of users, policies,
//! resources and audit entries, shared by the console and `--json` output.

use crate::domain::listing::{Cursor, SortKeys, StatusGroup, UserSort};
use crate::domain::policy::Policy;
use crate::domain::user::{Badges, LockBadge, LockState, inactivity, must_change_reason};
use crate::domain::{Kind, Role, Status};
use crate::store::rows::{AttemptRow, AuditRow, GrantRow, HolderRow, PolicyRow, UserRow};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One page of a keyset-paged list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Set when rows follow the last item: a forward page after it.
    pub next: Option<Cursor>,
    /// Set when rows come before the first item: the cursor of the row just
    /// before it (a forward page after it starts at this page's first item).
    pub prev: Option<Cursor>,
}

/// A user as a list row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserSummary {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub email: String,
    pub kind: Kind,
    pub role: Role,
    pub status: Status,
    /// Effective: the flag, an enforced policy change or an expired password.
    pub must_change_password: bool,
    pub locked: bool,
    /// When the current lock began.
    pub locked_at: Option<DateTime<Utc>>,
    /// `None` with `locked` = until an admin unlocks.
    pub locked_until: Option<DateTime<Utc>>,
    pub failed_attempts: i64,
    /// Failures that lock this account (from its policy).
    pub lockout_threshold: u32,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub last_failure_source: Option<String>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub badges: Badges,
    pub version: i64,
}

impl UserSummary {
    /// This account's place in the Lockouts order.
    pub fn lock_cursor(&self) -> crate::domain::listing::LockCursor {
        crate::domain::listing::LockCursor::at(self.id, self.last_failure_at)
    }

    /// This row's position in `sort` order, to page on from it (either way).
    pub fn cursor(&self, sort: UserSort) -> Cursor {
        Cursor::at(
            sort,
            SortKeys {
                id: self.id,
                login: &self.login,
                name: &self.name,
                email: &self.email,
                kind: self.kind,
                role: self.role,
                status: StatusGroup::of(&self.badges),
                last_login_at: self.last_login_at,
            },
        )
    }
}

/// What the service knows about the policies when it builds summaries.
pub(crate) struct PolicyIndex {
    pub rows: Vec<(PolicyRow, Policy)>,
}

impl PolicyIndex {
    pub fn for_user(&self, u: &UserRow) -> Option<&(PolicyRow, Policy)> {
        let builtin = if u.kind == Kind::Portal {
            "portal"
        } else {
            "default"
        };
        u.policy_id
            .and_then(|id| self.rows.iter().find(|(r, _)| r.id == id))
            .or_else(|| self.rows.iter().find(|(r, _)| r.name == builtin))
    }
}

pub(crate) fn summarize(u: &UserRow, policies: &PolicyIndex, now: DateTime<Utc>) -> UserSummary {
    let lock = LockState::at(u.locked_at, u.locked_until, now);
    let (revalidate, delete) = match policies.for_user(u) {
        Some((_, p)) => inactivity(u.last_login_at, u.created_at, p, now),
        None => (false, false),
    };
    let must_change = match policies.for_user(u) {
        Some((row, policy)) => must_change_reason(
            super::auth::password_age(u),
            row.enforced_version,
            policy,
            now,
        )
        .is_some(),
        None => u.must_change_password,
    };
    let locked_until = match lock {
        LockState::Until { until } => Some(until),
        _ => None,
    };
    UserSummary {
        id: u.id,
        login: u.login.clone(),
        name: u.name.clone(),
        email: u.email.clone(),
        kind: u.kind,
        role: u.role,
        status: u.status,
        must_change_password: must_change,
        locked: lock.is_locked(),
        locked_at: if lock.is_locked() { u.locked_at } else { None },
        lockout_threshold: policies
            .for_user(u)
            .map(|(_, p)| p.lockout_threshold)
            .unwrap_or(5),
        locked_until,
        failed_attempts: u.failed_attempts,
        last_failure_at: u.last_failure_at,
        last_failure_source: u.last_failure_source.clone(),
        last_login_at: u.last_login_at,
        badges: Badges {
            locked: lock.is_locked().then_some(LockBadge {
                until: locked_until,
            }),
            disabled: u.status == Status::Disabled,
            must_change,
            // Idle past the threshold, or marked by a sign-in since.
            needs_revalidation: revalidate || u.revalidation_due_at.is_some(),
            deletion_candidate: delete,
        },
        version: u.version,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HolderView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub note: String,
}

impl From<HolderRow> for HolderView {
    fn from(h: HolderRow) -> Self {
        HolderView {
            id: h.id,
            name: h.name,
            email: h.email,
            note: h.note,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantView {
    pub resource: String,
    pub login: String,
    pub level: String,
    pub granted_at: DateTime<Utc>,
}

impl From<GrantRow> for GrantView {
    fn from(g: GrantRow) -> Self {
        GrantView {
            resource: g.resource,
            login: g.login,
            level: g.level,
            granted_at: g.granted_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptView {
    pub at: DateTime<Utc>,
    pub login: String,
    pub outcome: String,
    pub source: String,
}

impl From<AttemptRow> for AttemptView {
    fn from(a: AttemptRow) -> Self {
        AttemptView {
            at: a.at,
            login: a.login,
            outcome: a.outcome,
            source: a.source,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditView {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: serde_json::Value,
    pub hash: String,
}

impl From<AuditRow> for AuditView {
    fn from(a: AuditRow) -> Self {
        let details =
            serde_json::from_str(&a.details).unwrap_or(serde_json::Value::String(a.details));
        AuditView {
            seq: a.seq,
            at: a.at,
            actor: a.actor,
            action: a.action,
            target: a.target,
            details,
            hash: a.hash,
        }
    }
}

/// A user with everything the detail view shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserDetail {
    #[serde(flatten)]
    pub summary: UserSummary,
    pub has_password: bool,
    pub password_changed_at: Option<DateTime<Utc>>,
    /// The name of the policy that governs the user.
    pub policy: String,
    /// Why that policy applies.
    pub policy_reason: String,
    /// Whether the policy is the user's own (not their kind's default).
    pub policy_assigned: bool,
    pub holders: Vec<HolderView>,
    pub resources: Vec<GrantView>,
    pub recent_attempts: Vec<AttemptView>,
    /// Sign-ins through applications, one entry per resource, latest first.
    pub application_sign_ins: Vec<AppSignInsView>,
    /// Reset links the user asked for that wait to be passed on (empty
    /// unless the viewer may reset this user's password).
    pub pending_reset_links: Vec<super::PendingLink>,
    pub recent_audit: Vec<AuditView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A user's sign-ins through one application (its resource), from the
/// attempts log (kept `attempts_retention_days`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppSignInsView {
    pub resource: String,
    /// The last successful sign-in (ok or must-change).
    pub last_ok: Option<DateTime<Utc>>,
    /// The last attempt of any outcome, and its outcome.
    pub last_at: DateTime<Utc>,
    pub last_outcome: String,
    pub ok: i64,
    pub failed: i64,
}

impl AppSignInsView {
    /// One entry per resource from the log's per-outcome counts.
    pub fn from_rows(rows: Vec<crate::store::rows::ResourceSignInRow>) -> Vec<AppSignInsView> {
        let mut out: Vec<(i64, AppSignInsView)> = Vec::new();
        for r in rows {
            let ok = r.outcome == "ok";
            let at = match out.iter().position(|(id, _)| *id == r.resource_id) {
                Some(at) => at,
                None => {
                    out.push((
                        r.resource_id,
                        AppSignInsView {
                            resource: r.resource.clone(),
                            last_ok: None,
                            last_at: r.last_at,
                            last_outcome: r.outcome.clone(),
                            ok: 0,
                            failed: 0,
                        },
                    ));
                    out.len() - 1
                }
            };
            let v = &mut out[at].1;
            if ok {
                v.ok += r.attempts;
                v.last_ok = v.last_ok.max(Some(r.last_at));
            } else {
                v.failed += r.attempts;
            }
            if r.last_at > v.last_at {
                v.last_at = r.last_at;
                v.last_outcome = r.outcome;
            }
        }
        let mut views: Vec<AppSignInsView> = out.into_iter().map(|(_, v)| v).collect();
        views.sort_by_key(|v| std::cmp::Reverse(v.last_at));
        views
    }
}

/// A policy's name and settings: what a form offers and checks a new
/// password against (no count of the users it governs, which costs a scan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedPolicy {
    pub name: String,
    pub settings: Policy,
}

/// A named policy and how many users it governs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyView {
    pub name: String,
    pub version: i64,
    pub enforced_version: i64,
    pub users: i64,
    pub updated_at: DateTime<Utc>,
    pub settings: Policy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceView {
    pub name: String,
    pub description: String,
    pub users: i64,
}

/// The result of walking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum AuditVerdict {
    Intact { entries: i64 },
    Broken { seq: i64, reason: String },
}
