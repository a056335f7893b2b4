//! Colours and their monochrome stand-ins. With NO_COLOR every cue that a
//! colour carries is also carried by an attribute (bold, reverse,
//! underline) or a marker, since crossterm drops attributes along with
//! colours on some terminals. Colours are from the 16-colour palette.

use crate::config::{ThemeColor, ThemeSection};
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub palette: Palette,
}

/// The colours a theme draws with (`[theme]` in the config file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub accent: Color,
    pub key: Color,
    pub dim: Color,
    pub good: Color,
    pub bad: Color,
    pub warn: Color,
    pub border: Color,
    pub selection: Color,
    pub selection_text: Color,
}

impl Default for Palette {
    fn default() -> Self {
        Palette {
            accent: Color::Cyan,
            key: Color::Yellow,
            dim: Color::DarkGray,
            good: Color::Green,
            bad: Color::Red,
            warn: Color::Yellow,
            border: Color::Gray,
            selection: Color::Blue,
            selection_text: Color::White,
        }
    }
}

impl Palette {
    /// The default palette with the colours `[theme]` sets.
    pub fn from_config(t: &ThemeSection) -> Palette {
        let d = Palette::default();
        let pick = |c: Option<ThemeColor>, default: Color| c.map_or(default, color);
        Palette {
            accent: pick(t.accent, d.accent),
            key: pick(t.key, d.key),
            dim: pick(t.dim, d.dim),
            good: pick(t.good, d.good),
            bad: pick(t.bad, d.bad),
            warn: pick(t.warn, d.warn),
            border: pick(t.border, d.border),
            selection: pick(t.selection, d.selection),
            selection_text: pick(t.selection_text, d.selection_text),
        }
    }
}

/// A configured colour as the terminal draws it.
fn color(c: ThemeColor) -> Color {
    const NAMED: [Color; 16] = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    match c {
        ThemeColor::Named(i) => NAMED[usize::from(i) % NAMED.len()],
        ThemeColor::Indexed(i) => Color::Indexed(i),
        ThemeColor::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

/// The marker in front of the selected row, in every theme.
pub const SELECTED_MARK: &str = "▶ ";

impl Theme {
    /// The configured palette, or monochrome when NO_COLOR is set (to
    /// anything non-empty).
    pub fn new(config: &ThemeSection) -> Theme {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            palette: Palette::from_config(config),
        }
    }

    /// No colour: every cue an attribute or a marker (NO_COLOR, tests).
    pub fn mono() -> Theme {
        Theme {
            color: false,
            palette: Palette::default(),
        }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }

    pub fn base(&self) -> Style {
        Style::default()
    }
    pub fn title(&self) -> Style {
        self.fg(self.palette.accent).add_modifier(Modifier::BOLD)
    }
    pub fn selected(&self) -> Style {
        if self.color {
            Style::default()
                .bg(self.palette.selection)
                .fg(self.palette.selection_text)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    }
    pub fn tab_active(&self) -> Style {
        if self.color {
            Style::default()
                .fg(Color::Black)
                .bg(self.palette.accent)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }
    pub fn key(&self) -> Style {
        self.fg(self.palette.key).add_modifier(Modifier::BOLD)
    }
    pub fn dim(&self) -> Style {
        if self.color {
            Style::default().fg(self.palette.dim)
        } else {
            Style::default().add_modifier(Modifier::DIM)
        }
    }
    pub fn good(&self) -> Style {
        self.fg(self.palette.good)
    }
    pub fn bad(&self) -> Style {
        self.fg(self.palette.bad).add_modifier(Modifier::BOLD)
    }
    pub fn warn(&self) -> Style {
        self.fg(self.palette.warn).add_modifier(Modifier::BOLD)
    }
    pub fn banner(&self) -> Style {
        if self.color {
            Style::default()
                .bg(self.palette.bad)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }
    pub fn focus(&self) -> Style {
        self.fg(self.palette.accent)
            .add_modifier(Modifier::UNDERLINED)
    }
    pub fn border(&self) -> Style {
        self.fg(self.palette.border)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_configs_theme_is_the_default_palette() {
        let c = crate::config::parse(include_str!("../../config.example.toml")).unwrap();
        assert!(c.theme.accent.is_some() && c.theme.selection_text.is_some());
        assert_eq!(Palette::from_config(&c.theme), Palette::default());
    }

    #[test]
    fn the_config_sets_colours_and_no_color_keeps_none() {
        let t = ThemeSection {
            accent: Some(ThemeColor::Rgb(1, 2, 3)),
            key: Some(ThemeColor::Indexed(208)),
            bad: Some(ThemeColor::Named(9)),
            ..Default::default()
        };
        let theme = Theme {
            color: true,
            palette: Palette::from_config(&t),
        };
        assert_eq!(theme.title().fg, Some(Color::Rgb(1, 2, 3)));
        assert_eq!(theme.key().fg, Some(Color::Indexed(208)));
        assert_eq!(theme.bad().fg, Some(Color::LightRed));
        assert_eq!(theme.good().fg, Some(Color::Green));
        let mono = Theme {
            color: false,
            ..theme
        };
        assert_eq!(mono.title().fg, None);
        assert_eq!(mono.selected().bg, None);
    }
}
