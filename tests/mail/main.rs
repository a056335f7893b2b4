//! Mail delivery against a real SMTP server (tests/mail/smtp_sink.py):
//! reset links mailed and used end to end, the server down and back, stale
//! and used links, refusals and retries, two senders on one outbox, and a
//! sender killed between sending and marking. Each test runs on SQLite and,
//! when KEYWARD_TEST_DATABASE_URL is set, PostgreSQL.

#[path = "../common/mod.rs"]
mod common;
#[path = "../serve/harness.rs"]
#[allow(dead_code)]
mod harness;

#[path = "../serve/process.rs"]
#[allow(dead_code)]
mod process;

mod admin_links;
mod deletion;
mod delivery;
mod doctor;
mod killed;
mod notices;
mod revalidation;
mod sink;

use keyward::config::MailSection;
use keyward::mail::{MailSettings, Sender};

pub const FROM: &str = "Example Accounts <accounts@example.org>";

/// `[mail]` for a sink at `url`, retrying after `first_retry` seconds.
pub fn section(url: &str, first_retry: u64) -> MailSection {
    MailSection {
        url: Some(url.to_string()),
        from: Some(FROM.into()),
        first_retry_seconds: first_retry,
        ..MailSection::default()
    }
}

/// A sender over `t`'s service to the sink at `url`.
pub fn sender(t: &common::TestDb, url: &str, first_retry: u64) -> Sender {
    let settings = MailSettings::from_section(&section(url, first_retry), "Example Org")
        .expect("mail settings")
        .expect("a mail server");
    Sender::new(t.service.clone(), settings).expect("sender")
}
