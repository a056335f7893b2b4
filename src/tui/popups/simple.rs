//! Small popups: a dismissible message, a confirmation with Cancel focused,
//! a confirmation that wants a word typed, and a secret shown once.

use crate::tui::effect::Call;
use crate::tui::fields::TextField;
use crate::tui::theme::Theme;
use crate::tui::widgets::{centered, hints, popup_box, text_field_line};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Out;

/// What happened and what to do; Enter or Esc dismisses.
#[derive(Debug)]
pub struct Message {
    pub title: String,
    pub text: String,
    pub error: bool,
}

impl Message {
    pub fn error(text: impl Into<String>) -> Message {
        Message {
            title: "Something went wrong".into(),
            text: text.into(),
            error: true,
        }
    }

    pub fn key(&mut self, key: &KeyEvent) -> Out {
        match key.code {
            KeyCode::Enter | KeyCode::Esc | KeyCode::Char(' ') | KeyCode::Char('q') => Out::Close,
            _ => Out::None,
        }
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let text_rows: u16 = self
            .text
            .lines()
            .map(|l| (l.chars().count() as u16 / 64) + 1)
            .sum();
        let lines_needed = text_rows + 5;
        let inner = popup_box(
            frame,
            centered(area, 70, lines_needed.min(area.height)),
            &self.title,
            theme,
        );
        let style = if self.error {
            theme.bad()
        } else {
            theme.base()
        };
        // Each line of the text on its own line (audit details are multi-line).
        let mut lines: Vec<Line> = self
            .text
            .lines()
            .map(|l| Line::from(Span::styled(l.to_string(), style)))
            .collect();
        lines.push(Line::raw(""));
        lines.push(hints(&[("Enter", "dismiss")], theme));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}

/// What a confirmation does when its yes is chosen.
#[derive(Debug)]
pub enum Then {
    /// Run this call; the confirmation waits for the answer.
    Call(Call),
    /// Close the form underneath, throwing away what was typed in it.
    Discard,
}

/// Yes/No with Cancel focused; Tab or arrows move, Enter chooses, Esc cancels.
#[derive(Debug)]
pub struct Confirm {
    pub title: String,
    pub text: String,
    pub yes_label: String,
    pub yes_focused: bool,
    pub then: Option<Then>,
    pub pending: Option<u64>,
    pub error: Option<String>,
}

impl Confirm {
    pub fn new(title: &str, text: String, yes_label: &str, call: Call) -> Confirm {
        Confirm {
            title: title.into(),
            text,
            yes_label: yes_label.into(),
            yes_focused: false,
            then: Some(Then::Call(call)),
            pending: None,
            error: None,
        }
    }

    /// "Discard changes?" over an edited form that Esc would close.
    pub fn discard() -> Confirm {
        Confirm {
            title: "Discard changes?".into(),
            text: "Close the form and lose what you typed in it?".into(),
            yes_label: "Discard".into(),
            yes_focused: false,
            then: Some(Then::Discard),
            pending: None,
            error: None,
        }
    }

    pub fn key(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        match key.code {
            KeyCode::Tab
            | KeyCode::BackTab
            | KeyCode::Left
            | KeyCode::Right
            | KeyCode::Char('h')
            | KeyCode::Char('l') => {
                self.yes_focused = !self.yes_focused;
                Out::None
            }
            KeyCode::Esc | KeyCode::Char('n') => Out::Close,
            KeyCode::Enter if !self.yes_focused => Out::Close,
            KeyCode::Enter | KeyCode::Char('y') => match self.then.take() {
                Some(Then::Call(call)) => Out::Call(call),
                Some(Then::Discard) => Out::Discard,
                None => Out::Close,
            },
            _ => Out::None,
        }
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let inner = popup_box(frame, centered(area, 64, 9), &self.title, theme);
        let button = |label: &str, focused: bool| {
            let text = format!("[ {label} ]");
            if focused {
                Span::styled(text, theme.selected())
            } else {
                Span::raw(text)
            }
        };
        let mut lines = vec![Line::raw(self.text.clone()), Line::raw("")];
        lines.push(Line::from(vec![
            button("Cancel", !self.yes_focused),
            Span::raw("   "),
            button(&self.yes_label, self.yes_focused),
        ]));
        if self.pending.is_some() {
            lines.push(Line::from(Span::styled("Working…", theme.dim())));
        } else if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(e.clone(), theme.bad())));
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}

/// For the most dangerous actions: type the login to go ahead.
#[derive(Debug)]
pub struct TypeConfirm {
    pub title: String,
    pub text: String,
    pub expected: String,
    pub field: TextField,
    pub call: Option<Call>,
    pub pending: Option<u64>,
    pub error: Option<String>,
    /// What it confirms removes the user in the detail view: close the view
    /// once it is done.
    pub closes_detail: bool,
}

impl TypeConfirm {
    pub fn new(title: &str, text: String, expected: &str, call: Call) -> TypeConfirm {
        TypeConfirm {
            title: title.into(),
            text,
            expected: expected.into(),
            field: TextField::new(128),
            call: Some(call),
            pending: None,
            error: None,
            closes_detail: false,
        }
    }

    pub fn key(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        match key.code {
            KeyCode::Esc => Out::Close,
            KeyCode::Enter => {
                if self.field.value() != self.expected {
                    self.error = Some(format!(
                        "Type {} exactly to confirm, or Esc to cancel.",
                        self.expected
                    ));
                    return Out::None;
                }
                match self.call.take() {
                    Some(c) => Out::Call(c),
                    None => Out::Close,
                }
            }
            _ => {
                self.field.key(key);
                self.error = None;
                Out::None
            }
        }
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let inner = popup_box(frame, centered(area, 70, 10), &self.title, theme);
        let (line, cursor) =
            text_field_line("Type to confirm", &self.field, true, inner.width, theme);
        let mut lines = vec![
            Line::from(Span::styled(self.text.clone(), theme.warn())),
            Line::raw(""),
            line,
            Line::raw(""),
        ];
        if self.pending.is_some() {
            lines.push(Line::from(Span::styled("Working…", theme.dim())));
        } else if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(e.clone(), theme.bad())));
        }
        lines.push(hints(&[("Enter", "confirm"), ("Esc", "cancel")], theme));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if let Some(x) = cursor {
            let y = 2 + (self.text.chars().count() as u16 / inner.width.max(1));
            if x < inner.width && y < inner.height {
                frame.set_cursor_position((inner.x + x, inner.y + y));
            }
        }
    }
}

/// Temporary passwords or a reset token, shown once; wiped when closed.
/// Several (one per marked user) scroll with ↑/↓.
#[derive(Debug)]
pub struct SecretBox {
    pub secrets: crate::tui::effect::Secrets,
    pub scroll: u16,
}

impl SecretBox {
    pub fn new(secrets: crate::tui::effect::Secrets) -> SecretBox {
        SecretBox { secrets, scroll: 0 }
    }

    pub fn key(&mut self, key: &KeyEvent) -> Out {
        match key.code {
            KeyCode::Enter | KeyCode::Esc => Out::Close,
            KeyCode::Up | KeyCode::Char('k') => {
                self.scroll = self.scroll.saturating_sub(1);
                Out::None
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.scroll = self.scroll.saturating_add(1);
                Out::None
            }
            _ => Out::None,
        }
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let s = &self.secrets;
        let label_w = s
            .items
            .iter()
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0);
        let mut lines = vec![Line::raw(s.title.clone()), Line::raw("")];
        if let Some(note) = &s.note {
            lines.push(Line::from(Span::styled(note.clone(), theme.bad())));
            lines.push(Line::raw(""));
        }
        for (label, secret) in &s.items {
            let text = if label.is_empty() {
                format!("  {}", &**secret)
            } else {
                format!("  {label:<label_w$}  {}", &**secret)
            };
            lines.push(Line::from(Span::styled(text, theme.key())));
        }
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(
            "Copy it now: it is not stored in readable form and will not be shown again.",
            theme.warn(),
        )));
        let mut keys = vec![("Enter", "done (clears it from the screen)")];
        if s.items.len() > 1 {
            keys.push(("↑/↓", "scroll"));
        }
        lines.push(hints(&keys, theme));
        let h = (lines.len() as u16 + 4).min(area.height);
        let inner = popup_box(frame, centered(area, 90, h), "Shown once", theme);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((self.scroll, 0)),
            inner,
        );
    }
}
