//! Mail delivery: the sender that takes mails from the outbox (written by
//! the service in the same transaction as what they carry), renders them
//! from the templates in assets/mail/ and hands them to the SMTP server.
//! It runs inside `keyward serve` and as `keyward mail send`. The rules
//! (what is due, what is stale, how long to wait after a failure) are the
//! service's (service/mail.rs); here are SMTP, templates and pacing.

mod sender;
mod settings;
mod templates;

pub use sender::{Round, Sender, SenderTask};
pub use settings::MailSettings;
pub use templates::{Rendered, Templates};
