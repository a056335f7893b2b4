//! Writing records as they come: CSV (the csv crate: header once, quoting
//! as RFC 4180 wants), JSON Lines, or one JSON array written element by
//! element. Nothing is held but the record being written, so exports and
//! `--all` listings stream however many rows there are.

use super::args::Format;
use crate::error::{Error, Result};
use serde::Serialize;
use std::io::Write;

/// A record with a flat CSV form.
pub trait CsvRecord {
    /// The header row.
    fn header() -> &'static [&'static str];
    /// One cell per header column.
    fn cells(&self) -> Vec<String>;
}

/// Where records go: standard output in one format.
pub enum RecordWriter {
    Csv(Box<csv::Writer<std::io::Stdout>>),
    Lines(std::io::BufWriter<std::io::Stdout>),
    Array {
        out: std::io::BufWriter<std::io::Stdout>,
        first: bool,
    },
}

impl RecordWriter {
    pub fn new(format: Format) -> RecordWriter {
        let out = std::io::BufWriter::new(std::io::stdout());
        match format {
            Format::Csv => RecordWriter::Csv(Box::new(csv::Writer::from_writer(std::io::stdout()))),
            Format::Ndjson => RecordWriter::Lines(out),
            Format::Json => RecordWriter::Array { out, first: true },
        }
    }

    /// Writes one record.
    pub fn write<R: Serialize + CsvRecord>(&mut self, record: &R) -> Result<()> {
        match self {
            RecordWriter::Csv(w) => w.write_record(record.cells()).map_err(csv_error),
            _ => self.write_json(record),
        }
    }

    /// Writes one record as JSON (a writer made for CSV refuses).
    pub fn write_json<R: Serialize>(&mut self, record: &R) -> Result<()> {
        match self {
            RecordWriter::Csv(_) => Err(Error::Internal("this listing has no CSV form".into())),
            RecordWriter::Lines(out) => {
                serde_json::to_writer(&mut *out, record).map_err(json_error)?;
                out.write_all(b"\n").map_err(io_error)
            }
            RecordWriter::Array { out, first } => {
                out.write_all(if *first { b"[\n" } else { b",\n" })
                    .map_err(io_error)?;
                *first = false;
                serde_json::to_writer(&mut *out, record).map_err(json_error)
            }
        }
    }

    /// Writes the header (CSV) before the first record, even when there
    /// are none.
    pub fn start<R: CsvRecord>(&mut self) -> Result<()> {
        if let RecordWriter::Csv(w) = self {
            w.write_record(R::header()).map_err(csv_error)?;
        }
        Ok(())
    }

    /// Closes the array (JSON) and flushes.
    pub fn finish(self) -> Result<()> {
        match self {
            RecordWriter::Csv(mut w) => w.flush().map_err(io_error),
            RecordWriter::Lines(mut out) => out.flush().map_err(io_error),
            RecordWriter::Array { mut out, first } => {
                out.write_all(if first { b"[]\n" } else { b"\n]\n" })
                    .map_err(io_error)?;
                out.flush().map_err(io_error)
            }
        }
    }
}

/// A reader that went away (a pipe into `head`) ends the command quietly,
/// as `say!` does.
fn io_error(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    Error::Internal(format!("cannot write output: {e}"))
}

fn csv_error(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io_error(io),
        other => Error::Internal(format!("cannot write CSV: {other:?}")),
    }
}

fn json_error(e: serde_json::Error) -> Error {
    match e.io_error_kind() {
        Some(std::io::ErrorKind::BrokenPipe) => io_error(std::io::ErrorKind::BrokenPipe.into()),
        _ => Error::Internal(format!("cannot write JSON: {e}")),
    }
}

/// A time as RFC 3339, or empty.
pub fn time_cell(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}
