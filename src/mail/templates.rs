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
    ("layout.html", include_str!("../../assets/mail/layout.html")),
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
        let base = template_base(job.kind)?;
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

/// The templates' name for a kind of mail, if it has templates yet.
fn template_base(kind: MailKind) -> Result<&'static str> {
    match kind {
        MailKind::ResetLink => Ok("reset_link"),
        other => Err(Error::Invalid(format!(
            "no mail templates for {other} in this version of keyward"
        ))),
    }
}
