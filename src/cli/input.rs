//! Reading secrets and confirmations: prompts without echo on a terminal,
//! or one line from standard input with --password-stdin. Passwords are
//! never taken as arguments.

use crate::domain::Password;
use crate::error::{Error, Result};
use std::io::{BufRead, IsTerminal, Read, Write};
use zeroize::Zeroizing;

/// Longest line accepted from standard input (a password is at most 1024
/// characters; this leaves room for multi-byte ones).
const MAX_LINE: usize = 8192;

/// Reads one line from standard input as UTF-8, without its line ending.
pub fn stdin_line(what: &str) -> Result<Zeroizing<String>> {
    let stdin = std::io::stdin();
    let mut lock = stdin.lock();
    let mut buf = Zeroizing::new(Vec::new());
    let mut limited = (&mut lock).take(MAX_LINE as u64 + 1);
    limited
        .read_until(b'\n', &mut buf)
        .map_err(|e| Error::Invalid(format!("cannot read the {what} from standard input: {e}")))?;
    if buf.is_empty() {
        return Err(Error::Invalid(format!(
            "standard input is empty; expected the {what} on one line"
        )));
    }
    if buf.len() > MAX_LINE {
        return Err(Error::Invalid(format!(
            "the {what} on standard input is too long"
        )));
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    }
    let text = std::str::from_utf8(&buf)
        .map_err(|_| Error::Invalid(format!("the {what} on standard input is not valid UTF-8")))?;
    Ok(Zeroizing::new(text.to_string()))
}

fn prompt_hidden(prompt: &str) -> Result<Zeroizing<String>> {
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| Error::Invalid(format!("cannot read the password from the terminal: {e}")))
}

fn no_terminal() -> Error {
    Error::Invalid(
        "there is no terminal to prompt on; pipe the password in and pass --password-stdin".into(),
    )
}

/// A password to check (sign-in, step-up): prompted once.
pub fn password_once(from_stdin: bool, prompt: &str) -> Result<Password> {
    if from_stdin {
        return Ok(Password::new(stdin_line("password")?.to_string()));
    }
    if !std::io::stdin().is_terminal() {
        return Err(no_terminal());
    }
    Ok(Password::new(prompt_hidden(prompt)?.to_string()))
}

/// A new password: prompted twice (must match), or one line from stdin.
pub fn new_password(from_stdin: bool, prompt: &str) -> Result<Password> {
    if from_stdin {
        return Ok(Password::new(stdin_line("password")?.to_string()));
    }
    if !std::io::stdin().is_terminal() {
        return Err(no_terminal());
    }
    let first = prompt_hidden(prompt)?;
    let second = prompt_hidden("Repeat it: ")?;
    if *first != *second {
        return Err(Error::Invalid(
            "the two passwords differ; nothing was changed".into(),
        ));
    }
    Ok(Password::new(first.to_string()))
}

/// Asks the user to type `expected` to confirm; refuses without a terminal.
/// Asks for `expected` to be typed. Without a terminal, refuses, naming
/// `instead`: the option that confirms on the command line.
pub fn confirm_typed(question: &str, expected: &str, instead: &str) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::Invalid(format!(
            "confirmation needed but there is no terminal; pass {instead}"
        )));
    }
    eprint!("{question}\nType {expected} to confirm: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Error::Invalid(format!("cannot read the confirmation: {e}")))?;
    if !crate::domain::plural::confirms(line.trim(), expected) {
        return Err(Error::Cancelled);
    }
    Ok(())
}
