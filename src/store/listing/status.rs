//! The status conditions of the users listing, in SQL: the `f` filter's
//! statuses and the groups of the status sort. Both are written from the
//! same few predicates, so a "locked" or a "must change" means the same
//! thing in each, and each agrees with the badge a row shows
//! (service/views.rs `summarize`) at the query's `now`.

use super::UserQuery;
use crate::domain::listing::{StatusFilter, StatusGroup};
use crate::store::stmt::{Param, Sql};
use chrono::{DateTime, Utc};

/// The policy that governs `users u`: its own, else the built-in one of
/// its kind (as `PolicyIndex::for_user` chooses).
const POLICY_ID: &str = "COALESCE(u.policy_id, (SELECT d.id FROM policies d WHERE d.name = \
    CASE WHEN u.kind = 'portal' THEN 'portal' ELSE 'default' END))";

/// The cut-off of the policy that governs `users u`, from `cutoffs` (policy
/// id, cut-off): a `CASE … END` that is NULL for a policy not listed; `None`
/// when none is.
fn per_policy(cutoffs: &[(i64, DateTime<Utc>)], sql: &mut Sql) -> Option<String> {
    if cutoffs.is_empty() {
        return None;
    }
    let mut case = format!("CASE {POLICY_ID}");
    for (id, cutoff) in cutoffs {
        let id = sql.param(Param::Int(*id));
        let cutoff = sql.param(Param::Time(*cutoff));
        case.push_str(&format!(" WHEN {id} THEN {cutoff}"));
    }
    case.push_str(" END");
    Some(case)
}

/// The predicates of one query, their parameters bound once.
struct Predicates<'a> {
    q: &'a UserQuery,
    now: String,
}

impl<'a> Predicates<'a> {
    fn new(q: &'a UserQuery, sql: &mut Sql) -> Self {
        let now = sql.param(Param::Time(q.now));
        Predicates { q, now }
    }

    /// Locked now (never NULL).
    fn locked(&self) -> String {
        format!(
            "(u.locked_at IS NOT NULL AND (u.locked_until IS NULL OR u.locked_until > {}))",
            self.now
        )
    }

    /// Disabled by an administrator (never NULL).
    fn disabled(&self) -> &'static str {
        "(u.status = 'disabled')"
    }

    /// Must change their password: the flag, an enforced policy change,
    /// or an expired password (as the badge and sign-in judge it). Reads
    /// `credentials c`.
    fn must_change(&self, sql: &mut Sql) -> String {
        let expired = per_policy(&self.q.password_expired_before, sql)
            .map(|case| format!(" OR c.password_changed_at < {case}"))
            .unwrap_or_default();
        format!(
            "COALESCE(c.must_change_password OR c.password_policy_version < \
             (SELECT pol.enforced_version FROM policies pol WHERE pol.id = {POLICY_ID}){expired}, FALSE)"
        )
    }

    /// No sign-in since the built-in policies' re-validation cut-off (the
    /// `f` filter's "inactive").
    fn inactive(&self, sql: &mut Sql) -> String {
        let staff = sql.param(Param::Time(self.q.inactive_before.0));
        let portal = sql.param(Param::Time(self.q.inactive_before.1));
        format!(
            "(COALESCE(u.last_login_at, u.created_at) < \
             CASE WHEN u.kind = 'portal' THEN {portal} ELSE {staff} END)"
        )
    }

    /// What the "revalidate" and "delete?" badges say: idle past their own
    /// policy's re-validation or deletion limit, or asked to re-validate
    /// by a sign-in since.
    fn revalidate(&self, sql: &mut Sql) -> String {
        let idle = per_policy(&self.q.idle_before, sql)
            .map(|case| format!(" OR COALESCE(u.last_login_at, u.created_at) <= {case}"))
            .unwrap_or_default();
        format!("COALESCE(u.revalidation_due_at IS NOT NULL{idle}, FALSE)")
    }
}

/// The `f` filter's condition for `status`.
pub(super) fn filter_cond(q: &UserQuery, status: StatusFilter, sql: &mut Sql) -> String {
    let p = Predicates::new(q, sql);
    match status {
        StatusFilter::Active => format!("u.status = 'active' AND NOT {}", p.locked()),
        StatusFilter::Locked => p.locked(),
        StatusFilter::Disabled => p.disabled().to_string(),
        StatusFilter::MustChange => p.must_change(sql),
        StatusFilter::Inactive => p.inactive(sql),
    }
}

/// The condition of one group of the status sort: its own status and none
/// of the groups before it.
pub(super) fn group_cond(q: &UserQuery, group: StatusGroup, sql: &mut Sql) -> String {
    let p = Predicates::new(q, sql);
    let mut before: Vec<String> = Vec::new();
    for g in StatusGroup::ALL {
        let own = match g {
            StatusGroup::Locked => p.locked(),
            StatusGroup::Disabled => p.disabled().to_string(),
            StatusGroup::MustChange => p.must_change(sql),
            StatusGroup::Revalidate => p.revalidate(sql),
            StatusGroup::Ok => "TRUE".to_string(),
        };
        if g == group {
            return if before.is_empty() {
                own
            } else {
                format!("{own} AND NOT ({})", before.join(" OR "))
            };
        }
        before.push(own);
    }
    // Every group is in ALL.
    "FALSE".to_string()
}

/// Whether the status conditions of `q` read `credentials c`.
pub(super) fn reads_credentials(q: &UserQuery) -> bool {
    q.status == Some(StatusFilter::MustChange)
        || q.status_group.is_some_and(|g| g >= StatusGroup::MustChange)
}

/// The groups of the status sort that a listing filtered by `status` can
/// hold, in listing order: a locked user is in the first group whatever
/// else they are, so the "disabled" filter still finds locked users there.
pub(super) fn groups_under(status: Option<StatusFilter>) -> Vec<StatusGroup> {
    use StatusGroup::*;
    match status {
        Some(StatusFilter::Locked) => vec![Locked],
        Some(StatusFilter::Disabled) => vec![Locked, Disabled],
        Some(StatusFilter::MustChange) => vec![Locked, Disabled, MustChange],
        // Enabled and not locked.
        Some(StatusFilter::Active) => vec![MustChange, Revalidate, Ok],
        Some(StatusFilter::Inactive) | None => StatusGroup::ALL.to_vec(),
    }
}
