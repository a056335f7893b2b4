//! Signs a user in through keyward's rules from another Rust program.
//!
//! ```text
//! echo "$PASSWORD" | sign-in LOGIN
//! ```
//!
//! It reads the same configuration as `keyward` (`KEYWARD_CONFIG`, or the
//! default place): the database, the Argon2 parameters and the audit key.
//! It connects without migrating or creating anything, so the database must
//! have been set up by `keyward init` or `keyward migrate`; otherwise it says
//! so and exits 3. The password is read from standard input, never from the
//! command line. Exit status: 0 signed in, 1 refused, 2 usage, 3 cannot run.
#![forbid(unsafe_code)]

use keyward::config::Config;
use keyward::domain::{AuthOutcome, Password};
use keyward::service::Service;
use std::process::ExitCode;
use tokio::io::AsyncBufReadExt;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(login), None) = (args.next(), args.next()) else {
        eprintln!("usage: echo \"$PASSWORD\" | sign-in LOGIN");
        return ExitCode::from(2);
    };
    match sign_in(&login).await {
        Ok(outcome) => {
            // What an application would do with each answer.
            let (signed_in, say) = match outcome {
                AuthOutcome::Ok => (true, "signed in".to_string()),
                AuthOutcome::OkMustChange { reason } => (
                    true,
                    format!("signed in, but the password must be changed now ({})", reason.describe()),
                ),
                AuthOutcome::OkRevalidate => (
                    true,
                    "signed in, but the account must be re-validated by the link mailed to its owner".to_string(),
                ),
                AuthOutcome::Locked { until: Some(until) } => {
                    (false, format!("locked until {until}"))
                }
                AuthOutcome::Locked { until: None } => {
                    (false, "locked until an administrator unlocks it".to_string())
                }
                AuthOutcome::BadCredentials => (false, "wrong login or password".to_string()),
                AuthOutcome::Disabled => (false, "the account is disabled".to_string()),
                AuthOutcome::NoAccess => (false, "no access".to_string()),
            };
            println!("{say}");
            ExitCode::from(if signed_in { 0 } else { 1 })
        }
        Err(e) => {
            eprintln!("sign-in: {e}");
            ExitCode::from(3)
        }
    }
}

async fn sign_in(login: &str) -> keyward::Result<AuthOutcome> {
    let config = Config::load(None, None)?;
    // Neither migrates nor creates: a missing or outdated database is an
    // error that names `keyward migrate`.
    let service = Service::connect(&config.database_url, config.service_config()).await?;
    let mut line = String::new();
    tokio::io::BufReader::new(tokio::io::stdin())
        .read_line(&mut line)
        .await
        .map_err(|e| keyward::Error::Invalid(format!("cannot read the password: {e}")))?;
    let typed = line.trim_end_matches(['\r', '\n']).len();
    line.truncate(typed);
    // Password takes the buffer and wipes it: no copy of the secret is left.
    let password = Password::new(line);
    // Every sign-in goes through the one `authenticate`: the same counting,
    // lock growth, policy checks and timing as keyward's own.
    service
        .authenticate(login, &password, "sign-in example")
        .await
}
