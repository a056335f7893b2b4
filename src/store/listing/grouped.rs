//! The Users listing sorted by kind, role or status. Each has a handful of
//! values and no index of its own (one more index on `users` would slow
//! every insert and the million-user import), so a page is read group by
//! group: all staff, then all portal users; global administrators first,
//! plain users last; locked users first, those with no status badge last
//! (status.rs says which predicate makes each group). Each group is the same listing with that value as its
//! filter, in login order, which the login index serves as the kind and
//! role filters already are. A page that reaches the end of a group goes on
//! into the next, so paging never stops at a boundary. Reversed, the whole
//! listing runs the other way: plain users first, from Z to A.

use super::{Cursor, StatusGroup, UserQuery, UserSort};
use crate::domain::{Kind, Role};
use crate::error::Result;
use crate::store::Store;
use crate::store::rows::UserRow;

/// One group of a kind, role or status sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Group {
    Kind(Kind),
    Role(Role),
    Status(StatusGroup),
}

impl Group {
    /// The groups `q` lists, in listing order (the other way round when
    /// descending); only the filtered value when the listing filters on it.
    pub(super) fn in_order(q: &UserQuery) -> Vec<Group> {
        let mut groups: Vec<Group> = match q.sort {
            UserSort::Kind => Kind::ALL
                .iter()
                .filter(|k| q.kind.is_none_or(|f| f == **k))
                .map(|k| Group::Kind(*k))
                .collect(),
            UserSort::Role => Role::ALL
                .iter()
                .filter(|r| q.role.is_none_or(|f| f == **r))
                .map(|r| Group::Role(*r))
                .collect(),
            UserSort::Status => super::status::groups_under(q.status)
                .into_iter()
                .map(Group::Status)
                .collect(),
            UserSort::Login | UserSort::Name | UserSort::Email | UserSort::LastLogin => Vec::new(),
        };
        if q.descending {
            groups.reverse();
        }
        groups
    }

    /// Where the group stands among all the values of its column, in
    /// ascending order.
    fn rank(self) -> usize {
        let place = match self {
            Group::Kind(k) => Kind::ALL.iter().position(|x| *x == k),
            Group::Role(r) => Role::ALL.iter().position(|x| *x == r),
            Group::Status(g) => StatusGroup::ALL.iter().position(|x| *x == g),
        };
        place.unwrap_or(0)
    }

    /// The group a cursor stands in, and its login there.
    fn of(cursor: &Cursor) -> Option<(Group, &str)> {
        match cursor {
            Cursor::Kind(k, l) => Some((Group::Kind(*k), l)),
            Cursor::Role(r, l) => Some((Group::Role(*r), l)),
            Cursor::Status(g, l) => Some((Group::Status(*g), l)),
            Cursor::Login(_) | Cursor::Name(..) | Cursor::Email(..) | Cursor::LastLogin(..) => None,
        }
    }

    /// `q` narrowed to this group, in login order (or its reverse), from
    /// `after`.
    fn query(self, q: &UserQuery, after: Option<&str>, limit: i64) -> UserQuery {
        let mut sub = q.clone();
        match self {
            Group::Kind(k) => sub.kind = Some(k),
            Group::Role(r) => sub.role = Some(r),
            Group::Status(g) => sub.status_group = Some(g),
        }
        // In login order within the group; reversed, the whole listing
        // runs the other way, so the logins within it do too.
        sub.sort = UserSort::Login;
        sub.after = after.map(|l| Cursor::Login(l.to_string()));
        sub.limit = limit;
        sub
    }
}

/// Which groups a page reads, in the order it reads them, and where it
/// starts in the first: forward from the cursor's group to the last,
/// backward from it to the first. A page with no cursor starts at the
/// first group (forward) or the last (backward). A cursor in a group the
/// listing leaves out (a row that has since moved out of the filter's
/// groups) stands where that group would be: the page starts at the next
/// group the listing has, from its first row.
pub(super) fn walk<'a>(groups: &[Group], q: &'a UserQuery) -> (Vec<Group>, Option<&'a str>) {
    let Some((at, login)) = q.after.as_ref().and_then(Group::of) else {
        let order = if q.backward {
            groups.iter().rev().copied().collect()
        } else {
            groups.to_vec()
        };
        return (order, None);
    };
    // The place of a group in listing order.
    let place = |g: Group| {
        let rank = g.rank() as i64;
        if q.descending { -rank } else { rank }
    };
    let here = place(at);
    let order: Vec<Group> = if q.backward {
        groups
            .iter()
            .rev()
            .filter(|g| place(**g) <= here)
            .copied()
            .collect()
    } else {
        groups
            .iter()
            .filter(|g| place(**g) >= here)
            .copied()
            .collect()
    };
    let login = order.first().filter(|g| **g == at).map(|_| login);
    (order, login)
}

impl Store {
    /// A page of `q` sorted by kind, role or status: the groups read in turn until
    /// `q.limit` rows are found. Rows come back in listing order, as every
    /// page does.
    pub(super) async fn grouped_page(&self, q: &UserQuery) -> Result<Vec<UserRow>> {
        let limit = q.limit.clamp(1, 1001);
        let groups = Group::in_order(q);
        let (order, mut after) = walk(&groups, q);
        let mut rows: Vec<UserRow> = Vec::new();
        for group in order {
            let want = limit - rows.len() as i64;
            if want <= 0 {
                break;
            }
            let found = self.column_page(&group.query(q, after, want)).await?;
            if q.backward {
                // Read towards the front: this group's rows come before
                // those already found.
                rows.splice(0..0, found);
            } else {
                rows.extend(found);
            }
            after = None;
        }
        // Each group is its own read: a user whose kind or role changed
        // between two of them could be read twice. Kept once, where first
        // read, since the console keeps selection and marks by id.
        let mut seen = std::collections::HashSet::new();
        rows.retain(|r| seen.insert(r.id));
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn query(sort: UserSort) -> UserQuery {
        let now = Utc::now();
        UserQuery {
            search: None,
            status: None,
            status_group: None,
            kind: None,
            role: None,
            resource_id: None,
            sort,
            after: None,
            backward: false,
            descending: false,
            limit: 51,
            now,
            inactive_before: (now, now),
            password_expired_before: Vec::new(),
            idle_before: Vec::new(),
        }
    }

    #[test]
    fn groups_follow_the_display_order_and_the_filter() {
        let q = query(UserSort::Role);
        assert_eq!(
            Group::in_order(&q).first(),
            Some(&Group::Role(Role::GlobalAdmin))
        );
        assert_eq!(Group::in_order(&q).len(), Role::ALL.len());
        let mut q = query(UserSort::Kind);
        q.descending = true;
        assert_eq!(
            Group::in_order(&q),
            vec![Group::Kind(Kind::Portal), Group::Kind(Kind::Staff)]
        );
        q.kind = Some(Kind::Staff);
        assert_eq!(Group::in_order(&q), vec![Group::Kind(Kind::Staff)]);
    }

    #[test]
    fn a_page_walks_from_the_cursors_group_either_way() {
        let mut q = query(UserSort::Role);
        let groups = Group::in_order(&q);
        q.after = Some(Cursor::Role(Role::Manager, "mia".into()));
        let (order, login) = walk(&groups, &q);
        assert_eq!(login, Some("mia"));
        assert_eq!(
            order,
            vec![
                Group::Role(Role::Manager),
                Group::Role(Role::AccountManager),
                Group::Role(Role::User)
            ]
        );
        q.backward = true;
        let (order, _) = walk(&groups, &q);
        assert_eq!(
            order,
            vec![
                Group::Role(Role::Manager),
                Group::Role(Role::Admin),
                Group::Role(Role::GlobalAdmin)
            ]
        );
        // The last page: every group from the end.
        q.after = None;
        let (order, login) = walk(&groups, &q);
        assert_eq!(order.first(), Some(&Group::Role(Role::User)));
        assert_eq!(login, None);
        // A cursor of a group the filter left out stands where that group
        // would be: before the filtered group, the page starts there...
        let mut q = query(UserSort::Kind);
        q.kind = Some(Kind::Portal);
        q.after = Some(Cursor::Kind(Kind::Staff, "zed".into()));
        let groups = Group::in_order(&q);
        assert_eq!(walk(&groups, &q), (vec![Group::Kind(Kind::Portal)], None));
        // ...and after every group, nothing follows it.
        let mut q = query(UserSort::Status);
        q.status = Some(crate::domain::listing::StatusFilter::MustChange);
        q.after = Some(Cursor::Status(StatusGroup::Ok, "zed".into()));
        let groups = Group::in_order(&q);
        assert_eq!(groups.len(), 3);
        assert_eq!(walk(&groups, &q), (Vec::new(), None));
        // Backward from there: every group, from the last one's end.
        q.backward = true;
        let (order, login) = walk(&groups, &q);
        assert_eq!(order.first(), Some(&Group::Status(StatusGroup::MustChange)));
        assert_eq!((order.len(), login), (3, None));
        // Reversed, "ok" comes first: backward from it, nothing.
        q.descending = true;
        let groups = Group::in_order(&q);
        assert_eq!(walk(&groups, &q), (Vec::new(), None));
        // A cursor between two of the listed groups (disabled, under the
        // active filter's must-change, revalidate and ok) goes on at the next.
        let mut q = query(UserSort::Status);
        q.status = Some(crate::domain::listing::StatusFilter::Active);
        q.after = Some(Cursor::Status(StatusGroup::Disabled, "amy".into()));
        let groups = Group::in_order(&q);
        let (order, login) = walk(&groups, &q);
        assert_eq!(order.first(), Some(&Group::Status(StatusGroup::MustChange)));
        assert_eq!((order.len(), login), (3, None));
    }
}
