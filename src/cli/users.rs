//! `keyward user ...` handlers.

use super::args::Format;
use super::args::UserCommand;
use super::output::say;
use super::output::{Table, json, safe, table, time};
use super::records::RecordWriter;
use super::{input, parse};
use crate::domain::listing::UserSort;
use crate::domain::plural::count;
use crate::domain::{Kind, Role};
use crate::error::{Error, Result};
use crate::service::views::UserSummary;
use crate::service::{Actor, BulkRequest, NewUser, Service, UserEdit, UserFilter};
use std::sync::atomic::AtomicBool;

fn badges(u: &UserSummary) -> String {
    let mut b = Vec::new();
    if u.locked {
        b.push(match u.locked_until {
            Some(t) => format!("locked until {}", t.format("%H:%M")),
            None => "locked".into(),
        });
    }
    if u.badges.disabled {
        b.push("disabled".into());
    }
    if u.must_change_password {
        b.push("must change".into());
    }
    if u.badges.deletion_candidate {
        b.push("deletion candidate".into());
    } else if u.badges.needs_revalidation {
        b.push("needs re-validation".into());
    }
    if b.is_empty() {
        "ok".into()
    } else {
        b.join(", ")
    }
}

/// The most users one page of `user list` holds (the service's cap).
const LIST_MAX: i64 = 1000;

/// What to say when a listing stopped before the last match.
fn more_users(shown: usize, limit: i64) -> String {
    if limit < LIST_MAX {
        format!(
            "(first {shown} shown; narrow with --search, raise --limit up to {LIST_MAX}, or use --all for every match)"
        )
    } else {
        format!(
            "(first {shown} shown, the most --limit gives; narrow with --search, or use --all for every match)"
        )
    }
}

fn user_row(u: &UserSummary) -> Vec<String> {
    vec![
        safe(&u.login),
        safe(&u.name),
        safe(&u.email),
        u.kind.to_string(),
        u.role.to_string(),
        badges(u),
        time(u.last_login_at),
    ]
}

pub async fn run(
    config: &crate::config::Config,
    service: &Service,
    actor: &Actor,
    cmd: UserCommand,
) -> Result<i32> {
    match cmd {
        UserCommand::List {
            search,
            status,
            kind,
            role,
            resource,
            sort,
            reverse,
            limit,
            all,
            duplicate_emails,
            out,
        } => {
            if duplicate_emails {
                let groups = service.duplicate_emails(actor).await?;
                if out.json {
                    json(&groups)?;
                } else if groups.is_empty() {
                    say!("no email address is shared by two accounts of one kind");
                } else {
                    let rows: Vec<Vec<String>> = groups
                        .iter()
                        .map(|g| {
                            vec![
                                safe(&g.email),
                                g.kind.to_string(),
                                g.logins.len().to_string(),
                                safe(&g.logins.join(", ")),
                            ]
                        })
                        .collect();
                    table(&["EMAIL", "KIND", "ACCOUNTS", "LOGINS"], &rows);
                    eprintln!(
                        "{}: a reset by email sends nothing to these; give each account its own address (keyward user edit LOGIN --email ...)",
                        count(groups.len(), "shared address", "shared addresses")
                    );
                }
                return Ok(0);
            }
            let mut filter = UserFilter {
                search,
                status: status.as_deref().map(parse).transpose()?,
                kind: kind.as_deref().map(parse::<Kind>).transpose()?,
                role: role.as_deref().map(parse::<Role>).transpose()?,
                resource,
                sort: match sort.as_str() {
                    "login" => UserSort::Login,
                    "name" => UserSort::Name,
                    "email" => UserSort::Email,
                    "last-login" | "last_login" => UserSort::LastLogin,
                    "kind" => UserSort::Kind,
                    "role" => UserSort::Role,
                    "status" => UserSort::Status,
                    other => {
                        return Err(Error::Invalid(format!(
                            "unknown sort {other:?}: use login, name, email, kind, role, status or last-login"
                        )));
                    }
                },
                after: None,
                backward: false,
                descending: reverse,
                limit: if all {
                    LIST_MAX
                } else {
                    limit.clamp(1, LIST_MAX)
                },
            };
            let mut lines = (all && out.json).then(|| RecordWriter::new(Format::Ndjson));
            let mut table = Table::new(&[
                "LOGIN",
                "NAME",
                "EMAIL",
                "KIND",
                "ROLE",
                "STATUS",
                "LAST SIGN-IN",
            ]);
            // Each user once, though a page read later may meet them again:
            // a rename moves a user past the cursor, and in the status sort
            // a lock that runs out moves its user into a later group.
            let mut listed: std::collections::HashSet<i64> = std::collections::HashSet::new();
            loop {
                let mut page = service.list_users(actor, &filter).await?;
                page.items.retain(|u| listed.insert(u.id));
                if let Some(w) = lines.as_mut() {
                    for u in &page.items {
                        w.write_json(u)?;
                    }
                } else if out.json {
                    json(&page.items)?;
                } else {
                    let rows: Vec<Vec<String>> = page.items.iter().map(user_row).collect();
                    table.rows(&rows);
                }
                match page.next {
                    Some(next) if all => filter.after = Some(next),
                    Some(_) if !out.json => {
                        eprintln!("{}", more_users(page.items.len(), filter.limit));
                        break;
                    }
                    _ => break,
                }
            }
            if let Some(w) = lines {
                w.finish()?;
            }
        }
        UserCommand::Import { file, dry_run, out } => {
            return super::transfer::import(service, actor, &file, dry_run, out.json).await;
        }
        UserCommand::Export { export } => {
            return super::transfer::export_users(service, actor, export.format).await;
        }
        UserCommand::Show { login, out } => {
            let d = service.get_user(actor, &login).await?;
            if out.json {
                json(&d)?;
            } else {
                let s = &d.summary;
                say!("login:            {}", safe(&s.login));
                say!("name:             {}", safe(&s.name));
                say!("email:            {}", safe(&s.email));
                say!("kind / role:      {} / {}", s.kind, s.role);
                say!("status:           {}", badges(s));
                say!("failed attempts:  {}", s.failed_attempts);
                say!("last sign-in:     {}", time(s.last_login_at));
                say!(
                    "password set:     {}",
                    if d.has_password {
                        time(d.password_changed_at)
                    } else {
                        "never".into()
                    }
                );
                say!("policy:           {} ({})", d.policy, d.policy_reason);
                say!(
                    "holders:          {}",
                    if d.holders.is_empty() {
                        "-".into()
                    } else {
                        d.holders
                            .iter()
                            .map(|h| format!("{} <{}> [{}]", safe(&h.name), safe(&h.email), h.id))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                );
                say!(
                    "resources:        {}",
                    if d.resources.is_empty() {
                        "-".into()
                    } else {
                        d.resources
                            .iter()
                            .map(|g| format!("{} ({})", safe(&g.resource), g.level))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                );
                if !d.application_sign_ins.is_empty() {
                    say!("sign-ins through applications:");
                    for a in &d.application_sign_ins {
                        say!(
                            "  {:<24} last ok {}  {} ok, {} failed  (last: {} at {})",
                            safe(&a.resource),
                            super::output::time(a.last_ok),
                            a.ok,
                            a.failed,
                            a.last_outcome,
                            a.last_at.format("%Y-%m-%d %H:%M")
                        );
                    }
                }
                for l in &d.pending_reset_links {
                    say!(
                        "reset link asked for {}, expires {}: {}",
                        l.requested_at.format("%Y-%m-%d %H:%M"),
                        l.expires_at.format("%Y-%m-%d %H:%M"),
                        safe(&l.link)
                    );
                }
                if !d.recent_attempts.is_empty() {
                    say!("recent sign-ins:");
                    for a in d.recent_attempts.iter().take(10) {
                        say!(
                            "  {}  {:<15} {}",
                            a.at.format("%Y-%m-%d %H:%M:%S"),
                            a.outcome,
                            safe(&a.source)
                        );
                    }
                }
            }
        }
        UserCommand::Add {
            login,
            name,
            email,
            role,
            kind,
            policy,
            must_change,
            no_password,
            pw,
            out,
        } => {
            let new = NewUser {
                login: login.clone(),
                name,
                email,
                kind: parse(&kind)?,
                role: parse(&role)?,
                policy,
                must_change,
            };
            let password = if no_password {
                None
            } else {
                Some(input::new_password(
                    pw.password_stdin,
                    &format!("Password for {login}: "),
                )?)
            };
            let u = service.create_user(actor, &new, password.as_ref()).await?;
            if out.json {
                json(&u)?;
            } else {
                say!("created {} ({} {})", u.login, u.kind, u.role);
            }
        }
        UserCommand::Edit {
            login,
            new_login,
            name,
            email,
            role,
            policy,
        } => {
            let edit = UserEdit {
                login: new_login,
                name,
                email,
                role: role.as_deref().map(parse::<Role>).transpose()?,
                policy: policy.map(|p| {
                    if p.eq_ignore_ascii_case("none") {
                        None
                    } else {
                        Some(p)
                    }
                }),
            };
            let u = service.edit_user(actor, &login, None, &edit).await?;
            say!("updated {}", u.login);
        }
        UserCommand::SetPassword {
            login,
            must_change,
            pw,
        } => {
            let detail = service.get_user(actor, &login).await?;
            if detail.summary.id == actor.user_id {
                return own_password(service, actor, must_change, pw.password_stdin).await;
            }
            if !detail.holders.is_empty() {
                eprintln!(
                    "note: {} is shared by {}; all of them will need the new password",
                    detail.summary.login,
                    detail
                        .holders
                        .iter()
                        .map(|h| h.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let password =
                input::new_password(pw.password_stdin, &format!("New password for {login}: "))?;
            service
                .set_password(actor, &login, &password, must_change)
                .await?;
            say!(
                "password set for {}{}",
                detail.summary.login,
                if must_change {
                    " (must change at next sign-in)"
                } else {
                    ""
                }
            );
        }
        UserCommand::TempPassword { login, out } => {
            let pw = service.temporary_password(actor, &login).await?;
            if out.json {
                json(&serde_json::json!({
                    "login": login,
                    "password": pw.as_str(),
                    "must_change": true,
                }))?;
            } else {
                say!("{}", pw.as_str());
                eprintln!(
                    "temporary password for {} (shown once; must be changed at next sign-in)",
                    safe(&login)
                );
            }
        }
        UserCommand::Purge {
            preview,
            count: given,
            out,
        } => {
            let shown = if preview { 10_000 } else { 20 };
            let p = service.purge_preview(actor, shown).await?;
            if preview && out.json {
                json(&p)?;
                return Ok(0);
            }
            if p.count == 0 {
                say!(
                    "no deletion candidates: nobody is idle past their policy's delete_after_days"
                );
                return Ok(0);
            }
            if preview || given.is_none() {
                let rows: Vec<Vec<String>> = p
                    .candidates
                    .iter()
                    .map(|c| {
                        vec![
                            safe(&c.login),
                            c.kind.to_string(),
                            match c.last_login_at {
                                Some(t) => time(Some(t)),
                                None => format!("never (created {})", time(Some(c.created_at))),
                            },
                        ]
                    })
                    .collect();
                table(&["LOGIN", "KIND", "LAST SIGN-IN"], &rows);
                let more = p.count - p.candidates.len() as i64;
                if more > 0 {
                    say!("... and {more} more");
                }
                say!(
                    "{} idle past their policy's delete_after_days (administrators are never candidates)",
                    count(p.count, "deletion candidate", "deletion candidates")
                );
            }
            if preview {
                return Ok(0);
            }
            let confirmed = match given {
                Some(n) => n,
                None => {
                    input::confirm_typed(
                        &format!(
                            "This deletes {} for good, with their grants, holders and history.",
                            count(p.count, "account", "accounts")
                        ),
                        &p.count.to_string(),
                        "--count N, N the number of candidates --preview shows",
                    )?;
                    p.count
                }
            };
            let deleted = service.purge(actor, confirmed).await?;
            if out.json {
                json(&serde_json::json!({ "deleted": deleted }))?;
            } else {
                say!("deleted {}", count(deleted.len(), "account", "accounts"));
            }
        }
        UserCommand::SendReset { logins, out } => {
            return send_reset(config, service, actor, &logins, out.json).await;
        }
        UserCommand::Unlock { login } => {
            service.unlock(actor, &login).await?;
            say!("unlocked {login}");
        }
        UserCommand::Disable { login } => {
            service.set_disabled(actor, &login, true).await?;
            say!("disabled {login}");
        }
        UserCommand::Enable { login } => {
            service.set_disabled(actor, &login, false).await?;
            say!("enabled {login}");
        }
        UserCommand::Delete { login, yes } => {
            let d = service.get_user(actor, &login).await?;
            if !yes {
                input::confirm_typed(
                    &format!(
                        "Delete {} ({}) and all their grants and history?",
                        d.summary.login,
                        safe(&d.summary.name)
                    ),
                    &d.summary.login,
                    "--yes",
                )?;
            }
            service.delete_user(actor, &login).await?;
            say!("deleted {}", d.summary.login);
        }
        UserCommand::Holders {
            login,
            add,
            email,
            note,
            remove,
            out,
        } => {
            if let Some(name) = add {
                let h = service
                    .add_holder(
                        actor,
                        &login,
                        &name,
                        email.as_deref().unwrap_or(""),
                        note.as_deref().unwrap_or(""),
                    )
                    .await?;
                say!("added holder {} [{}]", safe(&h.name), h.id);
            } else if let Some(id) = remove {
                service.remove_holder(actor, &login, id).await?;
                say!("removed holder {id}");
            } else {
                let holders = service.holders(actor, &login).await?;
                if out.json {
                    json(&holders)?;
                } else {
                    let rows: Vec<Vec<String>> = holders
                        .iter()
                        .map(|h| {
                            vec![
                                h.id.to_string(),
                                safe(&h.name),
                                safe(&h.email),
                                safe(&h.note),
                            ]
                        })
                        .collect();
                    table(&["ID", "NAME", "EMAIL", "NOTE"], &rows);
                }
            }
        }
        UserCommand::ResetAll {
            must_change: _,
            no_must_change,
            by_link,
            role,
            resource,
            yes,
            pw,
        } => {
            let req = BulkRequest {
                role: role.as_deref().map(parse::<Role>).transpose()?,
                resource,
                must_change: !no_must_change,
                confirmed_count: None,
            };
            if by_link {
                return reset_all_by_link(service, actor, req, yes).await;
            }
            let affected = service.bulk_reset_count(actor, &req).await?;
            if affected == 0 {
                say!("no staff users match; nothing to do");
                return Ok(0);
            }
            let password = input::new_password(
                pw.password_stdin,
                &format!(
                    "New password for {}: ",
                    count(affected, "staff user", "staff users")
                ),
            )?;
            if !yes {
                input::confirm_typed(
                    &format!(
                        "This gives {} the same new password.",
                        count(affected, "staff user", "staff users")
                    ),
                    &affected.to_string(),
                    "--yes",
                )?;
            }
            let bar = indicatif::ProgressBar::new(affected as u64);
            let cancel = AtomicBool::new(false);
            let req = BulkRequest {
                confirmed_count: u64::try_from(affected).ok(),
                ..req
            };
            let changed = service
                .bulk_reset(
                    actor,
                    &req,
                    &password,
                    &|p| {
                        bar.set_length(p.total);
                        bar.set_position(p.done);
                    },
                    &cancel,
                )
                .await?;
            bar.finish_and_clear();
            say!(
                "reset {}{}",
                count(changed, "password", "passwords"),
                if req.must_change {
                    "; each must be changed at next sign-in"
                } else {
                    ""
                }
            );
        }
    }
    Ok(0)
}

/// `user reset-all --by-link`: a one-time link mailed to each user in scope.
async fn reset_all_by_link(
    service: &Service,
    actor: &Actor,
    req: BulkRequest,
    yes: bool,
) -> Result<i32> {
    let affected = service.bulk_reset_links_count(actor, &req).await?;
    if affected == 0 {
        say!("no staff users match; nothing to do");
        return Ok(0);
    }
    let links = count(affected, "reset link", "reset links");
    if !yes {
        input::confirm_typed(
            &format!(
                "This mails {links}, one to each staff user in scope; their current passwords \
                 keep working until they use it."
            ),
            &affected.to_string(),
            "--yes",
        )?;
    }
    let bar = indicatif::ProgressBar::new(affected as u64);
    let cancel = AtomicBool::new(false);
    let req = BulkRequest {
        confirmed_count: u64::try_from(affected).ok(),
        ..req
    };
    let queued = service
        .bulk_reset_links(
            actor,
            &req,
            &|p| {
                bar.set_length(p.total);
                bar.set_position(p.done);
            },
            &cancel,
        )
        .await?;
    bar.finish_and_clear();
    say!(
        "{} to be mailed; `keyward mail status` shows the delivery",
        count(queued, "reset link", "reset links")
    );
    Ok(0)
}

/// `user set-password` with one's own login: the current password first
/// (an administrator changes their own password by giving it), then the
/// new one; with --password-stdin, one line each.
async fn own_password(
    service: &Service,
    actor: &Actor,
    must_change: bool,
    stdin: bool,
) -> Result<i32> {
    if must_change {
        return Err(Error::Invalid(
            "--must-change is for other users' passwords; yours is changed now".into(),
        ));
    }
    let current = input::password_once(stdin, "Your current password: ")?;
    let new = input::new_password(stdin, "Your new password: ")?;
    service.change_own_password(actor, &current, &new).await?;
    say!("your password is changed");
    Ok(0)
}

/// `user send-reset LOGIN...`: a link for each, mailed (or waiting in the
/// outbox when no mail server is configured). Every login is tried; the
/// exit status is the first failure's.
async fn send_reset(
    config: &crate::config::Config,
    service: &Service,
    actor: &Actor,
    logins: &[String],
    as_json: bool,
) -> Result<i32> {
    // The settings are checked here, for a clear message before anything.
    if config.web.public_url.is_none() {
        return Err(Error::Invalid(
            "the links would lead nowhere: set [web] public_url to where users reach keyward serve (see config.example.toml)".into(),
        ));
    }
    crate::serve::links_base(&config.web)?;
    let mailing = crate::mail::MailSettings::resolve(config)?.is_some();
    let mut sent = Vec::new();
    let mut status = 0;
    for login in logins {
        match service.send_reset_link(actor, login).await {
            Ok(link) => {
                if !as_json {
                    say!(
                        "{}: a reset link {} {} (it works until {})",
                        safe(&link.login),
                        if mailing {
                            "will be mailed to"
                        } else {
                            "waits in the outbox for"
                        },
                        safe(&link.to),
                        link.expires_at.format("%Y-%m-%d %H:%M UTC")
                    );
                }
                sent.push(link);
            }
            Err(e) => {
                eprintln!("keyward: {}: {e}", safe(login));
                if status == 0 {
                    status = i32::from(super::exit::code(&e));
                }
            }
        }
    }
    if as_json {
        json(&sent)?;
    }
    if !mailing && !sent.is_empty() {
        eprintln!(
            "no mail server is configured ([mail] url): the links wait in the outbox; pass them on with `keyward reset-token pending`"
        );
    }
    Ok(status)
}
