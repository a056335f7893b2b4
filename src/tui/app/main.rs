//! The signed-in console's state: the panes, the popups over them, the
//! status line's note and the message log, and which keys work where.

use super::*;
use unicode_width::UnicodeWidthStr;

/// The signed-in console.
#[derive(Debug)]
pub struct Main {
    pub session: Session,
    pub pane: Pane,
    pub users: UsersPane,
    pub detail: Option<DetailView>,
    pub lockouts: LockoutsPane,
    pub audit: AuditPane,
    pub policies: PoliciesPane,
    pub resources: ResourcesPane,
    pub popups: Vec<Popup>,
    /// The database cannot be reached: shown across the top.
    pub banner: Option<String>,
    pub retry_at: Option<DateTime<Utc>>,
    pub retry_secs: i64,
    /// When the database is next asked whether it answers, while no banner
    /// is up: so that an outage shows when it happens, not at the next key.
    pub heartbeat_at: DateTime<Utc>,
    /// A short note in the status line ("unlocked anna.b").
    pub note: Option<(String, DateTime<Utc>)>,
    /// The note says something was refused.
    pub note_is_warning: bool,
    pub last_input: DateTime<Utc>,
    pub form_data: Option<FormChoices>,
    /// Keys pressed before the pane had its first rows, with the pane they
    /// were pressed in: made once the rows are there (see `App::main_key`).
    pub held: Vec<(Pane, KeyEvent)>,
    /// The users a confirmation is being prepared for, while the service
    /// says which of their logins are shared.
    pub asking: Option<Vec<String>>,
    /// Every note and error shown, newest last (at most [`LOG_MAX`]): the
    /// status line cuts a long note, `L` shows them whole.
    pub log: std::collections::VecDeque<Logged>,
}

/// The most rows the outage banner takes; a longer one ends in "…" (the
/// message log, `L`, has it whole).
pub const BANNER_MAX_ROWS: usize = 3;

/// How many messages the log keeps.
pub const LOG_MAX: usize = 200;

/// A message shown in the status line or as an error.
#[derive(Debug, Clone)]
pub struct Logged {
    pub at: DateTime<Utc>,
    pub text: String,
    pub error: bool,
}

/// Most keys held for a pane that is still loading.
pub(super) const HELD_MAX: usize = 256;

impl Main {
    /// The outage banner as drawn `width` columns wide: cut between words
    /// into at most [`BANNER_MAX_ROWS`] lines, so that its retry note is not
    /// lost off the edge of a narrow terminal. Empty without a banner.
    pub fn banner_lines(&self, width: u16) -> Vec<String> {
        let Some(text) = &self.banner else {
            return Vec::new();
        };
        // A column of margin on the left, as the rest of the screen has.
        let room = usize::from(width.saturating_sub(1).max(1));
        let mut lines: Vec<String> = crate::tui::widgets::wrap_words(text, room)
            .into_iter()
            .map(|line| format!(" {line}"))
            .collect();
        if lines.len() > BANNER_MAX_ROWS {
            lines.truncate(BANNER_MAX_ROWS);
            if let Some(last) = lines.last_mut() {
                // Room for the ellipsis inside the width.
                while last.width() + 1 > usize::from(width) && last.pop().is_some() {}
                last.push('…');
            }
        }
        lines
    }

    /// Whether the current pane has its first rows (or gave up on them): a
    /// key pressed before then is held, not sent to an empty list.
    pub fn pane_ready(&self) -> bool {
        if self.banner.is_some() {
            return true;
        }
        // Rows on screen count as ready while a refresh reloads them.
        match self.pane {
            Pane::Resources => self.resources.loaded || !self.resources.rows.is_empty(),
            Pane::Policies => self.policies.loaded || !self.policies.rows.is_empty(),
            Pane::Lockouts => {
                self.lockouts.loaded_at.is_some() || !self.lockouts.accounts.is_empty()
            }
            Pane::Audit => self.audit.loaded || !self.audit.entries.is_empty() || !can_audit(self),
            _ => self.detail.is_some() || self.users.loaded || !self.users.loading,
        }
    }

    /// Shows a short note in the status line and keeps it in the log.
    pub fn say(&mut self, text: impl Into<String>, now: DateTime<Utc>) {
        let text = text.into();
        self.remember(text.clone(), false, now);
        self.note = Some((text, now));
        self.note_is_warning = false;
    }

    /// The same for something refused (shown as a warning).
    pub fn warn(&mut self, text: impl Into<String>, now: DateTime<Utc>) {
        let text = text.into();
        self.remember(text.clone(), true, now);
        self.note = Some((text, now));
        self.note_is_warning = true;
    }

    /// Keeps a message in the log.
    pub fn remember(&mut self, text: String, error: bool, now: DateTime<Utc>) {
        if self.log.len() >= LOG_MAX {
            self.log.pop_front();
        }
        self.log.push_back(Logged {
            at: now,
            text,
            error,
        });
    }

    /// The key tables of the current view, with their help headings. Key
    /// handling, the status line and the help overlay all use this.
    /// The keys that work now: the top popup's, else the current pane's.
    pub fn view_keys(&self) -> keys::Sections {
        match self.popups.last() {
            Some(p) => p.view().keys(),
            None => self.key_sections(),
        }
    }

    /// The key tables of the current pane (under any popup), with the keys
    /// of the popups that open from it.
    pub fn key_sections(&self) -> Vec<(&'static str, &'static [keys::Binding])> {
        let mut sections = self.pane_sections();
        let at = 1.min(sections.len());
        for (i, op) in self.openers().enumerate() {
            sections.insert(at + i, ("Opens", op.keys));
        }
        sections
    }

    /// The popups a key opens here.
    pub fn openers(&self) -> impl Iterator<Item = &'static crate::tui::popups::Opener> + '_ {
        crate::tui::popups::OPENERS
            .iter()
            .copied()
            .filter(|op| (op.applies)(self.place()))
    }

    /// Which view has the keys.
    pub fn place(&self) -> keys::Place {
        keys::Place {
            pane: self.pane,
            detail: self.detail.is_some(),
            access: self.resources.access.is_some(),
        }
    }

    fn pane_sections(&self) -> Vec<(&'static str, &'static [keys::Binding])> {
        keys::pane_sections(self.place())
    }
}
