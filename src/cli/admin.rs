//! `keyward resource|policy|lockouts|audit` handlers.

use super::args::Format;
use super::args::{AuditCommand, KeyCommand, PolicyCommand, ResourceCommand};
use super::output::say;
use super::output::{Table, json, safe, table, time};
use super::parse;
use super::records::RecordWriter;
use crate::domain::AccessLevel;
use crate::domain::plural::count;
use crate::domain::policy::{KEYS, parse_pairs};
use crate::error::{Error, Result};
use crate::service::views::AuditVerdict;
use crate::service::{Actor, Service};

/// The most grants one page of `resource users` holds (the service's cap).
const GRANTS_MAX: i64 = 1000;
/// The most entries one page of `audit` holds (the service's cap).
const AUDIT_MAX: i64 = 10_000;

pub async fn resource(service: &Service, actor: &Actor, cmd: ResourceCommand) -> Result<i32> {
    match cmd {
        ResourceCommand::List { out } => {
            let list = service.list_resources(actor).await?;
            if out.json {
                json(&list)?;
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|r| vec![safe(&r.name), r.users.to_string(), safe(&r.description)])
                    .collect();
                table(&["RESOURCE", "USERS", "DESCRIPTION"], &rows);
            }
        }
        ResourceCommand::Add { name, description } => {
            let r = service.add_resource(actor, &name, &description).await?;
            say!("created resource {}", safe(&r.name));
        }
        ResourceCommand::Grant {
            resource,
            login,
            level,
        } => {
            let level: AccessLevel = parse(&level)?;
            service.grant(actor, &resource, &login, level).await?;
            say!("granted {login} {level} access to {}", safe(&resource));
        }
        ResourceCommand::Revoke { resource, login } => {
            service.revoke(actor, &resource, &login).await?;
            say!("revoked {login}'s access to {}", safe(&resource));
        }
        ResourceCommand::Edit {
            resource,
            new_name,
            description,
        } => {
            let r = service
                .update_resource(
                    actor,
                    &resource,
                    new_name.as_deref(),
                    description.as_deref(),
                )
                .await?;
            say!("updated resource {}", safe(&r.name));
        }
        ResourceCommand::Delete { resource, yes } => {
            if !yes {
                let users = service
                    .list_resources(actor)
                    .await?
                    .into_iter()
                    .find(|r| r.name.eq_ignore_ascii_case(resource.trim()))
                    .map(|r| r.users)
                    .unwrap_or(0);
                super::input::confirm_typed(
                    &format!(
                        "Delete {}? {} access.",
                        safe(&resource),
                        count(users, "user loses", "users lose")
                    ),
                    resource.trim(),
                    "--yes",
                )?;
            }
            let n = service.delete_resource(actor, &resource).await?;
            say!(
                "deleted resource {}; {} access",
                safe(&resource),
                count(n, "user lost", "users lost")
            );
        }
        ResourceCommand::Key(cmd) => return keys(service, actor, cmd).await,
        ResourceCommand::Users {
            resource,
            limit,
            all,
            out,
        } => {
            let mut lines = (all && out.json).then(|| RecordWriter::new(Format::Ndjson));
            let mut table = Table::new(&["LOGIN", "LEVEL", "GRANTED"]);
            let limit = if all { GRANTS_MAX } else { limit };
            let mut after: Option<String> = None;
            loop {
                let grants = service
                    .resource_users(actor, &resource, after.as_deref(), limit)
                    .await?;
                if let Some(w) = lines.as_mut() {
                    for g in &grants {
                        w.write_json(g)?;
                    }
                } else if out.json {
                    json(&grants)?;
                } else {
                    let rows: Vec<Vec<String>> = grants
                        .iter()
                        .map(|g| vec![safe(&g.login), g.level.clone(), time(Some(g.granted_at))])
                        .collect();
                    table.rows(&rows);
                }
                match grants.last() {
                    Some(last) if all && grants.len() as i64 == limit => {
                        after = Some(last.login.clone());
                    }
                    _ => break,
                }
            }
            if let Some(w) = lines {
                w.finish()?;
            }
        }
        ResourceCommand::Export { export } => {
            return super::transfer::export_resources(service, actor, export.format).await;
        }
    }
    Ok(0)
}

async fn keys(service: &Service, actor: &Actor, cmd: KeyCommand) -> Result<i32> {
    match cmd {
        KeyCommand::Issue {
            resource,
            label,
            out,
        } => {
            let issued = service.issue_api_key(actor, &resource, &label).await?;
            if out.json {
                json(&serde_json::json!({ "key": issued.key.as_str(), "details": issued.view }))?;
            } else {
                say!("{}", issued.key.as_str());
                eprintln!(
                    "key {} for {} (shown once: store it in the application's secrets now)",
                    issued.view.prefix,
                    safe(&issued.view.resource)
                );
            }
        }
        KeyCommand::List { resource, out } => {
            let keys = service.list_api_keys(actor, &resource).await?;
            if out.json {
                json(&keys)?;
            } else {
                let rows: Vec<Vec<String>> = keys
                    .iter()
                    .map(|k| {
                        vec![
                            k.id.to_string(),
                            k.prefix.clone(),
                            safe(&k.label),
                            time(Some(k.created_at)),
                            safe(&k.created_by),
                            k.revoked_at.map_or_else(
                                || "live".into(),
                                |t| format!("revoked {}", time(Some(t))),
                            ),
                        ]
                    })
                    .collect();
                table(&["ID", "PREFIX", "LABEL", "ISSUED", "BY", "STATE"], &rows);
            }
        }
        KeyCommand::Revoke { resource, key } => {
            let k = service.revoke_api_key(actor, &resource, &key).await?;
            say!(
                "revoked key {} of {}; applications using it are refused from now on",
                k.prefix,
                safe(&k.resource)
            );
        }
    }
    Ok(0)
}

pub async fn policy(service: &Service, actor: &Actor, cmd: PolicyCommand) -> Result<i32> {
    match cmd {
        PolicyCommand::List { out } => {
            let list = service.list_policies(actor).await?;
            if out.json {
                json(&list)?;
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|p| {
                        vec![
                            safe(&p.name),
                            p.users.to_string(),
                            p.version.to_string(),
                            time(Some(p.updated_at)),
                        ]
                    })
                    .collect();
                table(&["POLICY", "USERS", "VERSION", "CHANGED"], &rows);
            }
        }
        PolicyCommand::Show { name, out } => {
            let p = service.get_policy(actor, &name).await?;
            if out.json {
                json(&p)?;
            } else {
                say!(
                    "policy {} (version {}, governs {})",
                    safe(&p.name),
                    p.version,
                    count(p.users, "user", "users")
                );
                let mut group = "";
                for k in KEYS {
                    if k.group.label() != group {
                        group = k.group.label();
                        say!("\n{group}");
                    }
                    let value = p.settings.get(k.name).unwrap_or_default();
                    say!(
                        "  {:<24} {:<8} [{}]  {}",
                        k.name,
                        value,
                        k.range_text(),
                        k.help
                    );
                }
            }
        }
        PolicyCommand::Set { args } => {
            let (name, pairs) = match args.first() {
                Some(first) if !first.contains('=') => (first.clone(), &args[1..]),
                _ => ("default".to_string(), &args[..]),
            };
            let pairs = parse_pairs(pairs).map_err(|e| Error::Invalid(e.0))?;
            let change = service.set_policy(actor, &name, &pairs, None).await?;
            if change.changes.is_empty() {
                say!("policy {} unchanged", change.name);
            } else {
                for (k, a, b) in &change.changes {
                    say!("{k}: {a} -> {b}");
                }
                say!("policy {} is now version {}", change.name, change.version);
                if change.enforced {
                    say!(
                        "users whose password was set under an older version must choose a new, different one at their next sign-in"
                    );
                    let me = service.get_user(actor, &actor.login).await?;
                    if me.policy == change.name {
                        say!(
                            "that includes you ({}): your next sign-in asks for a new password",
                            me.summary.login
                        );
                    }
                }
            }
        }
        PolicyCommand::Create { name, copy_of } => {
            let p = service.create_policy(actor, &name, &copy_of).await?;
            say!("created policy {} as a copy of {}", p.name, copy_of);
        }
        PolicyCommand::Delete { name } => {
            service.delete_policy(actor, &name).await?;
            say!("deleted policy {name}");
        }
    }
    Ok(0)
}

pub async fn lockouts(service: &Service, actor: &Actor, as_json: bool) -> Result<i32> {
    let list = service.lockouts(actor, 1000).await?;
    if as_json {
        json(&list)?;
    } else if list.is_empty() {
        say!("no locked accounts");
    } else {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|u| {
                let until = match (u.locked, u.locked_until) {
                    (true, Some(t)) => t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                    (true, None) => "until unlocked".into(),
                    (false, _) => "close to locking".into(),
                };
                vec![
                    safe(&u.login),
                    safe(&u.name),
                    u.failed_attempts.to_string(),
                    until,
                    safe(u.last_failure_source.as_deref().unwrap_or("-")),
                ]
            })
            .collect();
        table(
            &["LOGIN", "NAME", "FAILURES", "LOCKED UNTIL", "LAST SOURCE"],
            &rows,
        );
    }
    Ok(0)
}

/// How `keyward audit` lists entries.
pub struct AuditListing<'a> {
    pub limit: i64,
    /// Every match, a page at a time.
    pub all: bool,
    pub filter: Option<&'a str>,
    pub json: bool,
}

pub async fn audit(
    service: &Service,
    actor: &Actor,
    cmd: Option<AuditCommand>,
    listing: &AuditListing<'_>,
) -> Result<i32> {
    let as_json = listing.json;
    if let Some(AuditCommand::Export { export }) = cmd {
        return super::transfer::export_audit(service, actor, export.format).await;
    }
    if let Some(AuditCommand::Checkpoint { append }) = cmd {
        let line = service.audit_checkpoint(actor).await?;
        match append {
            Some(path) => {
                append_line(&path, &line).map_err(|e| {
                    Error::Invalid(format!("cannot append to {}: {e}", path.display()))
                })?;
                say!("checkpoint appended to {}", path.display());
            }
            None => say!("{line}"),
        }
        return Ok(0);
    }
    if let Some(AuditCommand::Verify { checkpoint, out }) = cmd {
        let checkpoints = match &checkpoint {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Error::Invalid(format!("cannot read {}: {e}", path.display())))?;
                service.read_checkpoints(&text)?
            }
            None => Vec::new(),
        };
        let verdict = service.verify_audit_with(actor, &checkpoints).await?;
        if out.json || as_json {
            json(&verdict)?;
        }
        return Ok(match verdict {
            AuditVerdict::Intact { entries } => {
                if !(out.json || as_json) {
                    let checked = match checkpoints.len() {
                        0 => String::new(),
                        n => format!(
                            ", {} found in it",
                            count(n as u64, "checkpoint", "checkpoints")
                        ),
                    };
                    say!(
                        "audit trail intact: {}{checked}",
                        count(entries, "entry", "entries")
                    );
                }
                0
            }
            AuditVerdict::Broken { seq, reason } => {
                eprintln!("keyward: audit trail broken at entry {seq}: {reason}");
                i32::from(super::exit::AUDIT_BROKEN)
            }
        });
    }
    let limit = if listing.all {
        AUDIT_MAX
    } else {
        listing.limit
    };
    let mut lines = (listing.all && as_json).then(|| RecordWriter::new(Format::Ndjson));
    let mut table = Table::new(&["SEQ", "TIME (UTC)", "ACTOR", "ACTION", "TARGET", "DETAILS"]);
    let mut before = None;
    loop {
        let entries = service.audit(actor, listing.filter, before, limit).await?;
        if let Some(w) = lines.as_mut() {
            for e in &entries {
                w.write_json(e)?;
            }
        } else if as_json {
            json(&entries)?;
        } else {
            let rows: Vec<Vec<String>> = entries
                .iter()
                .map(|e| {
                    vec![
                        e.seq.to_string(),
                        e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                        safe(&e.actor),
                        e.action.clone(),
                        safe(&e.target),
                        safe(&e.details.to_string()),
                    ]
                })
                .collect();
            table.rows(&rows);
        }
        match entries.last() {
            Some(last) if listing.all && entries.len() as i64 == limit => before = Some(last.seq),
            _ => break,
        }
    }
    if let Some(w) = lines {
        w.finish()?;
    }
    Ok(0)
}

/// Appends `line` to `path`, creating it owner-only.
fn append_line(path: &std::path::Path, line: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    writeln!(file, "{line}")?;
    file.sync_all()
}
