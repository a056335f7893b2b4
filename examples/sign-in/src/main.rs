//! Signs a user in through keyward's rules from another Rust program.
//!
//! ```text
//! echo "$PASSWORD" | sign-in LOGIN
//! ```
//!
//! It reads the same configuration as `keyward` (`KEYWARD_CONFIG`, or the
//! default place): the database and the Argon2 parameters. It connects
//! without migrating or creating anything, so the database must have been
//! set up by `keyward init` or `keyward migrate`; otherwise it says so and
//! exits 3. The password is read from standard input, never from the
//! command line. Exit status: 0 signed in, 1 refused, 2 usage (or no
//! password given), 3 cannot run.
#![forbid(unsafe_code)]

use keyward::Error;
use keyward::config::Config;
use keyward::domain::{AuthOutcome, Password};
use keyward::service::Service;
use std::process::ExitCode;
use tokio::io::AsyncBufReadExt;

/// The longest password line read, as `keyward verify` reads it.
const MAX_LINE: u64 = 4096;

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
        Err(Failure::Usage(why)) => {
            eprintln!("sign-in: {why}");
            ExitCode::from(2)
        }
        Err(Failure::Keyward(e)) => {
            eprintln!("sign-in: {e}");
            ExitCode::from(3)
        }
    }
}

/// Why the program could not sign anyone in.
enum Failure {
    /// No usable password on standard input (exit 2).
    Usage(String),
    /// keyward refused to run: no database, an outdated schema, a bad
    /// configuration, an unreachable server (exit 3).
    Keyward(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Keyward(e)
    }
}

async fn sign_in(login: &str) -> Result<AuthOutcome, Failure> {
    let config = Config::load(None, None)?;
    // Sign-ins write no audit entry: a program that only signs users in
    // needs no audit key, and should not hold one.
    let mut service_config = config.service_config();
    service_config.audit_key = None;
    // Neither migrates nor creates: a missing database is an error that
    // names `keyward init`, an outdated one `keyward migrate`.
    let service = Service::connect(&config.database_url, service_config).await?;
    let password = read_password().await.map_err(Failure::Usage)?;
    // Every sign-in goes through the one `authenticate`: the same counting,
    // lock growth, policy checks and timing as keyward's own.
    let outcome = service
        .authenticate(login, &password, "sign-in example")
        .await;
    // A failure with one of the user's previous passwords is forgiven (not
    // counted) by a check that runs after the answer: a process that ends
    // after a sign-in waits for it, or that failure stays counted.
    service.settle().await;
    Ok(outcome?)
}

/// One line from standard input. An empty input is refused rather than
/// tried: a broken pipe must not count as a failed sign-in.
async fn read_password() -> Result<Password, String> {
    use tokio::io::AsyncReadExt;
    let mut line = String::with_capacity(MAX_LINE as usize + 2);
    let read = tokio::io::BufReader::new(tokio::io::stdin().take(MAX_LINE + 1))
        .read_line(&mut line)
        .await
        .map_err(|e| format!("cannot read the password: {e}"))?;
    if read == 0 {
        return Err("standard input is empty; give the password on it".into());
    }
    if read as u64 > MAX_LINE {
        return Err(format!("the password line is longer than {MAX_LINE} bytes"));
    }
    let typed = line.trim_end_matches(['\r', '\n']).len();
    line.truncate(typed);
    // Password takes this buffer and wipes it. (Standard input's own
    // buffers are not wiped: a program that must leave no copy at all reads
    // the descriptor itself into a zeroizing buffer.)
    Ok(Password::new(line))
}
