//! A user's detail view: every field, the people sharing the login, resource
//! grants, the effective policy and why, recent sign-in attempts (stale
//! passwords marked) and recent audit entries.

use super::users::badges;
use crate::service::views::UserDetail;
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

#[derive(Debug)]
pub struct DetailView {
    pub login: String,
    pub data: Option<UserDetail>,
    pub scroll: u16,
    /// The request whose answer this view waits for; any other is stale.
    pub request: Option<u64>,
    /// Why the last request for it failed, shown in place of "Loading…"
    /// while there is nothing older to show.
    pub failed: Option<String>,
}

fn t(v: Option<DateTime<Utc>>) -> String {
    v.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "never".into())
}

impl DetailView {
    pub fn new(login: &str) -> DetailView {
        DetailView {
            login: login.to_string(),
            data: None,
            request: None,
            failed: None,
            scroll: 0,
        }
    }

    pub fn lines<'a>(&self, theme: &Theme, now: DateTime<Utc>) -> Vec<Line<'a>> {
        let Some(d) = &self.data else {
            return match &self.failed {
                Some(why) => vec![
                    Line::from(Span::styled(
                        format!("Could not load {}: {why}", self.login),
                        theme.bad(),
                    )),
                    Line::from(Span::styled(
                        "R tries again; after an outage it loads by itself once the database is back.",
                        theme.dim(),
                    )),
                ],
                None => vec![Line::from(Span::styled("Loading…", theme.dim()))],
            };
        };
        let s = &d.summary;
        let field = |k: &str, v: String| {
            Line::from(vec![
                Span::styled(format!("{k:<22}"), theme.dim()),
                Span::raw(v),
            ])
        };
        let section = |title: &str| Line::from(Span::styled(title.to_string(), theme.title()));
        let mut lines = vec![
            field("Login ID", s.login.clone()),
            field("Name", s.name.clone()),
            field("Email", s.email.clone()),
            field("Kind / role", format!("{} / {}", s.kind, s.role.label())),
            // The badges say the status ("disabled", "LOCKED 12m", "ok").
            Line::from(vec![Span::styled(format!("{:<22}", "Status"), theme.dim())])
                .patch_spans(badges(s, now, theme)),
            field(
                "Failed attempts",
                format!(
                    "{}{}",
                    s.failed_attempts,
                    s.last_failure_at
                        .map(|t| format!(
                            " (last {} from {})",
                            t.format("%Y-%m-%d %H:%M"),
                            s.last_failure_source.as_deref().unwrap_or("?")
                        ))
                        .unwrap_or_default()
                ),
            ),
            field("Last sign-in", t(s.last_login_at)),
            field(
                "Password",
                if d.has_password {
                    format!("set {}", t(d.password_changed_at))
                } else {
                    "none set: cannot sign in".into()
                },
            ),
            field("Policy", format!("{} ({})", d.policy, d.policy_reason)),
            field(
                "Created / changed",
                format!("{} / {}", t(Some(d.created_at)), t(Some(d.updated_at))),
            ),
            Line::raw(""),
            section(&format!(
                "Holders: people who share this login ({})",
                d.holders.len()
            )),
        ];
        if d.holders.is_empty() {
            lines.push(Line::from(Span::styled("  none recorded", theme.dim())));
        }
        for h in &d.holders {
            let note = if h.note.is_empty() {
                String::new()
            } else {
                format!(" — {}", h.note)
            };
            lines.push(Line::raw(format!("  {} <{}>{note}", h.name, h.email)));
        }
        lines.push(Line::raw(""));
        lines.push(section(&format!("Resources ({})", d.resources.len())));
        if d.resources.is_empty() {
            lines.push(Line::from(Span::styled("  no access granted", theme.dim())));
        }
        for g in &d.resources {
            lines.push(Line::raw(format!("  {:<28} {}", g.resource, g.level)));
        }
        lines.push(Line::raw(""));
        lines.push(section("Sign-ins through applications"));
        if d.application_sign_ins.is_empty() {
            lines.push(Line::from(Span::styled("  none recorded", theme.dim())));
        }
        for a in &d.application_sign_ins {
            lines.push(Line::raw(format!(
                "  {:<28} last ok {:<16}  {} ok, {} failed (last: {} {})",
                a.resource,
                t(a.last_ok),
                a.ok,
                a.failed,
                a.last_outcome.replace('_', " "),
                a.last_at.format("%Y-%m-%d %H:%M")
            )));
        }
        if !d.pending_reset_links.is_empty() {
            lines.push(Line::raw(""));
            lines.push(section("Reset links asked for, to pass on"));
            for l in &d.pending_reset_links {
                lines.push(Line::raw(format!(
                    "  asked {}, expires {}:",
                    l.requested_at.format("%Y-%m-%d %H:%M"),
                    l.expires_at.format("%H:%M UTC")
                )));
                lines.push(Line::raw(format!("    {}", l.link)));
            }
        }
        lines.push(Line::raw(""));
        lines.push(section("Recent sign-in attempts"));
        if d.recent_attempts.is_empty() {
            lines.push(Line::from(Span::styled("  none", theme.dim())));
        }
        for a in &d.recent_attempts {
            let (text, style) = match a.outcome.as_str() {
                "ok" => ("ok".to_string(), theme.good()),
                "stale_password" => (
                    "stale password (an old one; not counted)".to_string(),
                    theme.warn(),
                ),
                "locked" => (
                    "wrong password — locked the account".to_string(),
                    theme.bad(),
                ),
                "while_locked" => ("refused: account locked".to_string(), theme.bad()),
                "no_access" => (
                    "right password, no access to the application".to_string(),
                    theme.warn(),
                ),
                other => (other.replace('_', " "), theme.bad()),
            };
            lines.push(Line::from(vec![
                Span::raw(format!("  {}  ", a.at.format("%Y-%m-%d %H:%M:%S"))),
                Span::styled(format!("{text:<42}"), style),
                Span::styled(format!(" {}", a.source), theme.dim()),
            ]));
        }
        lines.push(Line::raw(""));
        lines.push(section("Recent changes (audit)"));
        if d.recent_audit.is_empty() {
            lines.push(Line::from(Span::styled("  none visible", theme.dim())));
        }
        for e in &d.recent_audit {
            lines.push(Line::raw(format!(
                "  {}  {:<12} {:<20} {}",
                e.at.format("%Y-%m-%d %H:%M"),
                e.actor,
                e.action,
                e.details
            )));
        }
        lines
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: DateTime<Utc>) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(Span::styled(
                format!(" Users › {} ", self.login),
                theme.title(),
            ));
        let p = Paragraph::new(self.lines(theme, now))
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((self.scroll, 0));
        frame.render_widget(p, area);
    }
}

/// Audit details on one line: `after: name=Anna, email=a@x.org`.
pub fn compact(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                Value::Object(_) => format!("{k}: {}", compact(v)),
                other => format!("{k}={}", compact(other)),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(compact).collect::<Vec<_>>().join("/"),
        other => other.to_string(),
    }
}

trait PatchSpans<'a> {
    fn patch_spans(self, other: Line<'a>) -> Line<'a>;
}

impl<'a> PatchSpans<'a> for Line<'a> {
    fn patch_spans(mut self, other: Line<'a>) -> Line<'a> {
        self.spans.extend(other.spans);
        self
    }
}
