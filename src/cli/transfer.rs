//! `keyward user import`, and the exports (`user|resource|audit export`):
//! the file formats. Reading and writing CSV is the csv crate's; every rule
//! about the rows, every right and the audit entry are the service's
//! (service/import.rs, service/export.rs).

use super::args::Format;
use super::line_ends::UnixLineEnds;
use super::output::say;
use super::records::{CsvRecord, RecordWriter, time_cell};
use crate::domain::plural::count;
use crate::error::{Error, Result};
use crate::service::{
    Actor, AuditRecord, ImportProblem, ImportRow, ResourceRecord, Service, UserRecord,
};
use serde_json::json;
use std::path::Path;

/// Rows checked or written at a time.
const BATCH: usize = 5000;

/// The columns an import reads.
const COLUMNS: &[&str] = &[
    "login",
    "name",
    "email",
    "kind",
    "role",
    "policy",
    "resources",
    "holders",
];

/// Columns of `user export` that an import ignores (they describe state
/// that an import does not set).
const READ_ONLY: &[&str] = &[
    "status",
    "must_change",
    "locked",
    "locked_until",
    "has_password",
    "last_login_at",
    "created_at",
];

impl CsvRecord for UserRecord {
    fn header() -> &'static [&'static str] {
        &[
            "login",
            "name",
            "email",
            "kind",
            "role",
            "policy",
            "resources",
            "holders",
            "status",
            "must_change",
            "locked",
            "locked_until",
            "has_password",
            "last_login_at",
            "created_at",
        ]
    }

    fn cells(&self) -> Vec<String> {
        let resources: Vec<String> = self
            .resources
            .iter()
            .map(|g| format!("{}:{}", g.resource, g.level))
            .collect();
        let holders: Vec<String> = self
            .holders
            .iter()
            .map(|h| format!("{} <{}>", h.name, h.email))
            .collect();
        vec![
            self.login.clone(),
            self.name.clone(),
            self.email.clone(),
            self.kind.clone(),
            self.role.clone(),
            self.policy.clone(),
            resources.join(";"),
            holders.join(";"),
            self.status.clone(),
            self.must_change.to_string(),
            self.locked.to_string(),
            time_cell(self.locked_until),
            self.has_password.to_string(),
            time_cell(self.last_login_at),
            time_cell(Some(self.created_at)),
        ]
    }
}

impl CsvRecord for ResourceRecord {
    fn header() -> &'static [&'static str] {
        &["name", "description", "users", "created_at"]
    }

    fn cells(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.description.clone(),
            self.users.to_string(),
            time_cell(Some(self.created_at)),
        ]
    }
}

impl CsvRecord for AuditRecord {
    fn header() -> &'static [&'static str] {
        &[
            "seq",
            "at",
            "actor",
            "action",
            "target",
            "details",
            "prev_hash",
            "hash",
        ]
    }

    fn cells(&self) -> Vec<String> {
        vec![
            self.seq.to_string(),
            time_cell(Some(self.at)),
            self.actor.clone(),
            self.action.clone(),
            self.target.clone(),
            self.details.to_string(),
            self.prev_hash.clone(),
            self.hash.clone(),
        ]
    }
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Csv => "csv",
        Format::Ndjson => "ndjson",
        Format::Json => "json",
    }
}

/// Streams pages from `next` into `format`, one record at a time.
macro_rules! stream_pages {
    ($export:expr, $record:ty, $format:expr) => {{
        let mut export = $export;
        let mut out = RecordWriter::new($format);
        out.start::<$record>()?;
        while let Some(page) = export.next_page().await? {
            for record in &page {
                out.write(record)?;
            }
        }
        out.finish()
    }};
}

pub async fn export_users(service: &Service, actor: &Actor, format: Format) -> Result<i32> {
    stream_pages!(
        service.export_users(actor, format_name(format)).await?,
        UserRecord,
        format
    )?;
    Ok(0)
}

pub async fn export_resources(service: &Service, actor: &Actor, format: Format) -> Result<i32> {
    stream_pages!(
        service.export_resources(actor).await?,
        ResourceRecord,
        format
    )?;
    Ok(0)
}

pub async fn export_audit(service: &Service, actor: &Actor, format: Format) -> Result<i32> {
    stream_pages!(
        service.export_audit(actor, format_name(format)).await?,
        AuditRecord,
        format
    )?;
    Ok(0)
}

/// Which field of [`ImportRow`] each column of the file fills (`None`:
/// ignored).
struct Layout {
    fields: Vec<Option<usize>>,
}

impl Layout {
    /// Reads the header row; refuses password columns and unknown ones.
    fn from_header(header: &csv::StringRecord) -> Result<Layout> {
        let mut fields = Vec::with_capacity(header.len());
        for name in header.iter() {
            let key = name.trim().to_ascii_lowercase().replace([' ', '-'], "_");
            if (key.contains("password") && key != "has_password") || key.contains("hash") {
                return Err(Error::Invalid(format!(
                    "the file has a column {name:?}: passwords are never read from a file; remove it. \
                     Imported users have no password and must choose one"
                )));
            }
            if let Some(i) = COLUMNS.iter().position(|c| *c == key) {
                if fields.contains(&Some(i)) {
                    return Err(Error::Invalid(format!("the column {name:?} appears twice")));
                }
                fields.push(Some(i));
            } else if READ_ONLY.contains(&key.as_str()) {
                fields.push(None);
            } else {
                return Err(Error::Invalid(format!(
                    "unknown column {name:?}; the columns are {} (and the read-only ones of user export)",
                    COLUMNS.join(", ")
                )));
            }
        }
        if !fields.contains(&Some(0)) {
            return Err(Error::Invalid(
                "the file has no login column (the first row must name the columns)".into(),
            ));
        }
        Ok(Layout { fields })
    }

    /// One record as a row, or the problem that makes it unreadable.
    fn row(
        &self,
        record: &csv::ByteRecord,
        line: u64,
    ) -> std::result::Result<ImportRow, ImportProblem> {
        if record.len() != self.fields.len() {
            return Err(ImportProblem {
                line,
                message: format!(
                    "{} fields where the header has {}",
                    record.len(),
                    self.fields.len()
                ),
            });
        }
        let mut row = ImportRow {
            line,
            ..ImportRow::default()
        };
        for (cell, field) in record.iter().zip(&self.fields) {
            let Some(field) = field else { continue };
            let text = std::str::from_utf8(cell).map_err(|_| ImportProblem {
                line,
                message: format!("the {} is not valid UTF-8", COLUMNS[*field]),
            })?;
            let slot = match field {
                0 => &mut row.login,
                1 => &mut row.name,
                2 => &mut row.email,
                3 => &mut row.kind,
                4 => &mut row.role,
                5 => &mut row.policy,
                6 => &mut row.resources,
                _ => &mut row.holders,
            };
            *slot = text.to_string();
        }
        Ok(row)
    }
}

/// The file's rows, a batch at a time, with the problems of the rows that
/// cannot be read at all.
struct Batches {
    reader: csv::Reader<UnixLineEnds<std::fs::File>>,
    layout: Layout,
    path: std::path::PathBuf,
    done: bool,
}

impl Batches {
    fn open(path: &Path) -> Result<Batches> {
        let file = std::fs::File::open(path).map_err(|e| cannot_read(path, &e))?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(UnixLineEnds::new(file));
        let header = reader.headers().map_err(|e| cannot_read(path, &e))?.clone();
        Ok(Batches {
            layout: Layout::from_header(&header)?,
            reader,
            path: path.to_path_buf(),
            done: false,
        })
    }

    /// The next batch: (rows, unreadable rows' problems); `None` at the end.
    fn next_batch(&mut self) -> Result<Option<(Vec<ImportRow>, Vec<ImportProblem>)>> {
        if self.done {
            return Ok(None);
        }
        let mut record = csv::ByteRecord::new();
        let (mut rows, mut unreadable) = (Vec::with_capacity(BATCH), Vec::new());
        while rows.len() < BATCH {
            let line = self.reader.position().line();
            match self.reader.read_byte_record(&mut record) {
                Ok(false) => {
                    self.done = true;
                    break;
                }
                // A row of nothing but empty cells (a trailing blank line
                // in a spreadsheet's export) is skipped.
                Ok(true) if record.iter().all(<[u8]>::is_empty) => {}
                Ok(true) => {
                    let line = record.position().map_or(line, |p| p.line());
                    match self.layout.row(&record, line) {
                        Ok(row) => rows.push(row),
                        Err(problem) => unreadable.push(problem),
                    }
                }
                Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => {
                    return Err(cannot_read(&self.path, &e));
                }
                Err(e) => unreadable.push(ImportProblem {
                    line: e.position().map_or(line, |p| p.line()),
                    message: format!("unreadable CSV: {e}"),
                }),
            }
        }
        Ok(Some((rows, unreadable)))
    }
}

fn cannot_read(path: &Path, e: &dyn std::fmt::Display) -> Error {
    Error::Invalid(format!("cannot read {}: {e}", path.display()))
}

fn report(problem: &ImportProblem, as_json: bool) {
    if as_json {
        say!(
            "{}",
            json!({ "line": problem.line, "problem": problem.message })
        );
    } else {
        say!(
            "line {}: {}",
            problem.line,
            super::output::safe(&problem.message)
        );
    }
}

/// `keyward user import FILE [--dry-run]`.
pub async fn import(
    service: &Service,
    actor: &Actor,
    path: &Path,
    dry_run: bool,
    as_json: bool,
) -> Result<i32> {
    let started = std::time::Instant::now();
    let mut import = service.import_users(actor).await?;
    let mut unreadable = 0u64;
    let mut batches = Batches::open(path)?;
    while let Some((rows, bad)) = batches.next_batch()? {
        unreadable += bad.len() as u64;
        let mut problems = import.check(&rows).await?;
        problems.extend(bad);
        problems.sort_by_key(|p| p.line);
        for p in &problems {
            report(p, as_json);
        }
    }
    let mut summary = import.summary();
    summary.problems += unreadable;
    let fine = summary.problems == 0;
    if dry_run || !fine {
        if as_json {
            say!(
                "{}",
                json!({ "summary": summary, "dry_run": dry_run, "imported": false })
            );
        } else if fine {
            say!(
                "no problems: {} would be imported with {} and {} (dry run; nothing changed)",
                count(summary.users, "user", "users"),
                count(summary.grants, "grant", "grants"),
                count(summary.holders, "holder", "holders")
            );
        } else {
            say!(
                "{} in {}; nothing was imported",
                count(summary.problems, "problem", "problems"),
                path.display()
            );
        }
        return Ok(if fine {
            0
        } else {
            i32::from(super::exit::INVALID)
        });
    }
    let mut writer = import.write().await?;
    let mut batches = Batches::open(path)?;
    while let Some((rows, bad)) = batches.next_batch()? {
        if let Some(p) = bad.first() {
            return Err(Error::Conflict(format!(
                "line {} changed since it was checked ({}); nothing was imported",
                p.line, p.message
            )));
        }
        writer.write(&rows).await?;
    }
    let summary = writer.finish().await?;
    if as_json {
        say!(
            "{}",
            json!({ "summary": summary, "dry_run": false, "imported": true })
        );
    } else {
        say!(
            "imported {} with {} and {} in {:.1} s; none has a password yet: give each a temporary password or a reset token",
            count(summary.users, "user", "users"),
            count(summary.grants, "grant", "grants"),
            count(summary.holders, "holder", "holders"),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(0)
}
