//! The Audit pane: the trail newest first, a page at a time as the selection
//! nears the end; `/` filters by actor, action or target; Enter shows an
//! entry's details; `v` verifies the hash chain; `x` exports the filtered
//! entries to a JSON Lines file.

use super::detail::compact;
use crate::service::views::AuditView;
use crate::tui::fields::TextField;
use crate::tui::table::{self, Column};
use crate::tui::theme::{SELECTED_MARK, Theme};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// Entries per request.
pub const PAGE: i64 = 200;
const PREFETCH: usize = 40;
/// Wait this long after the last key before searching the trail.
pub const DEBOUNCE_MS: i64 = 120;
/// Look for entries newer than the newest shown this often.
pub const REFRESH_SECS: i64 = 5;

#[derive(Debug, Default)]
pub struct AuditPane {
    pub entries: Vec<AuditView>,
    pub selected: usize,
    pub offset: usize,
    pub filter: TextField,
    pub editing_filter: bool,
    /// The filter the entries were loaded with.
    pub search: String,
    pub debounce_until: Option<DateTime<Utc>>,
    /// More entries exist before the last one loaded.
    pub more: bool,
    pub loading: bool,
    pub loaded: bool,
    /// The last verification's verdict.
    pub verdict: Option<(String, bool)>,
    /// Rows still to move once the next page arrives.
    pub queued: isize,
    /// When entries were last asked for (the newest, to refresh).
    pub asked_at: Option<DateTime<Utc>>,
    /// A look for newer entries is under way.
    pub refreshing: bool,
}

impl AuditPane {
    pub fn new() -> AuditPane {
        AuditPane {
            filter: TextField::new(128),
            ..Default::default()
        }
    }

    /// The seq to continue before, for the next page.
    pub fn before(&self) -> Option<i64> {
        self.entries.last().map(|e| e.seq)
    }

    pub fn wants_more(&self) -> bool {
        self.more && !self.loading && self.selected + PREFETCH >= self.entries.len()
    }

    pub fn apply(&mut self, page: Vec<AuditView>, append: bool, height: usize) {
        self.loading = false;
        self.loaded = true;
        self.more = page.len() as i64 >= PAGE;
        if append {
            self.entries.extend(page);
        } else {
            self.entries = page;
            self.selected = 0;
            self.offset = 0;
            self.queued = 0;
        }
        self.move_by(0, height);
    }

    /// Time to look for entries newer than the newest shown: loaded, not
    /// being filtered, nothing under way, and `REFRESH_SECS` since the last ask.
    pub fn newer_due(&self, now: DateTime<Utc>) -> bool {
        self.loaded
            && !self.loading
            && !self.refreshing
            && !self.editing_filter
            && self.debounce_until.is_none()
            && self
                .asked_at
                .is_none_or(|t| now - t >= chrono::Duration::seconds(REFRESH_SECS))
    }

    /// Puts the entries of `page` (the newest, newest first) that are newer
    /// than the newest shown above it, keeping the selected entry selected
    /// and, when scrolled, the view still. A page of only new entries may
    /// have left a gap: then it replaces the list.
    pub fn prepend(&mut self, page: Vec<AuditView>, height: usize) {
        self.refreshing = false;
        let newest = self.entries.first().map(|e| e.seq);
        let fresh: Vec<AuditView> = page
            .into_iter()
            .filter(|e| newest.is_none_or(|n| e.seq > n))
            .collect();
        if fresh.len() as i64 >= PAGE {
            self.apply(fresh, false, height);
            return;
        }
        let n = fresh.len();
        if n == 0 {
            return;
        }
        self.entries.splice(0..0, fresh);
        self.selected += n;
        if self.offset > 0 {
            self.offset += n;
        }
        self.move_by(0, height);
    }

    pub fn move_by(&mut self, delta: isize, height: usize) {
        super::list::move_queued(
            &mut self.selected,
            &mut self.offset,
            &mut self.queued,
            self.entries.len(),
            delta,
            height,
            self.more,
            false,
        );
    }

    /// "row 3 of 1,234": the whole trail numbers its entries from 1 with
    /// no gap, so unfiltered the newest entry's number is the total; a
    /// filtered trail says how many are loaded and whether more follow.
    pub fn position(&self) -> Option<String> {
        let first = self.entries.first()?;
        let row = crate::tui::table::thousands(self.selected as i64 + 1);
        Some(if self.search.is_empty() {
            crate::tui::table::position(Some(self.selected + 1), Some((first.seq, false)))
        } else {
            format!(
                "row {row} of {}{}",
                crate::tui::table::thousands(self.entries.len() as i64),
                if self.more { "+" } else { "" }
            )
        })
    }

    pub fn selected_entry(&self) -> Option<&AuditView> {
        self.entries.get(self.selected)
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, allowed: bool) {
        let mut title = " Audit".to_string();
        if self.editing_filter || !self.search.is_empty() {
            let shown = if self.editing_filter {
                self.filter.value()
            } else {
                &self.search
            };
            title.push_str(&format!("  /{shown}"));
            if let Some(note) = self.filter.full_note().filter(|_| self.editing_filter) {
                title.push_str(&format!(" ({note})"));
            }
        }
        title.push(' ');
        let mut block = crate::tui::table::with_position(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border())
                .title(Span::styled(title, theme.title())),
            self.position(),
            theme,
        );
        if let Some((verdict, ok)) = &self.verdict {
            block = block.title_bottom(Span::styled(
                format!(" {verdict} "),
                if *ok { theme.good() } else { theme.bad() },
            ));
        }
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if !allowed {
            frame.render_widget(
                Paragraph::new(Span::styled(
                    "Your role may not read the audit trail.",
                    theme.dim(),
                )),
                inner,
            );
            return;
        }
        if self.entries.is_empty() {
            let text = if self.loading || !self.loaded {
                "Loading…"
            } else {
                "No entries match."
            };
            frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), inner);
            return;
        }
        let height = inner.height.saturating_sub(1) as usize;
        let end = (self.offset + height).min(self.entries.len());
        // Under 110 columns the year and seconds go (Enter shows them), so
        // the time is never cut to "2026-12-03 23:0…".
        let (time_format, time_header) = if inner.width >= 110 {
            ("%Y-%m-%d %H:%M:%S", "TIME (UTC)")
        } else {
            ("%m-%d %H:%M", "UTC")
        };
        let cells: Vec<Vec<Line>> = self.entries[self.offset..end]
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let sel = self.offset + i == self.selected;
                vec![
                    Line::raw(format!(
                        "{}{}",
                        if sel { SELECTED_MARK } else { "  " },
                        e.seq
                    )),
                    Line::raw(e.at.format(time_format).to_string()),
                    Line::raw(e.actor.clone()),
                    Line::styled(
                        e.action.clone(),
                        if e.action == "refused" {
                            theme.warn()
                        } else {
                            theme.base()
                        },
                    ),
                    Line::raw(e.target.clone()),
                    Line::raw(compact(&e.details)),
                ]
            })
            .collect();
        // The target and actor (logins) give way last; a cut ends in "…".
        let columns = [
            Column::new("  SEQ", 5, 9),
            Column::new(time_header, 11, 6),
            Column::new("ACTOR", 8, 7),
            Column::new("ACTION", 8, 4),
            Column::new("TARGET", 10, 8),
            Column::new("DETAILS", 8, 1).grow(),
        ];
        let selected = self.selected.checked_sub(self.offset);
        table::render(frame, inner, &columns, cells, selected, theme);
    }
}

/// An entry's full details for the details popup.
pub fn details_text(e: &AuditView) -> String {
    let pretty = serde_json::to_string_pretty(&e.details).unwrap_or_else(|_| e.details.to_string());
    format!(
        "#{} at {} by {}\n{} on {}\n\n{}\n\nhash {}",
        e.seq,
        e.at.format("%Y-%m-%d %H:%M:%S UTC"),
        e.actor,
        e.action,
        e.target,
        pretty,
        e.hash
    )
}
