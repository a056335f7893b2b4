//! Printing: aligned text tables for people, JSON for programs.

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

/// Prints one line on standard output. When the reader has gone away (a
/// pipe into `head`), exits quietly instead of failing.
pub fn write_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("keyward: cannot write output: {e}");
        std::process::exit(1);
    }
}

/// `println!` that survives a closed pipe.
macro_rules! say {
    ($($arg:tt)*) => { $crate::cli::output::write_line(format_args!($($arg)*)) };
}
pub(crate) use say;

pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Internal(e.to_string()))?;
    say!("{text}");
    Ok(())
}

/// Prints rows under a header with columns padded to their widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    Table::new(header).rows(rows);
}

/// A table printed a page at a time (`--all`): the header and the column
/// widths come with the first page; a wider cell later pushes its own line
/// along rather than holding every row back.
pub struct Table {
    header: Vec<String>,
    widths: Option<Vec<usize>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            widths: None,
        }
    }

    /// Prints a page of rows (and, the first time, the header).
    pub fn rows(&mut self, rows: &[Vec<String>]) {
        if self.widths.is_none() {
            let mut widths: Vec<usize> = self.header.iter().map(|h| h.width()).collect();
            for row in rows {
                for (i, cell) in row.iter().enumerate() {
                    if let Some(w) = widths.get_mut(i) {
                        *w = (*w).max(cell.width());
                    }
                }
            }
            self.widths = Some(widths);
            let header = self.header.clone();
            self.line(&header);
        }
        for row in rows {
            self.line(row);
        }
    }

    fn line(&self, cells: &[String]) {
        let widths = self.widths.as_deref().unwrap_or_default();
        let mut out = String::new();
        for (i, c) in cells.iter().enumerate() {
            out.push_str(c);
            if i + 1 < cells.len() {
                let w = widths.get(i).copied().unwrap_or(0);
                out.push_str(&" ".repeat(w.saturating_sub(c.width()) + 2));
            }
        }
        say!("{}", out.trim_end());
    }
}

pub fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".into())
}

/// Makes user-controlled text safe to print on a terminal: control
/// characters (escape sequences) are replaced.
pub fn safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
