//! Sentences for the screen: an error as what happened and what to do,
//! lists of logins, counts with their noun.

use crate::error::Error;

/// "amy, ben and cid" or "amy, ben, cid, dan, eve and 7 more".
pub fn names(logins: &[String]) -> String {
    match logins {
        [] => String::new(),
        [one] => one.clone(),
        _ if logins.len() <= 6 => format!(
            "{} and {}",
            logins[..logins.len() - 1].join(", "),
            logins[logins.len() - 1]
        ),
        _ => format!("{} and {} more", logins[..5].join(", "), logins.len() - 5),
    }
}

/// "1 account", "3 accounts".
pub fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// The warning that changing these passwords reaches everyone who shares
/// them, or nothing when no login is shared.
pub fn shared_warning(shared: &[(String, Vec<String>)]) -> String {
    if shared.is_empty() {
        return String::new();
    }
    let each: Vec<String> = shared
        .iter()
        .map(|(login, people)| format!("{login} is shared by {}", people.join(", ")))
        .collect();
    format!(
        "\n\n⚠ {}: all of them will need the new password.",
        each.join("; ")
    )
}

/// An error as a sentence for the screen, with what to do where it helps.
pub fn friendly(e: &Error) -> String {
    match e {
        Error::Policy(v) => format!("The password does not meet the policy: {}.", v.join("; ")),
        Error::Conflict(m) if m.contains("someone else changed") => {
            format!("{m} (Ctrl-L reloads in the form).")
        }
        Error::Forbidden(m) => format!("Not allowed: {m}."),
        Error::StepUpRequired(m) => m.clone(),
        Error::NotFound(m) => format!(
            "{}: someone may have deleted or renamed it meanwhile. Press R to refresh the list.",
            capitalized(m)
        ),
        other => capitalized(&other.to_string()),
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
