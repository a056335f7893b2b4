//! `keyward user ...` handlers.

use super::args::UserCommand;
use super::output::say;
use super::output::{json, safe, table, time};
use super::{input, parse};
use crate::domain::listing::UserSort;
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

pub async fn run(service: &Service, actor: &Actor, cmd: UserCommand) -> Result<i32> {
    match cmd {
        UserCommand::List {
            search,
            status,
            kind,
            role,
            resource,
            sort,
            limit,
            out,
        } => {
            let filter = UserFilter {
                search,
                status: status.as_deref().map(parse).transpose()?,
                kind: kind.as_deref().map(parse::<Kind>).transpose()?,
                role: role.as_deref().map(parse::<Role>).transpose()?,
                resource,
                sort: match sort.as_str() {
                    "login" => UserSort::Login,
                    "name" => UserSort::Name,
                    "last-login" | "last_login" => UserSort::LastLogin,
                    other => {
                        return Err(Error::Invalid(format!(
                            "unknown sort {other:?}: use login, name or last-login"
                        )));
                    }
                },
                after: None,
                backward: false,
                descending: false,
                limit: limit.clamp(1, 1000),
            };
            let page = service.list_users(actor, &filter).await?;
            if out.json {
                json(&page.items)?;
            } else {
                let rows: Vec<Vec<String>> = page
                    .items
                    .iter()
                    .map(|u| {
                        vec![
                            safe(&u.login),
                            safe(&u.name),
                            safe(&u.email),
                            u.kind.clone(),
                            u.role.clone(),
                            badges(u),
                            time(u.last_login_at),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "LOGIN",
                        "NAME",
                        "EMAIL",
                        "KIND",
                        "ROLE",
                        "STATUS",
                        "LAST SIGN-IN",
                    ],
                    &rows,
                );
                if page.next.is_some() {
                    eprintln!(
                        "(first {} shown; narrow with --search or raise --limit)",
                        page.items.len()
                    );
                }
            }
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
            say!("created {} ({} {})", u.login, u.kind, u.role);
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
        UserCommand::TempPassword { login } => {
            let pw = service.temporary_password(actor, &login).await?;
            say!("{}", pw.as_str());
            eprintln!(
                "temporary password for {} (shown once; must be changed at next sign-in)",
                safe(&login)
            );
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
            let count = service.bulk_reset_count(actor, &req).await?;
            if count == 0 {
                say!("no staff users match; nothing to do");
                return Ok(0);
            }
            let password = input::new_password(
                pw.password_stdin,
                &format!("New password for {count} staff users: "),
            )?;
            if !yes {
                input::confirm_typed(
                    &format!("This gives {count} staff users the same new password."),
                    &count.to_string(),
                )?;
            }
            let bar = indicatif::ProgressBar::new(count as u64);
            let cancel = AtomicBool::new(false);
            let req = BulkRequest {
                confirmed_count: u64::try_from(count).ok(),
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
                "reset {changed} passwords{}",
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
