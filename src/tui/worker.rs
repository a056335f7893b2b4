//! Runs effects: each call is a tokio task on the service (hashing happens
//! on the blocking pool inside the service); its answer goes back to the
//! event loop tagged with the request id. The state machine drops answers
//! it no longer waits for.

use super::effect::{Call, Event, Reply, Secrets};
use crate::crypto::tokens::Shown;
use crate::error::{Error, Result};
use crate::service::views::AuditVerdict;
use crate::service::{Actor, Service};
use tokio::sync::mpsc::UnboundedSender;

/// How long a ping may take before the database counts as unreachable: a
/// stalled connection answers nothing at all, and without a deadline the
/// console would wait on it until the operating system gives up (minutes).
pub const PING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// How many recent failed sign-ins the Lockouts pane loads.
const FAILURES_MAX: i64 = 500;

#[derive(Clone)]
pub struct Worker {
    service: Service,
    tx: UnboundedSender<Event>,
}

impl Worker {
    pub fn new(service: Service, tx: UnboundedSender<Event>) -> Worker {
        Worker { service, tx }
    }

    /// Starts the call in the background.
    pub fn spawn(&self, id: u64, actor: Option<Actor>, call: Call) {
        let service = self.service.clone();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let reply = perform_with(&service, actor.as_ref(), call, Some((id, &tx))).await;
            // The loop may have ended; nothing to do then.
            let _ = tx.send(Event::Reply { id, reply });
        });
    }
}

fn need(actor: Option<&Actor>) -> Result<&Actor> {
    actor.ok_or_else(|| Error::Unauthenticated("sign in first".into()))
}

/// Runs one call. Public so that tests can drive the app against a real
/// database without a terminal.
pub async fn perform(service: &Service, actor: Option<&Actor>, call: Call) -> Reply {
    perform_with(service, actor, call, None).await
}

/// Runs one call; long ones report progress as events on `events`.
pub async fn perform_with(
    service: &Service,
    actor: Option<&Actor>,
    call: Call,
    events: Option<(u64, &UnboundedSender<Event>)>,
) -> Reply {
    match call {
        Call::Resources => {
            Reply::Resources(async { service.list_resources(need(actor)?).await }.await)
        }
        Call::ResourceUsers { name } => Reply::Grants(
            async {
                service
                    .resource_users(
                        need(actor)?,
                        &name,
                        None,
                        crate::tui::panes::resources::ACCESS_ROWS as i64,
                    )
                    .await
            }
            .await,
        ),
        Call::SaveResource {
            original,
            name,
            description,
        } => Reply::Done(
            async {
                let actor = need(actor)?;
                let r = match original {
                    Some(old) => {
                        service
                            .update_resource(actor, &old, Some(&name), Some(&description))
                            .await?
                    }
                    None => service.add_resource(actor, &name, &description).await?,
                };
                Ok(format!("saved resource {}", r.name))
            }
            .await,
        ),
        Call::DeleteResource { name } => Reply::Done(
            async {
                let n = service.delete_resource(need(actor)?, &name).await?;
                Ok(format!("deleted resource {name}; {n} users lost access"))
            }
            .await,
        ),
        Call::GrantMany {
            resource,
            logins,
            level,
        } => batch_reply(
            async {
                service
                    .grant_many(need(actor)?, &resource, &logins, level)
                    .await
            }
            .await,
            "granted",
            "user",
            &format!("{level} access to {resource}"),
        ),
        Call::ApiKeys { resource } => {
            Reply::ApiKeys(async { service.list_api_keys(need(actor)?, &resource).await }.await)
        }
        Call::IssueKey {
            resource,
            label,
            admin_password,
        } => Reply::Secret(
            async {
                let fresh = step_up(service, actor, &admin_password).await?;
                let issued = service.issue_api_key(&fresh, &resource, &label).await?;
                Ok(Secrets {
                    title: format!(
                        "Key {} for {}, shown once",
                        issued.view.prefix, issued.view.resource
                    ),
                    items: vec![(String::new(), Shown(issued.key))],
                    note: Some(
                        "Store it in the application's secrets now: keyward keeps only its SHA-256."
                            .into(),
                    ),
                })
            }
            .await,
        ),
        Call::RevokeKey {
            resource,
            key,
            admin_password,
        } => Reply::Done(
            async {
                let fresh = step_up(service, actor, &admin_password).await?;
                let k = service.revoke_api_key(&fresh, &resource, &key).await?;
                Ok(format!(
                    "revoked key {} of {}; applications using it are refused from now on",
                    k.prefix, k.resource
                ))
            }
            .await,
        ),
        Call::Policies => {
            Reply::Policies(async { service.list_policies_uncounted(need(actor)?).await }.await)
        }
        Call::PolicyCounts => {
            Reply::PolicyCounts(async { service.policy_user_counts(need(actor)?).await }.await)
        }
        Call::SavePolicy {
            name,
            pairs,
            version,
            admin_password,
        } => Reply::Done(
            async {
                let fresh = step_up(service, actor, &admin_password).await?;
                let change = service
                    .set_policy(&fresh, &name, &pairs, Some(version))
                    .await?;
                Ok(format!(
                    "policy {} is now version {}{}",
                    change.name,
                    change.version,
                    if change.enforced {
                        "; older passwords must be changed at next sign-in"
                    } else {
                        ""
                    }
                ))
            }
            .await,
        ),
        Call::CreatePolicy { name, copy_of } => Reply::Done(
            async {
                let p = service.create_policy(need(actor)?, &name, &copy_of).await?;
                Ok(format!("created policy {} as a copy of {copy_of}", p.name))
            }
            .await,
        ),
        Call::DeletePolicy { name } => done(
            async { service.delete_policy(need(actor)?, &name).await }.await,
            format!("deleted policy {name}"),
        ),
        Call::BulkCount { request } => {
            Reply::Count(async { service.bulk_reset_count(need(actor)?, &request).await }.await)
        }
        Call::BulkReset {
            request,
            password,
            admin_password,
            cancel,
        } => Reply::Done(
            async {
                // Step-up: the acting administrator's own password, checked
                // through authenticate. A wrong one is an input error here.
                let fresh = step_up(service, actor, &admin_password).await?;
                let report = |p: crate::domain::progress::Progress| {
                    if let Some((id, tx)) = events {
                        let _ = tx.send(Event::Progress {
                            id,
                            done: p.done,
                            total: p.total,
                        });
                    }
                };
                let n = service
                    .bulk_reset(&fresh, &request, &password, &report, &cancel)
                    .await?;
                Ok(format!(
                    "reset {n} password{}{}",
                    if n == 1 { "" } else { "s" },
                    if request.must_change {
                        "; each must be changed at next sign-in"
                    } else {
                        ""
                    }
                ))
            }
            .await,
        ),
        Call::BulkLinksCount { request } => Reply::Count(
            async { service.bulk_reset_links_count(need(actor)?, &request).await }.await,
        ),
        Call::BulkResetLinks {
            request,
            admin_password,
            cancel,
        } => Reply::Done(
            async {
                let fresh = step_up(service, actor, &admin_password).await?;
                let report = |p: crate::domain::progress::Progress| {
                    if let Some((id, tx)) = events {
                        let _ = tx.send(Event::Progress {
                            id,
                            done: p.done,
                            total: p.total,
                        });
                    }
                };
                let n = service
                    .bulk_reset_links(&fresh, &request, &report, &cancel)
                    .await?;
                Ok(format!(
                    "{n} reset link{} queued, one per user; the mail sender delivers them at the \
                     mail server's pace (keyward mail status)",
                    if n == 1 { "" } else { "s" }
                ))
            }
            .await,
        ),
        Call::NeedsSetup => Reply::NeedsSetup(service.first_run_policy().await),
        Call::Setup {
            login,
            name,
            email,
            password,
        } => Reply::SignIn(
            service
                .console_first_run(&login, &name, &email, &password)
                .await,
        ),
        Call::SignIn { login, password } => {
            Reply::SignIn(service.console_sign_in(&login, &password).await)
        }
        Call::ChangeAtSignIn {
            login,
            current,
            new,
        } => Reply::SignIn(
            service
                .console_change_at_sign_in(&login, &current, &new)
                .await,
        ),
        Call::ChangeOwn { current, new } => Reply::Done(
            async {
                service
                    .change_own_password(need(actor)?, &current, &new)
                    .await?;
                Ok("your password was changed".to_string())
            }
            .await,
        ),
        Call::CountUsers { filter } => {
            Reply::UserCount(async { service.count_listed(need(actor)?, &filter).await }.await)
        }
        Call::ListUsers { filter } => {
            Reply::Users(async { service.list_users(need(actor)?, &filter).await }.await)
        }
        Call::GetUser { login } => {
            Reply::User(async { service.get_user(need(actor)?, &login).await }.await)
        }
        Call::PasswordContext { login } => Reply::PasswordContext(
            async { service.password_target(need(actor)?, &login).await }.await,
        ),
        Call::FormChoices => {
            Reply::FormChoices(async { service.form_choices(need(actor)?).await }.await)
        }
        Call::SetPassword {
            login,
            password,
            must_change,
            expected_version,
        } => done(
            async {
                service
                    .set_password_at(
                        need(actor)?,
                        &login,
                        expected_version,
                        &password,
                        must_change,
                    )
                    .await
            }
            .await,
            format!(
                "password set for {login}{}",
                if must_change {
                    "; must be changed at next sign-in"
                } else {
                    ""
                }
            ),
        ),
        Call::TempPassword { login } => Reply::Secret(
            async {
                let pw = service.temporary_password(need(actor)?, &login).await?;
                Ok(Secrets {
                    title: format!(
                        "Temporary password for {login} (must be changed at next sign-in)"
                    ),
                    items: vec![(String::new(), Shown(pw))],
                    note: None,
                })
            }
            .await,
        ),
        Call::TempPasswords { logins } => Reply::Secret(
            async {
                let batch = service.temporary_passwords(need(actor)?, &logins).await?;
                if batch.done.is_empty() {
                    return Err(Error::Invalid(batch.summary(
                        "given",
                        "temporary password",
                        "",
                    )));
                }
                let note = (!batch.refused.is_empty())
                    .then(|| batch.summary("given", "temporary password", ""));
                Ok(Secrets {
                    title: format!(
                        "Temporary passwords for {} users (each must be changed at next sign-in)",
                        batch.done.len()
                    ),
                    items: batch
                        .done
                        .into_iter()
                        .map(|(login, pw)| (login, Shown(pw)))
                        .collect(),
                    note,
                })
            }
            .await,
        ),
        Call::SharedLogins { logins } => {
            Reply::Shared(async { service.shared_logins(need(actor)?, &logins).await }.await)
        }
        Call::SetDisabledMany { logins, disabled } => batch_reply(
            async {
                service
                    .set_disabled_many(need(actor)?, &logins, disabled)
                    .await
            }
            .await,
            if disabled { "disabled" } else { "enabled" },
            "user",
            "",
        ),
        Call::MailStatus => {
            Reply::MailStatus(async { service.mail_status(need(actor)?, 200).await }.await)
        }
        Call::PurgePreview { limit } => {
            Reply::PurgePreview(async { service.purge_preview(need(actor)?, limit).await }.await)
        }
        Call::Purge {
            admin_password,
            count,
        } => Reply::Done(
            async {
                let fresh = step_up(service, actor, &admin_password).await?;
                let deleted = service.purge(&fresh, count).await?;
                Ok(format!(
                    "{} purged",
                    crate::domain::plural::count(deleted.len() as u64, "account", "accounts")
                ))
            }
            .await,
        ),
        Call::RetryMail => Reply::Done(
            async {
                let n = service.retry_failed_mail(need(actor)?).await?;
                Ok(format!(
                    "{} queued again",
                    crate::domain::plural::count(n, "failed mail", "failed mails")
                ))
            }
            .await,
        ),
        Call::MailResetLinks { logins } => Reply::Done(
            async {
                let b = service.send_reset_links(need(actor)?, &logins).await?;
                Ok(mailed_text(&b)).and_then(|text| {
                    if b.refused.is_empty() {
                        Ok(text)
                    } else {
                        Err(Error::Invalid(text))
                    }
                })
            }
            .await,
        ),
        Call::ResetToken { login } => Reply::Secret(
            async {
                let (token, expires) = service.issue_reset_token(need(actor)?, &login).await?;
                Ok(Secrets {
                    title: format!(
                        "Reset token for {login}, valid until {}",
                        expires.format("%Y-%m-%d %H:%M UTC")
                    ),
                    items: vec![(String::new(), Shown(token))],
                    note: None,
                })
            }
            .await,
        ),
        Call::Unlock { login } => done(
            async { service.unlock(need(actor)?, &login).await }.await,
            format!("unlocked {login}"),
        ),
        Call::SetDisabled { login, disabled } => done(
            async { service.set_disabled(need(actor)?, &login, disabled).await }.await,
            format!("{} {login}", if disabled { "disabled" } else { "enabled" }),
        ),
        Call::Delete { login } => done(
            async { service.delete_user(need(actor)?, &login).await }.await,
            format!("deleted {login}"),
        ),
        Call::CreateUser { user, password } => Reply::Done(
            async {
                let u = service
                    .create_user(need(actor)?, &user, password.as_ref())
                    .await?;
                Ok(format!("created {}", u.login))
            }
            .await,
        ),
        Call::EditUser {
            login,
            version,
            edit,
        } => Reply::Done(
            async {
                let u = service
                    .edit_user(need(actor)?, &login, Some(version), &edit)
                    .await?;
                Ok(format!("saved {}", u.login))
            }
            .await,
        ),
        Call::AddHolder {
            login,
            name,
            email,
            note,
        } => done(
            async {
                service
                    .add_holder(need(actor)?, &login, &name, &email, &note)
                    .await
                    .map(|_| ())
            }
            .await,
            format!("added {name} as a holder of {login}"),
        ),
        Call::RemoveHolder { login, id } => done(
            async { service.remove_holder(need(actor)?, &login, id).await }.await,
            format!("removed a holder of {login}"),
        ),
        Call::Grant {
            login,
            resource,
            level,
        } => match level {
            Some(l) => done(
                async { service.grant(need(actor)?, &resource, &login, l).await }.await,
                format!("{login} has {l} access to {resource}"),
            ),
            None => done(
                async { service.revoke(need(actor)?, &resource, &login).await }.await,
                format!("revoked {login}'s access to {resource}"),
            ),
        },
        Call::Ping => Reply::Pong(
            tokio::time::timeout(PING_TIMEOUT, service.ping())
                .await
                .unwrap_or_else(|_| {
                    Err(Error::Unavailable(format!(
                        "no answer in {} s",
                        PING_TIMEOUT.as_secs()
                    )))
                }),
        ),
        Call::Audit { filter, before } => Reply::Audit(
            async {
                let filter = Some(filter.as_str()).filter(|f| !f.is_empty());
                service
                    .audit(need(actor)?, filter, before, crate::tui::panes::audit::PAGE)
                    .await
            }
            .await,
        ),
        Call::VerifyAudit => Reply::Verdict(
            async {
                Ok(match service.verify_audit(need(actor)?).await? {
                    AuditVerdict::Intact { entries } => {
                        (format!("chain intact: {entries} entries"), true)
                    }
                    AuditVerdict::Broken { seq, reason } => {
                        (format!("BROKEN at entry {seq}: {reason}"), false)
                    }
                })
            }
            .await,
        ),
        Call::ExportAudit { filter, dir } => Reply::Done(
            async {
                let filter = Some(filter.as_str()).filter(|f| !f.is_empty());
                let export = service
                    .export_audit_file(need(actor)?, filter, &dir)
                    .await?;
                Ok(format!(
                    "exported {} entries to {}",
                    export.entries,
                    export.path.display()
                ))
            }
            .await,
        ),
        Call::Lockouts { request } => Reply::Lockouts(
            async {
                service
                    .lockouts_overview(need(actor)?, &request, FAILURES_MAX)
                    .await
            }
            .await,
        ),
        Call::UnlockMany { logins } => batch_reply(
            async { service.unlock_many(need(actor)?, &logins).await }.await,
            "unlocked",
            "account",
            "",
        ),
        Call::CheckPassword { input, password } => Reply::Checked(
            tokio::task::spawn_blocking(move || {
                crate::tui::new_password::evaluate(&input, &password)
            })
            .await
            .map_err(|e| Error::Internal(format!("password check: {e}"))),
        ),
        Call::WatchLockouts => Reply::Watching(
            async {
                let Some(mut listener) = service.watch_lockouts(need(actor)?).await? else {
                    return Ok(false);
                };
                let Some((_, tx)) = events else {
                    return Ok(false);
                };
                let tx = tx.clone();
                tokio::spawn(async move {
                    loop {
                        if let Err(e) = listener.changed().await {
                            // The next wait reconnects; what changed meanwhile
                            // is found by the reload this sends (and the
                            // pane's periodic one still runs).
                            tracing::warn!(error = %e, "lock notifications interrupted");
                            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                        }
                        if tx.send(Event::LockoutsChanged).is_err() {
                            break;
                        }
                    }
                });
                Ok(true)
            }
            .await,
        ),
        Call::StepUp { password } => {
            Reply::SteppedUp(async { service.step_up(need(actor)?, &password).await }.await)
        }
    }
}

/// Step-up with the administrator's own password, typed in the dialog. A
/// wrong one is an input error there (the dialog stays, nothing changes).
async fn step_up(
    service: &Service,
    actor: Option<&Actor>,
    password: &crate::domain::Password,
) -> Result<Actor> {
    service
        .step_up(need(actor)?, password)
        .await
        .map_err(|e| match e {
            Error::Unauthenticated(m) => Error::Invalid(format!("{m}; nothing was changed")),
            e => e,
        })
}

/// A batch's summary as a note, or as an error when some were refused (so
/// that it is seen and stays until dismissed).
fn batch_reply<T>(
    r: Result<crate::service::Batch<T>>,
    verb: &str,
    noun: &str,
    object: &str,
) -> Reply {
    Reply::Done(r.and_then(|b| {
        let text = b.summary(verb, noun, object);
        if b.refused.is_empty() {
            Ok(text)
        } else {
            Err(Error::Invalid(text))
        }
    }))
}

/// "a reset link for anna.b will be mailed to a…@example.org (it works
/// until 08:25 UTC)", or for several "reset links will be mailed to 3
/// users"; links that wait in the outbox (no mail server) say so.
fn mailed_text(b: &crate::service::Batch<crate::service::SentLink>) -> String {
    let mailed = b.done.iter().all(|(_, s)| s.mailed);
    let how = if mailed {
        "will be mailed to"
    } else {
        "waits in the outbox (no mail server is configured; pass it on from the user's detail) for"
    };
    let mut text = match b.done.as_slice() {
        [(_, one)] => format!(
            "a reset link for {} {how} {} (it works until {})",
            one.login,
            one.to,
            one.expires_at.format("%H:%M UTC")
        ),
        _ => format!(
            "reset links for {} {}",
            crate::domain::plural::count(b.done.len(), "user", "users"),
            if mailed {
                "will be mailed"
            } else {
                "wait in the outbox (no mail server is configured)"
            }
        ),
    };
    if !b.refused.is_empty() {
        let why: Vec<String> = b
            .refused
            .iter()
            .map(|(l, e)| format!("{l} ({e})"))
            .collect();
        if b.done.is_empty() {
            text = format!("no reset link sent: {}", why.join(", "));
        } else {
            text.push_str(&format!("; not sent: {}", why.join(", ")));
        }
    }
    text
}

fn done(r: Result<()>, msg: String) -> Reply {
    Reply::Done(r.map(|()| msg))
}
