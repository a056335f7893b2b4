//! The `:` command palette with completion.

use crate::tui::fields::{Pasted, TextField};
use crate::tui::keys::{Binding, Cmd, Sections, b, code, popup_cmd};
use crate::tui::theme::Theme;
use crate::tui::view::{Ctx, Out, View};
use crate::tui::widgets::{popup_box, table_hints, text_field_line};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

const KEYS: &[Binding] = &[
    b(
        &[code(KeyCode::Tab)],
        "complete",
        "complete the selected command or name",
        Cmd::Complete,
        true,
    ),
    b(
        &[code(KeyCode::Enter)],
        "run",
        "run the command typed",
        Cmd::Save,
        true,
    ),
    b(
        &[code(KeyCode::Up)],
        "up",
        "the completion above",
        Cmd::Up,
        false,
    ),
    b(
        &[code(KeyCode::Down)],
        "down",
        "the completion below",
        Cmd::Down,
        false,
    ),
    b(&[code(KeyCode::Esc)], "close", "close", Cmd::Cancel, true),
];

/// A palette command: its word, what it does, and whether it takes an argument.
pub struct PaletteCommand {
    pub name: &'static str,
    pub help: &'static str,
    pub arg: Option<&'static str>,
}

pub const COMMANDS: &[PaletteCommand] = &[
    PaletteCommand {
        name: "users",
        help: "go to the Users pane",
        arg: None,
    },
    PaletteCommand {
        name: "resources",
        help: "go to the Resources pane",
        arg: None,
    },
    PaletteCommand {
        name: "policies",
        help: "go to the Policies pane",
        arg: None,
    },
    PaletteCommand {
        name: "lockouts",
        help: "go to the Lockouts pane",
        arg: None,
    },
    PaletteCommand {
        name: "audit",
        help: "go to the Audit pane",
        arg: None,
    },
    PaletteCommand {
        name: "new",
        help: "create a user",
        arg: None,
    },
    PaletteCommand {
        name: "find",
        help: "filter users by login, name or email",
        arg: Some("TEXT"),
    },
    PaletteCommand {
        name: "resource",
        help: "only users granted a resource (no name: all)",
        arg: Some("NAME"),
    },
    PaletteCommand {
        name: "clear",
        help: "clear every filter",
        arg: None,
    },
    PaletteCommand {
        name: "password",
        help: "change your own password",
        arg: None,
    },
    PaletteCommand {
        name: "reset-all",
        help: "give every staff user one new password",
        arg: None,
    },
    PaletteCommand {
        name: "refresh",
        help: "reload from the database",
        arg: None,
    },
    PaletteCommand {
        name: "help",
        help: "show the keys of this pane",
        arg: None,
    },
    PaletteCommand {
        name: "quit",
        help: "quit keyward",
        arg: None,
    },
];

#[derive(Debug)]
pub struct Palette {
    pub input: TextField,
    pub selected: usize,
    pub error: Option<String>,
    /// Names offered after `resource `.
    pub resources: Vec<String>,
}

impl Palette {
    pub fn new(resources: Vec<String>) -> Palette {
        Palette {
            input: TextField::new(200),
            selected: 0,
            error: None,
            resources,
        }
    }

    /// Completions for what is typed: commands, or resource names after `resource `.
    pub fn matches(&self) -> Vec<(String, String)> {
        let text = self.input.value().trim_start();
        if let Some(rest) = text.strip_prefix("resource ") {
            let rest = rest.to_lowercase();
            return self
                .resources
                .iter()
                .filter(|r| r.to_lowercase().starts_with(rest.trim_start()))
                .map(|r| {
                    (
                        format!("resource {r}"),
                        "only users granted this resource".to_string(),
                    )
                })
                .collect();
        }
        let word = text.split_whitespace().next().unwrap_or("").to_lowercase();
        COMMANDS
            .iter()
            .filter(|c| c.name.starts_with(&word))
            .map(|c| {
                let shown = match c.arg {
                    Some(a) => format!("{} {a}", c.name),
                    None => c.name.to_string(),
                };
                (shown, c.help.to_string())
            })
            .collect()
    }

    fn handle(&mut self, key: &KeyEvent) -> Out {
        match popup_cmd(&self.keys(), key) {
            Some(Cmd::Cancel) => Out::Close,
            Some(Cmd::Up) => {
                self.selected = self.selected.saturating_sub(1);
                Out::None
            }
            Some(Cmd::Down) => {
                self.selected = (self.selected + 1).min(self.matches().len().saturating_sub(1));
                Out::None
            }
            Some(Cmd::Complete) => {
                if let Some((m, _)) = self.matches().get(self.selected) {
                    let word = m
                        .split(" TEXT")
                        .next()
                        .unwrap_or(m)
                        .split(" NAME")
                        .next()
                        .unwrap_or(m);
                    let completed = if COMMANDS.iter().any(|c| c.name == word && c.arg.is_some()) {
                        format!("{word} ")
                    } else {
                        word.to_string()
                    };
                    self.input = TextField::with(&completed, 200);
                    self.selected = 0;
                }
                Out::None
            }
            Some(_) => {
                let typed = self.input.value().trim().to_string();
                let word = typed.split_whitespace().next().unwrap_or("").to_lowercase();
                let arg = typed
                    .split_once(' ')
                    .map(|(_, a)| a.trim().to_string())
                    .unwrap_or_default();
                // An unambiguous prefix is enough (":lo" = lockouts).
                let found: Vec<&PaletteCommand> = COMMANDS
                    .iter()
                    .filter(|c| c.name.starts_with(&word))
                    .collect();
                let chosen = COMMANDS
                    .iter()
                    .find(|c| c.name == word)
                    .or(if found.len() == 1 {
                        Some(found[0])
                    } else {
                        None
                    });
                match chosen {
                    Some(c) if !word.is_empty() => Out::Palette(c.name, arg),
                    _ if word.is_empty() => Out::Close,
                    _ => {
                        self.error = Some(if found.is_empty() {
                            format!("no command {word:?}; Tab shows the commands")
                        } else {
                            format!(
                                "{word:?} could be {}",
                                found.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
                            )
                        });
                        Out::None
                    }
                }
            }
            _ => {
                if self.input.key(key) {
                    self.selected = 0;
                    self.error = None;
                }
                Out::None
            }
        }
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let matches = self.matches();
        let h = (matches.len().min(10) as u16 + 6).min(area.height);
        let rect = Rect {
            x: area.x + area.width / 8,
            y: area.y + 2,
            width: (area.width * 3 / 4).max(20).min(area.width),
            height: h,
        };
        let inner = popup_box(frame, rect, "Command", theme);
        let (line, cursor) = text_field_line(":", &self.input, true, inner.width, theme);
        let mut lines = vec![line, Line::raw("")];
        let shown = &matches[..matches.len().min(10)];
        // The names' column fits the longest shown (a long resource name
        // must not run into its help), up to 40 characters; a longer name
        // is cut there with an ellipsis (Tab still completes all of it).
        let width = shown
            .iter()
            .map(|(name, _)| name.chars().count())
            .max()
            .unwrap_or(0)
            .clamp(22, 40);
        for (i, (name, help)) in shown.iter().enumerate() {
            let style = if i == self.selected {
                theme.selected()
            } else {
                theme.base()
            };
            let name: String = if name.chars().count() > width {
                name.chars().take(width - 1).chain(['…']).collect()
            } else {
                name.clone()
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {name:<width$}  "), style),
                Span::styled(help.clone(), theme.dim()),
            ]));
        }
        if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(e.clone(), theme.bad())));
        }
        lines.push(table_hints(&[("", KEYS)], theme));
        frame.render_widget(Paragraph::new(lines), inner);
        if let Some(x) = cursor
            && x < inner.width
        {
            frame.set_cursor_position((inner.x + x, inner.y));
        }
    }
}

impl View for Palette {
    fn keys(&self) -> Sections {
        vec![("Command", KEYS)]
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        self.handle(key)
    }

    fn paste(&mut self, text: &str) -> Pasted {
        self.input.paste(text)
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        Palette::render(self, frame, area, ctx.theme)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    #[test]
    fn a_long_resource_name_keeps_a_gap_before_its_help() {
        let mut palette = Palette::new(vec![
            "Professional website".into(),
            "A resource with a name far longer than forty characters".into(),
        ]);
        palette.input = TextField::with("resource ", 200);
        let mut terminal = Terminal::new(TestBackend::new(120, 20)).expect("terminal");
        terminal
            .draw(|f| palette.render(f, f.area(), &Theme::mono()))
            .expect("draw");
        let buffer = terminal.backend().buffer();
        let lines: Vec<String> = (0..buffer.area.height)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect()
            })
            .collect();
        let row = |name: &str| {
            lines
                .iter()
                .find(|l| l.contains(name))
                .unwrap_or_else(|| panic!("{name:?} not shown:\n{}", lines.join("\n")))
                .clone()
        };
        // Both names' help starts in one column, two spaces after the
        // longer name, which is cut to forty characters.
        assert!(row("resource Professional website").contains("Professional website  "));
        let long = row("resource A resource with");
        assert!(long.contains("…  only users granted"), "{long}");
        // The column in characters (the ellipsis is three bytes).
        let col = |l: &str| {
            l[..l.find("only users granted").expect("help")]
                .chars()
                .count()
        };
        assert_eq!(col(&row("Professional website")), col(&long));
    }
}
