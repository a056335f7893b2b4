//! The mails' text, from assets/mail/ (compiled in): for each kind a plain
//! text template whose first line is `Subject: ...`, and an HTML template
//! (escaped automatically). Rendered with minijinja, as the pages are.

use crate::domain::MailKind;
use crate::error::{Error, Result};
use crate::service::MailJob;
use chrono::{DateTime, Utc};
use minijinja::{Environment, context};

/// The templates, loaded once.
pub struct Templates {
    env: Environment<'static>,
}

/// A mail's subject and its two bodies.
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

const FILES: &[(&str, &str)] = &[
    (
        "reset_link.txt",
        include_str!("../../assets/mail/reset_link.txt"),
    ),
    (
        "reset_link.html",
        include_str!("../../assets/mail/reset_link.html"),
    ),
    (
        "revalidate_link.txt",
        include_str!("../../assets/mail/revalidate_link.txt"),
    ),
    (
        "revalidate_link.html",
        include_str!("../../assets/mail/revalidate_link.html"),
    ),
    ("layout.html", include_str!("../../assets/mail/layout.html")),
    (
        "password_set.txt",
        include_str!("../../assets/mail/password_set.txt"),
    ),
    (
        "password_set.html",
        include_str!("../../assets/mail/password_set.html"),
    ),
    (
        "password_changed.txt",
        include_str!("../../assets/mail/password_changed.txt"),
    ),
    (
        "password_changed.html",
        include_str!("../../assets/mail/password_changed.html"),
    ),
    (
        "account_locked.txt",
        include_str!("../../assets/mail/account_locked.txt"),
    ),
    (
        "account_locked.html",
        include_str!("../../assets/mail/account_locked.html"),
    ),
    (
        "reset_requested.txt",
        include_str!("../../assets/mail/reset_requested.txt"),
    ),
    (
        "reset_requested.html",
        include_str!("../../assets/mail/reset_requested.html"),
    ),
    (
        "deletion_warning.txt",
        include_str!("../../assets/mail/deletion_warning.txt"),
    ),
    (
        "deletion_warning.html",
        include_str!("../../assets/mail/deletion_warning.html"),
    ),
];

impl Templates {
    pub fn load() -> Result<Templates> {
        let mut env = Environment::new();
        for (name, source) in FILES {
            env.add_template(name, source)
                .map_err(|e| Error::Internal(format!("mail template {name}: {e}")))?;
        }
        Ok(Templates { env })
    }

    /// Renders `job` for `organisation`, at `now` (to say how long a link
    /// has left).
    pub fn render(
        &self,
        job: &MailJob,
        organisation: &str,
        now: DateTime<Utc>,
    ) -> Result<Rendered> {
        let base = template_base(job.kind);
        let minutes = job
            .expires_at
            .map(|e| ((e - now).num_seconds() + 30).div_euclid(60).max(1))
            .unwrap_or(0);
        let ctx = context! {
            organisation => organisation,
            name => if job.name.trim().is_empty() { job.login.as_str() } else { job.name.as_str() },
            login => job.login,
            link => job.link.as_ref().map(|l| l.as_str()),
            expires => job.expires_at.map(|e| e.format("%H:%M UTC on %-d %B %Y").to_string()),
            minutes => minutes,
            when => job.queued_at.format("%H:%M UTC on %-d %B %Y").to_string(),
            bulk => job.bulk_reset,
        };
        let fail = |e: minijinja::Error| Error::Internal(format!("mail template {base}: {e}"));
        let text = self
            .env
            .get_template(&format!("{base}.txt"))
            .and_then(|t| t.render(&ctx))
            .map_err(fail)?;
        let html = self
            .env
            .get_template(&format!("{base}.html"))
            .and_then(|t| t.render(&ctx))
            .map_err(fail)?;
        let (first, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
        let Some(subject) = first.strip_prefix("Subject:") else {
            return Err(Error::Internal(format!(
                "mail template {base}.txt must begin with a Subject: line"
            )));
        };
        Ok(Rendered {
            subject: subject.trim().to_string(),
            text: body.trim_start_matches('\n').to_string(),
            html,
        })
    }
}

/// The templates' name for a kind of mail.
fn template_base(kind: MailKind) -> &'static str {
    match kind {
        MailKind::ResetLink => "reset_link",
        MailKind::PasswordSet => "password_set",
        MailKind::PasswordChanged => "password_changed",
        MailKind::AccountLocked => "account_locked",
        MailKind::ResetRequested => "reset_requested",
        MailKind::DeletionWarning => "deletion_warning",
        MailKind::RevalidateLink => "revalidate_link",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::MailKind;
    use chrono::TimeZone;

    /// Every kind of mail has both templates, and they render.
    #[test]
    fn every_kind_renders() {
        let t = Templates::load().expect("templates");
        let at = Utc
            .with_ymd_and_hms(2026, 3, 1, 9, 0, 0)
            .single()
            .expect("time");
        for kind in MailKind::ALL {
            let job = MailJob {
                id: 1,
                kind: *kind,
                login: "ann.b".into(),
                name: "Ann <Bell>".into(),
                recipient: "ann@example.org".into(),
                link: Some(zeroize::Zeroizing::new("https://a.example/reset/x".into())),
                expires_at: Some(at + chrono::Duration::minutes(60)),
                queued_at: at,
                attempts: 0,
                bulk_reset: false,
            };
            let r = t.render(&job, "Org & Co", at).expect("render");
            assert!(!r.subject.is_empty(), "{kind}");
            assert!(r.text.contains("ann.b"), "{kind}");
            assert!(r.html.contains("Ann &lt;Bell&gt;"), "{kind}: HTML escaped");
            assert!(r.html.contains("Org &amp; Co"), "{kind}");
        }
    }
}
