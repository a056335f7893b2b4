//! The users listing and one user's page, the read side of user records:
//! a page of users (keyset paging both ways, search, filters, sort), how
//! many a listing holds, and everything shown about one user. Kept apart
//! from the changes (service/users.rs) because it is the hot path the
//! console calls at every key typed in a search; its SQL is in
//! store/listing/.

use super::views::{Page, PolicyIndex, UserDetail, UserSummary, summarize};
use super::{Actor, Service, parse_settings};
use crate::domain::rights::Action;
use crate::domain::{Kind, Role};
use crate::error::{Error, Result};
use crate::store::{Cursor, StatusFilter, UserQuery, UserSort};

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub search: Option<String>,
    pub status: Option<StatusFilter>,
    pub kind: Option<Kind>,
    pub role: Option<Role>,
    /// A resource name: only users granted it.
    pub resource: Option<String>,
    pub sort: UserSort,
    /// Forward: start after this row (from the first when None). Backward:
    /// end before it (the last page when None).
    pub after: Option<Cursor>,
    /// List the page before `after` instead of after it (still in order).
    pub backward: bool,
    /// The sort the other way round (Z to A, oldest sign-in first); paging
    /// forward and backward follow it.
    pub descending: bool,
    pub limit: i64,
}

/// Longest search text accepted (a paste of a novel is cut, not an error).
const SEARCH_MAX: usize = 128;

/// How many users a listing holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCount {
    pub n: i64,
    /// PostgreSQL's estimate, not a count.
    pub estimate: bool,
}

/// A whole table at least this large is estimated rather than counted.
const ESTIMATE_FROM: i64 = 100_000;

impl Service {
    pub(crate) async fn policy_index(&self) -> Result<PolicyIndex> {
        let rows = self.store.policies().await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let p = parse_settings(&r)?;
            out.push((r, p));
        }
        Ok(PolicyIndex { rows: out })
    }

    /// One page of users: after `filter.after`, or before it with
    /// `backward`. Never loads more than `limit` (+1) rows.
    pub async fn list_users(
        &self,
        actor: &Actor,
        filter: &UserFilter,
    ) -> Result<Page<UserSummary>> {
        // The right to view and the policies (for each row's badges) are
        // read at once: this runs at every key typed in a search, and on
        // PostgreSQL each read is a round trip of about 0.3 ms. Both run
        // to the end, so a refusal is always audited.
        let (allowed, policies) = tokio::join!(
            self.authorize(actor, Action::View, None),
            self.policy_index()
        );
        allowed?;
        let policies = policies?;
        // A position in another order would bound the page by the wrong
        // key: a wrong page, silently.
        if let Some(after) = &filter.after
            && after.sort() != filter.sort
        {
            return Err(Error::Invalid(
                "the page's position belongs to another sort; start from the first page".into(),
            ));
        }
        // To the microsecond, as PostgreSQL keeps times: the cut-offs the
        // query compares with are then the ones the badges are judged by.
        let now = chrono::SubsecRound::trunc_subsecs(self.now(), 6);
        let limit = if filter.limit <= 0 {
            50
        } else {
            filter.limit.min(1000)
        };
        let query = self
            .listing_query(filter, &policies, now, limit + 1)
            .await?;
        let rows = self.store.list_users(&query).await?;
        // Summarised at the query's `now`: a row's place in the status
        // sort is the badge it was read with.
        let mut items: Vec<UserSummary> =
            rows.iter().map(|r| summarize(r, &policies, now)).collect();
        // One row more than asked says whether the listing goes on.
        let more = items.len() as i64 > limit;
        let (prev, next) = if filter.backward {
            // The extra row is the one just before the page.
            let prev = if more {
                Some(items.remove(0).cursor(filter.sort))
            } else {
                None
            };
            let next = match filter.after {
                Some(_) => items.last().map(|u| u.cursor(filter.sort)),
                None => None,
            };
            (prev, next)
        } else {
            items.truncate(limit as usize);
            let next = if more {
                items.last().map(|u| u.cursor(filter.sort))
            } else {
                None
            };
            (filter.after.clone(), next)
        };
        Ok(Page { items, next, prev })
    }

    /// The store's query for `filter` (`limit` rows), with the inactivity
    /// and password-age cut-offs of `policies` at `now`.
    async fn listing_query(
        &self,
        filter: &UserFilter,
        policies: &PolicyIndex,
        now: chrono::DateTime<chrono::Utc>,
        limit: i64,
    ) -> Result<UserQuery> {
        let cutoff = |portal: bool| {
            let days = policies
                .rows
                .iter()
                .find(|(r, _)| r.name == if portal { "portal" } else { "default" })
                .map(|(_, p)| p.revalidate_after_days)
                .unwrap_or(90);
            now - chrono::Duration::days(if days == 0 { 36_500 } else { days as i64 })
        };
        let resource_id = match &filter.resource {
            Some(name) => Some(self.resource(name).await?.id),
            None => None,
        };
        Ok(UserQuery {
            search: filter.search.as_ref().map(|s| {
                s.chars()
                    .filter(|c| !c.is_control())
                    .take(SEARCH_MAX)
                    .collect()
            }),
            status: filter.status,
            status_group: None,
            kind: filter.kind,
            role: filter.role,
            resource_id,
            sort: filter.sort,
            after: filter.after.clone(),
            backward: filter.backward,
            descending: filter.descending,
            limit,
            now,
            inactive_before: (cutoff(false), cutoff(true)),
            password_expired_before: policies
                .rows
                .iter()
                .filter(|(_, p)| p.max_age_days > 0)
                .map(|(r, p)| (r.id, now - chrono::Duration::days(p.max_age_days as i64)))
                .collect(),
            // The sooner of the two limits the badges count idle days by
            // (domain::user::inactivity).
            idle_before: policies
                .rows
                .iter()
                .filter_map(|(r, p)| {
                    let days = [p.revalidate_after_days, p.delete_after_days]
                        .into_iter()
                        .filter(|d| *d > 0)
                        .min()?;
                    Some((r.id, now - chrono::Duration::days(days as i64)))
                })
                .collect(),
        })
    }

    /// How many users `filter` lists in all (its search and filters; not its
    /// cursor): counted, or on PostgreSQL for the whole unfiltered listing
    /// of a large table, PostgreSQL's estimate (`estimate` is then true).
    /// Counting a filtered million takes up to a second or so: the console
    /// asks after the page has shown.
    pub async fn count_listed(&self, actor: &Actor, filter: &UserFilter) -> Result<ListCount> {
        let (allowed, policies) = tokio::join!(
            self.authorize(actor, Action::View, None),
            self.policy_index()
        );
        allowed?;
        let policies = policies?;
        let unfiltered = filter.search.as_deref().is_none_or(|s| s.trim().is_empty())
            && filter.status.is_none()
            && filter.kind.is_none()
            && filter.role.is_none()
            && filter.resource.is_none();
        if unfiltered
            && let Some(n) = self.store.estimate_users().await?
            && n >= ESTIMATE_FROM
        {
            return Ok(ListCount { n, estimate: true });
        }
        let query = self.listing_query(filter, &policies, self.now(), 1).await?;
        Ok(ListCount {
            n: self.store.count_listed(&query).await?,
            estimate: false,
        })
    }

    /// Everything about one user.
    pub async fn get_user(&self, actor: &Actor, login: &str) -> Result<UserDetail> {
        self.authorize(actor, Action::View, None).await?;
        let me = self.current_actor(actor).await?;
        let u = self.user(login).await?;
        let policies = self.policy_index().await?;
        let effective = self.effective_policy(&u).await?;
        let can_audit = crate::domain::rights::check(me.role, Action::ViewAudit, None).is_ok();
        let recent_audit = if can_audit {
            self.store
                .audit_for_target(&u.login, 20)
                .await?
                .into_iter()
                .map(Into::into)
                .collect()
        } else {
            Vec::new()
        };
        let may_reset =
            crate::domain::rights::check(me.role, Action::ResetPassword, Some((u.role, u.kind)))
                .is_ok();
        let pending_reset_links = if may_reset {
            self.store
                .pending_links(Some(u.id), self.now(), 5)
                .await?
                .into_iter()
                .map(|r| super::PendingLink {
                    login: r.login,
                    recipient: r.recipient,
                    link: r.link,
                    requested_at: r.created_at,
                    expires_at: r.expires_at,
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(UserDetail {
            summary: summarize(&u, &policies, self.now()),
            has_password: u.has_password,
            password_changed_at: u.password_changed_at,
            policy: effective.row.name.clone(),
            policy_reason: effective.reason.to_string(),
            policy_assigned: u.policy_id.is_some(),
            holders: self
                .store
                .holders(u.id)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
            resources: self
                .store
                .grants_for_user(u.id)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
            recent_attempts: self
                .store
                .attempts_for_user(u.id, 20)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
            application_sign_ins: super::views::AppSignInsView::from_rows(
                self.store.resource_sign_ins(u.id).await?,
            ),
            pending_reset_links,
            recent_audit,
            created_at: u.created_at,
            updated_at: u.updated_at,
        })
    }
}
