//! `keyward user import`: users from a file (the CLI reads the CSV; this is
//! every rule a row must meet, and the one transaction that writes them).
//!
//! An import is checked first, batch by batch, without changing anything:
//! every problem is reported with the line it is on (the dry run stops
//! there). Only a file without problems is written: all of it in one
//! transaction with one audit entry that counts the users, or none of it.
//! Passwords are never imported: imported users have none and must choose
//! one (an administrator sets a temporary password or sends a reset token).

use super::{Actor, Service, parse_settings};
use crate::domain::login::lookup_key;
use crate::domain::policy::Policy;
use crate::domain::rights::Action;
use crate::domain::user::{check_email, check_name, parse_login};
use crate::domain::{AccessLevel, Kind, LoginId, Role};
use crate::error::{Error, Result};
use crate::store::{AuditEvent, ImportTx, ImportUserRow};
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// One row as read from the file, every field as typed (empty when the
/// column is missing). `line` is where it starts in the file.
#[derive(Debug, Clone, Default)]
pub struct ImportRow {
    pub line: u64,
    pub login: String,
    pub name: String,
    pub email: String,
    /// staff (the default) or portal.
    pub kind: String,
    /// user (the default) or another role.
    pub role: String,
    /// A named policy; empty for the kind's.
    pub policy: String,
    /// `Resource[:level];...` (level standard when left out).
    pub resources: String,
    /// `Name <email>;...`: the people who share the login.
    pub holders: String,
}

/// What is wrong with one row.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImportProblem {
    pub line: u64,
    pub message: String,
}

/// What an import holds (or, after a dry run, would hold).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct ImportSummary {
    /// Rows without problems.
    pub users: u64,
    pub grants: u64,
    pub holders: u64,
    /// Problems found (a row may have several).
    pub problems: u64,
}

/// A policy a row may name: its id (None for a kind's own), version and rules.
#[derive(Debug, Clone)]
struct PolicyRef {
    id: Option<i64>,
    version: i64,
    rules: Policy,
}

/// An import being checked. See the module documentation.
pub struct UserImport<'a> {
    service: &'a Service,
    actor: Actor,
    me: String,
    /// Named policies by lower-case name.
    policies: HashMap<String, PolicyRef>,
    staff: PolicyRef,
    portal: PolicyRef,
    resources: HashMap<String, i64>,
    /// Whether the actor may create users of this role and kind (the
    /// refusal's reason when not); asked once per pair.
    rights: HashMap<(Role, Kind), Option<String>>,
    may_grant: Option<Option<String>>,
    /// Logins seen so far (lower case) and their line.
    seen: HashMap<String, u64>,
    /// Email addresses seen so far (kind, lower case) and their line: an
    /// address may belong to one account of a kind.
    seen_emails: HashMap<(Kind, String), u64>,
    summary: ImportSummary,
}

/// An import being written: one open transaction.
pub struct ImportWriter<'a> {
    import: UserImport<'a>,
    tx: ImportTx,
}

impl Service {
    /// Starts an import as `actor`, who needs the right to create users.
    pub async fn import_users(&self, actor: &Actor) -> Result<UserImport<'_>> {
        let me = self.authorize(actor, Action::ManageUser, None).await?;
        let mut policies = HashMap::new();
        let (mut staff, mut portal) = (None, None);
        for row in self.store.policies().await? {
            let rules = parse_settings(&row)?;
            let r = PolicyRef {
                id: Some(row.id),
                version: row.version,
                rules,
            };
            match row.name.as_str() {
                "default" => {
                    staff = Some(PolicyRef {
                        id: None,
                        ..r.clone()
                    })
                }
                "portal" => {
                    portal = Some(PolicyRef {
                        id: None,
                        ..r.clone()
                    })
                }
                _ => {}
            }
            policies.insert(row.name.to_lowercase(), r);
        }
        let missing =
            || Error::Database("a built-in policy is missing; run keyward migrate".into());
        let resources = self
            .store
            .resources()
            .await?
            .into_iter()
            .map(|r| (r.name.to_lowercase(), r.id))
            .collect();
        Ok(UserImport {
            service: self,
            actor: actor.clone(),
            me: me.login,
            policies,
            staff: staff.ok_or_else(missing)?,
            portal: portal.ok_or_else(missing)?,
            resources,
            rights: HashMap::new(),
            may_grant: None,
            seen: HashMap::new(),
            seen_emails: HashMap::new(),
            summary: ImportSummary::default(),
        })
    }
}

impl<'a> UserImport<'a> {
    /// Checks a batch of rows (in file order) and returns their problems;
    /// nothing is changed. Call it for every batch before [`Self::write`].
    pub async fn check(&mut self, rows: &[ImportRow]) -> Result<Vec<ImportProblem>> {
        self.learn_rights(rows).await?;
        let mut problems = Vec::new();
        let mut fresh = Vec::new();
        for row in rows {
            match self.validate(row) {
                Ok(user) => {
                    let key = lookup_key(&user.login);
                    if let Some(first) = self.seen.get(&key) {
                        problems.push(ImportProblem {
                            line: row.line,
                            message: format!("the login ID {} is also on line {first}", user.login),
                        });
                        continue;
                    }
                    let email_key = (user.kind, user.email.to_lowercase());
                    if let Some(first) = self.seen_emails.get(&email_key) {
                        problems.push(ImportProblem {
                            line: row.line,
                            message: format!(
                                "the email address {} is also on line {first}: an address may belong to one {} account only",
                                user.email, user.kind
                            ),
                        });
                        continue;
                    }
                    self.seen.insert(key.clone(), row.line);
                    self.seen_emails.insert(email_key, row.line);
                    fresh.push((row.line, key, user));
                }
                Err(messages) => {
                    problems.extend(messages.into_iter().map(|message| ImportProblem {
                        line: row.line,
                        message,
                    }))
                }
            }
        }
        let keys: Vec<String> = fresh.iter().map(|(_, k, _)| k.clone()).collect();
        let taken: HashSet<String> = self
            .service
            .store
            .existing_logins(&keys)
            .await?
            .into_iter()
            .collect();
        let emails: Vec<String> = fresh
            .iter()
            .map(|(_, _, u)| u.email.to_lowercase())
            .collect();
        let emails_taken: HashSet<(String, String)> = self
            .service
            .store
            .existing_emails(&emails)
            .await?
            .into_iter()
            .collect();
        for (line, key, user) in fresh {
            let email_key = (user.kind.as_str().to_string(), user.email.to_lowercase());
            if emails_taken.contains(&email_key) {
                problems.push(ImportProblem {
                    line,
                    message: format!(
                        "the email address {} already belongs to a {} account: an address may belong to one only",
                        user.email, user.kind
                    ),
                });
            } else if taken.contains(&key) {
                problems.push(ImportProblem {
                    line,
                    message: format!("the login ID {} is already taken", user.login),
                });
            } else {
                self.summary.users += 1;
                self.summary.grants += user.grants.len() as u64;
                self.summary.holders += user.holders.len() as u64;
            }
        }
        self.summary.problems += problems.len() as u64;
        problems.sort_by_key(|p| p.line);
        Ok(problems)
    }

    /// What the rows checked so far hold.
    pub fn summary(&self) -> ImportSummary {
        self.summary
    }

    /// Starts writing, if every row checked was without problems: the
    /// audit entry (with the count) opens the transaction.
    pub async fn write(self) -> Result<ImportWriter<'a>> {
        let s = self.summary;
        if s.problems > 0 {
            return Err(Error::Invalid(format!(
                "the file has {}; nothing was imported",
                crate::domain::plural::count(s.problems, "problem", "problems")
            )));
        }
        if s.users == 0 {
            return Err(Error::Invalid(
                "the file holds no users; nothing was imported".into(),
            ));
        }
        let event = AuditEvent::new(
            &self.me,
            "user.import",
            "users",
            json!({ "after": { "users": s.users, "grants": s.grants, "holders": s.holders,
                    "password_set": false, "must_change": true } }),
        );
        let now = self.service.now();
        let tx = self
            .service
            .store
            .begin_import(&event, s.users, now)
            .await?;
        Ok(ImportWriter { import: self, tx })
    }

    /// Asks, once per role and kind the batch has, whether the actor may
    /// create such users (refusals are audited, once each), and whether
    /// they may grant resources if the batch grants any.
    async fn learn_rights(&mut self, rows: &[ImportRow]) -> Result<()> {
        let mut pairs: Vec<(Role, Kind)> = rows
            .iter()
            .filter_map(|r| Some((role_of(r).ok()?, kind_of(r).ok()?)))
            .filter(|p| !self.rights.contains_key(p))
            .collect();
        pairs.sort();
        pairs.dedup();
        for (role, kind) in pairs {
            let verdict = self.may_create(role, kind).await?;
            self.rights.insert((role, kind), verdict);
        }
        if self.may_grant.is_none() && rows.iter().any(|r| !r.resources.trim().is_empty()) {
            let verdict = refusal(
                self.service
                    .authorize(&self.actor, Action::ManageResources, None)
                    .await
                    .map(drop),
            )?;
            self.may_grant = Some(verdict);
        }
        Ok(())
    }

    /// As `create_user` judges it: on the account as it would be.
    async fn may_create(&self, role: Role, kind: Kind) -> Result<Option<String>> {
        let s = self.service;
        let me = s.current_actor(&self.actor).await?;
        let probe = crate::store::rows::UserRow { role, kind, ..me };
        let mut result = s
            .authorize(&self.actor, Action::ManageUser, Some(&probe))
            .await
            .map(drop);
        if result.is_ok() && role != Role::User {
            result = s
                .authorize(&self.actor, Action::ChangeRole(role), Some(&probe))
                .await
                .map(drop);
        }
        if result.is_ok() && role.rank() >= Role::Admin.rank() {
            result = s
                .require_step_up(&self.actor, &self.me, Action::ChangeRole(role))
                .await;
        }
        refusal(result)
    }

    /// Every rule a row must meet without the database; all its problems.
    fn validate(&self, row: &ImportRow) -> std::result::Result<ImportUserRow, Vec<String>> {
        let mut problems = Vec::new();
        let name = check_name(&row.name).map_err(|e| problems.push(e)).ok();
        let email = check_email(&row.email).map_err(|e| problems.push(e)).ok();
        let kind = kind_of(row).map_err(|e| problems.push(e)).ok();
        let role = role_of(row).map_err(|e| problems.push(e)).ok();
        if let (Some(Kind::Portal), Some(role)) = (kind, role)
            && role != Role::User
        {
            problems.push("portal accounts can only have the user role".into());
        }
        if let (Some(role), Some(kind)) = (role, kind)
            && let Some(Some(why)) = self.rights.get(&(role, kind))
        {
            problems.push(format!("not allowed: {why}"));
        }
        let policy = match (row.policy.trim(), kind) {
            ("", Some(Kind::Portal)) => Some(&self.portal),
            ("", _) => Some(&self.staff),
            (name, _) => match self.policies.get(&name.to_lowercase()) {
                Some(p) => Some(p),
                None => {
                    problems.push(format!("no policy named {name:?}"));
                    None
                }
            },
        };
        // The login is checked under the row's policy when it has one, and
        // its problem is listed first, as its column comes first.
        let login = match policy {
            Some(policy) => parse_login(&row.login, &policy.rules),
            None => LoginId::parse(&row.login),
        }
        .map_err(|e| problems.insert(0, e))
        .ok();
        let grants = self.grants(&row.resources, &mut problems);
        if !grants.is_empty()
            && let Some(Some(why)) = &self.may_grant
        {
            problems.push(format!("not allowed to grant resources: {why}"));
        }
        let holders = holders(&row.holders, &mut problems);
        match (login, name, email, kind, role, policy) {
            (Some(login), Some(name), Some(email), Some(kind), Some(role), Some(policy))
                if problems.is_empty() =>
            {
                Ok(ImportUserRow {
                    login: login.as_str().to_string(),
                    name,
                    email,
                    kind,
                    role,
                    policy_id: policy.id,
                    policy_version: policy.version,
                    grants,
                    holders,
                })
            }
            _ => Err(problems),
        }
    }

    /// `Resource[:level];...` to (resource id, level).
    fn grants(&self, cell: &str, problems: &mut Vec<String>) -> Vec<(i64, AccessLevel)> {
        let mut out: Vec<(i64, AccessLevel)> = Vec::new();
        for item in cell.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            // The level is what follows the last colon, when that is a
            // level: resource names may contain colons themselves.
            let (name, level) = match item.rsplit_once(':') {
                Some((n, l)) if l.trim().parse::<AccessLevel>().is_ok() => {
                    (n.trim(), l.trim().parse().unwrap_or(AccessLevel::Standard))
                }
                _ => (item, AccessLevel::Standard),
            };
            match self.resources.get(&name.to_lowercase()) {
                Some(id) if out.iter().any(|(r, _)| r == id) => {
                    problems.push(format!("the resource {name:?} is named twice"))
                }
                Some(id) => out.push((*id, level)),
                None => {
                    // "Payroll:admin": a resource, then a word that is not a level.
                    let bad_level = item
                        .rsplit_once(':')
                        .filter(|(n, _)| self.resources.contains_key(&n.trim().to_lowercase()))
                        .and_then(|(n, l)| {
                            let why = l.parse::<AccessLevel>().err()?;
                            Some(format!("{:?}: {why}", n.trim()))
                        });
                    problems
                        .push(bad_level.unwrap_or_else(|| format!("no resource named {name:?}")))
                }
            }
        }
        out
    }
}

impl ImportWriter<'_> {
    /// Writes a batch: the same rows, in the same order, as were checked.
    /// A row that no longer passes (the file changed) stops the import.
    pub async fn write(&mut self, rows: &[ImportRow]) -> Result<()> {
        let mut users = Vec::with_capacity(rows.len());
        for row in rows {
            let user = self.import.validate(row).map_err(|p| {
                Error::Conflict(format!(
                    "line {} changed since it was checked ({}); nothing was imported",
                    row.line,
                    p.join("; ")
                ))
            })?;
            users.push(user);
        }
        self.tx.insert(&users).await
    }

    /// Commits, if exactly the users checked were written.
    pub async fn finish(self) -> Result<ImportSummary> {
        let summary = self.import.summary;
        if self.tx.written() != summary.users {
            return Err(Error::Conflict(format!(
                "the file changed since it was checked ({} users then, {} now); nothing was imported",
                summary.users,
                self.tx.written()
            )));
        }
        self.tx.commit().await?;
        Ok(summary)
    }
}

fn kind_of(row: &ImportRow) -> std::result::Result<Kind, String> {
    match row.kind.trim() {
        "" => Ok(Kind::Staff),
        k => k.parse(),
    }
}

fn role_of(row: &ImportRow) -> std::result::Result<Role, String> {
    match row.role.trim() {
        "" => Ok(Role::User),
        r => r.parse(),
    }
}

/// A refusal (not allowed, or a step-up missing) as its reason; any other
/// error is passed on.
fn refusal(result: Result<()>) -> Result<Option<String>> {
    match result {
        Ok(()) => Ok(None),
        Err(Error::Forbidden(why) | Error::StepUpRequired(why)) => Ok(Some(why)),
        Err(e) => Err(e),
    }
}

/// `Name <email>;...` to (name, email).
fn holders(cell: &str, problems: &mut Vec<String>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for item in cell.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let parsed = item
            .strip_suffix('>')
            .and_then(|rest| rest.rsplit_once('<'))
            .map(|(n, e)| (check_name(unquoted(n)), check_email(e)));
        match parsed {
            Some((Ok(n), Ok(e))) => out.push((n, e)),
            Some((Err(e), _) | (_, Err(e))) => problems.push(format!("holder {item:?}: {e}")),
            None => problems.push(format!(
                "holder {item:?}: expected Name <email>, several separated by ;"
            )),
        }
    }
    out
}

/// A holder's name as mail writes one with a comma in it (`"Bell, Bea"
/// <bea@example.org>`): the quotes are not part of the name.
fn unquoted(name: &str) -> &str {
    let name = name.trim();
    name.strip_prefix('"')
        .and_then(|n| n.strip_suffix('"'))
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::holders;

    #[test]
    fn holders_cells() {
        let mut p = Vec::new();
        assert_eq!(
            holders("Bea Bell <bea@example.org>; Cy <cy@example.org>", &mut p),
            vec![
                ("Bea Bell".to_string(), "bea@example.org".to_string()),
                ("Cy".to_string(), "cy@example.org".to_string())
            ]
        );
        assert!(p.is_empty());
        assert!(holders("Bea Bell bea@example.org", &mut p).is_empty());
        assert!(p[0].contains("expected Name <email>"), "{p:?}");
        holders(" <bea@example.org>", &mut p);
        assert!(p[1].contains("the name is empty"), "{p:?}");
        assert_eq!(
            holders("\"Bell, Bea\" <bea@example.org>", &mut p),
            vec![("Bell, Bea".to_string(), "bea@example.org".to_string())]
        );
        holders("\"\" <bea@example.org>", &mut p);
        assert!(p[2].contains("the name is empty"), "{p:?}");
    }
}
