//! `keyward doctor`: runs the checks of src/doctor/ and prints each finding,
//! as text for people or JSON for programs. It runs before the config is
//! loaded (a config that cannot be read is one of its findings), without
//! the file log, and changes nothing.

use super::exit;
use super::output::{json, say};
use crate::doctor::{Report, Status};
use crate::error::Result;
use std::path::Path;

/// Runs the checks; returns the exit status: 0 when all is well, else
/// [`exit::DOCTOR`].
pub async fn run(
    flag_config: Option<&Path>,
    flag_database: Option<&str>,
    as_json: bool,
) -> Result<i32> {
    let report = crate::doctor::run(flag_config, flag_database).await;
    if as_json {
        json(&report)?;
    } else {
        print(&report);
    }
    Ok(if report.ok {
        i32::from(exit::OK)
    } else {
        i32::from(exit::DOCTOR)
    })
}

fn print(report: &Report) {
    let width = report
        .checks
        .iter()
        .map(|f| f.check.len())
        .max()
        .unwrap_or(0);
    for f in &report.checks {
        let status = match f.status {
            Status::Ok => "ok",
            Status::Problem => "PROBLEM",
            Status::Skipped => "skipped",
        };
        say!("{status:<7}  {:<width$}  {}", f.check, f.detail);
        if let Some(fix) = &f.fix {
            say!("{:<7}  {:<width$}  fix: {fix}", "", "");
        }
    }
    match report.problems() {
        0 => say!("all is well"),
        1 => say!("1 problem to fix"),
        n => say!("{n} problems to fix"),
    }
}
