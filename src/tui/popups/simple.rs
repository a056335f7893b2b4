//! Small popups: a dismissible message, a confirmation with Cancel focused,
//! a confirmation that wants a word typed, and a secret shown once.

use crate::tui::effect::{Call, Reply};
use crate::tui::fields::{Pasted, TextField};
use crate::tui::keys::{Binding, Cmd, Sections, b, code, k, popup_cmd};
use crate::tui::theme::Theme;
use crate::tui::view::{Ctx, Out, View, usual_reply};
use crate::tui::widgets::{centered, popup_box, table_hints, text_field_line};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

const MESSAGE_KEYS: &[Binding] = &[b(
    &[code(KeyCode::Enter), code(KeyCode::Esc), k(' '), k('q')],
    "dismiss",
    "close this message",
    Cmd::Cancel,
    true,
)];

const CONFIRM_KEYS: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        "choose",
        "do what the focused button says (Cancel is focused at first)",
        Cmd::Save,
        true,
    ),
    b(
        &[
            code(KeyCode::Tab),
            code(KeyCode::BackTab),
            code(KeyCode::Left),
            code(KeyCode::Right),
            k('h'),
            k('l'),
        ],
        "switch",
        "move between the buttons",
        Cmd::SwitchButton,
        true,
    ),
    b(&[k('y')], "yes", "go ahead at once", Cmd::Yes, false),
    b(
        &[code(KeyCode::Esc), k('n')],
        "cancel",
        "cancel",
        Cmd::No,
        true,
    ),
];

const TYPE_CONFIRM_KEYS: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        "confirm",
        "go ahead once the word is typed",
        Cmd::Save,
        true,
    ),
    b(&[code(KeyCode::Esc)], "cancel", "cancel", Cmd::Cancel, true),
];

const SECRET_KEYS: &[Binding] = &[
    b(
        &[code(KeyCode::Enter), code(KeyCode::Esc)],
        "done",
        "close (clears it from the screen)",
        Cmd::Cancel,
        true,
    ),
    b(
        &[k('y')],
        "copy",
        "copy it to the clipboard (OSC 52; several: one per line)",
        Cmd::Yank,
        true,
    ),
    b(
        &[code(KeyCode::Up), k('k')],
        "up",
        "scroll up",
        Cmd::Up,
        false,
    ),
    b(
        &[code(KeyCode::Down), k('j')],
        "down",
        "scroll down",
        Cmd::Down,
        false,
    ),
];

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
        lines.push(table_hints(&[("", MESSAGE_KEYS)], theme));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}

impl View for Message {
    fn keys(&self) -> Sections {
        vec![("Message", MESSAGE_KEYS)]
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        match popup_cmd(&self.keys(), key) {
            Some(Cmd::Cancel) => Out::Close,
            _ => Out::None,
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        Message::render(self, frame, area, ctx.theme)
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

    fn go_ahead(&mut self) -> Out {
        match self.then.take() {
            Some(Then::Call(call)) => Out::Call(call),
            Some(Then::Discard) => Out::Discard,
            None => Out::Close,
        }
    }
}

impl View for Confirm {
    fn keys(&self) -> Sections {
        vec![("Confirm", CONFIRM_KEYS)]
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        match popup_cmd(&self.keys(), key) {
            Some(Cmd::SwitchButton) => {
                self.yes_focused = !self.yes_focused;
                Out::None
            }
            Some(Cmd::No) => Out::Close,
            Some(Cmd::Save) if !self.yes_focused => Out::Close,
            Some(Cmd::Save | Cmd::Yes) => self.go_ahead(),
            _ => Out::None,
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        Confirm::render(self, frame, area, ctx.theme)
    }

    crate::tui::view::one_request!();
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
        lines.push(table_hints(&[("", TYPE_CONFIRM_KEYS)], theme));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if let Some(x) = cursor {
            let y = 2 + (self.text.chars().count() as u16 / inner.width.max(1));
            if x < inner.width && y < inner.height {
                frame.set_cursor_position((inner.x + x, inner.y + y));
            }
        }
    }
}

impl View for TypeConfirm {
    fn keys(&self) -> Sections {
        vec![("Confirm", TYPE_CONFIRM_KEYS)]
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        match popup_cmd(&self.keys(), key) {
            Some(Cmd::Cancel) => Out::Close,
            Some(Cmd::Save) => {
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

    fn paste(&mut self, text: &str) -> Pasted {
        self.field.paste(text)
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        TypeConfirm::render(self, frame, area, ctx.theme)
    }

    crate::tui::view::one_request!();

    fn reply(&mut self, _id: u64, reply: Reply) -> Out {
        match (usual_reply(self, reply), self.closes_detail) {
            (Out::Done { note, stays, .. }, true) => Out::Done {
                note,
                stays,
                detail: crate::tui::view::DetailAfter::Close,
            },
            (out, _) => out,
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
        lines.push(table_hints(&[("", SECRET_KEYS)], theme));
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

impl View for SecretBox {
    fn keys(&self) -> Sections {
        vec![("Shown once", SECRET_KEYS)]
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        match popup_cmd(&self.keys(), key) {
            Some(Cmd::Cancel) => Out::Close,
            Some(Cmd::Yank) => {
                let items = &self.secrets.items;
                // Built in wiped memory: no copy of a secret is left behind.
                let mut text = zeroize::Zeroizing::new(String::new());
                for (i, (label, secret)) in items.iter().enumerate() {
                    if i > 0 {
                        text.push('\n');
                    }
                    if !label.is_empty() {
                        text.push_str(label);
                        text.push(' ');
                    }
                    text.push_str(secret);
                }
                Out::Copy {
                    text,
                    what: if items.len() == 1 {
                        "the secret".into()
                    } else {
                        format!("{} secrets", items.len())
                    },
                }
            }
            Some(Cmd::Up) => {
                self.scroll = self.scroll.saturating_sub(1);
                Out::None
            }
            Some(Cmd::Down) => {
                self.scroll = self.scroll.saturating_add(1);
                Out::None
            }
            _ => Out::None,
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        SecretBox::render(self, frame, area, ctx.theme)
    }
}
