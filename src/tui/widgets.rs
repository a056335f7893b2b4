//! Drawing helpers shared by screens and popups: centred boxes, labelled
//! fields, the password checklist and strength meter, text cut between words.

use super::fields::{SecretField, TextField};
use super::theme::Theme;
use crate::domain::password_rules::{RuleCheck, Strength};
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear};
use unicode_width::UnicodeWidthStr;

/// A rectangle of at most `w` x `h`, centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// Clears `area` and draws a titled box; returns the inside.
pub fn popup_box(frame: &mut Frame, area: Rect, title: &str, theme: &Theme) -> Rect {
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border())
        .title(Span::styled(format!(" {title} "), theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// "Label:  value" with the focused field marked; returns the line and,
/// when focused, the cursor column within the value.
pub fn text_field_line<'a>(
    label: &str,
    field: &TextField,
    focused: bool,
    width: u16,
    theme: &Theme,
) -> (Line<'a>, Option<u16>) {
    let label_w = 18usize;
    // Characters typed into the full field and not taken are said after
    // the value, which gives up the room for it.
    let full = field.full_note().map(|n| format!(" {n}"));
    let note_w = full.as_ref().map_or(0, |n| n.chars().count());
    let avail = (width as usize).saturating_sub(label_w + 3 + note_w).max(1);
    let scroll = field.input.visual_scroll(avail);
    let value: String = field.value().chars().skip(scroll).take(avail).collect();
    let cursor =
        focused.then(|| (label_w + 2 + field.input.visual_cursor().saturating_sub(scroll)) as u16);
    let mut line = labelled(label, value, focused, theme);
    if let Some(note) = full {
        line.spans.push(Span::styled(note, theme.warn()));
    }
    (line, cursor)
}

/// The same for a secret field: bullets unless revealed.
pub fn secret_field_line<'a>(
    label: &str,
    field: &SecretField,
    focused: bool,
    width: u16,
    theme: &Theme,
) -> (Line<'a>, Option<u16>) {
    let label_w = 18usize;
    let full = field.full_note().map(|n| format!(" {n}"));
    let note_w = full.as_ref().map_or(0, |n| n.chars().count());
    let avail = (width as usize).saturating_sub(label_w + 3 + note_w).max(1);
    let shown: String = field.display();
    let count = shown.chars().count();
    let visible: String = shown.chars().skip(count.saturating_sub(avail)).collect();
    let cursor = focused.then(|| (label_w + 2 + visible.chars().count()) as u16);
    let mut line = labelled(label, visible, focused, theme);
    if let Some(note) = full {
        line.spans.push(Span::styled(note, theme.warn()));
    }
    (line, cursor)
}

fn labelled<'a>(label: &str, value: String, focused: bool, theme: &Theme) -> Line<'a> {
    let marker = if focused { "▸ " } else { "  " };
    let label_style = if focused { theme.focus() } else { theme.base() };
    Line::from(vec![
        Span::styled(format!("{marker}{label:<16}"), label_style),
        Span::raw("  "),
        Span::styled(value, if focused { theme.focus() } else { theme.base() }),
    ])
}

/// "[x] label" toggles.
pub fn toggle_line<'a>(label: &str, on: bool, focused: bool, theme: &Theme) -> Line<'a> {
    let marker = if focused { "▸ " } else { "  " };
    let style = if focused { theme.focus() } else { theme.base() };
    Line::from(Span::styled(
        format!("{marker}[{}] {label}", if on { "x" } else { " " }),
        style,
    ))
}

/// "< value >" choices.
pub fn choice_line<'a>(label: &str, value: &str, focused: bool, theme: &Theme) -> Line<'a> {
    let marker = if focused { "▸ " } else { "  " };
    let style = if focused { theme.focus() } else { theme.base() };
    Line::from(vec![
        Span::styled(format!("{marker}{label:<16}"), style),
        Span::raw("  "),
        Span::styled(format!("◂ {value} ▸"), style),
    ])
}

/// One line per policy rule: met (✓) or broken (✗), with the reason.
pub fn checklist_lines<'a>(checks: &[RuleCheck], typed: bool, theme: &Theme) -> Vec<Line<'a>> {
    checks
        .iter()
        .map(|c| {
            if !typed {
                Line::from(Span::styled(format!("  · {}", c.label), theme.dim()))
            } else if c.met {
                Line::from(Span::styled(format!("  ✓ {}", c.label), theme.good()))
            } else {
                Line::from(Span::styled(format!("  ✗ {}", c.message), theme.bad()))
            }
        })
        .collect()
}

/// "Strength: ███░░ strong — hint".
pub fn strength_line<'a>(s: &Strength, theme: &Theme) -> Line<'a> {
    let filled = (s.score as usize + 1).min(5);
    let bar = format!("{}{}", "█".repeat(filled), "░".repeat(5 - filled));
    let style: Style = match s.score {
        0 | 1 => theme.bad(),
        2 => theme.warn(),
        _ => theme.good(),
    };
    let mut spans = vec![
        Span::raw("  Strength  "),
        Span::styled(format!("{bar} {}", s.label), style),
    ];
    if let Some(h) = &s.hint {
        spans.push(Span::styled(format!("  — {h}"), theme.dim()));
    }
    Line::from(spans)
}

/// The hints line of a popup, from its key table (the bindings marked for
/// the status line), so what it says is what its keys do.
pub fn table_hints<'a>(sections: &[(&str, &[super::keys::Binding])], theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    for b in sections
        .iter()
        .flat_map(|(_, t)| t.iter())
        .filter(|b| b.status)
    {
        push_hint(&mut spans, &b.keys_label(), b.label, theme);
    }
    Line::from(spans)
}

/// Key hints such as "Enter save  Esc cancel".
pub fn hints<'a>(pairs: &[(&str, &str)], theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    for (k, label) in pairs {
        push_hint(&mut spans, k, label, theme);
    }
    Line::from(spans)
}

/// One "Ctrl-C quit" of a hint line. Its spaces are no-break spaces, so a
/// wrapped line breaks between hints, never inside one ("Ctrl-C" at the
/// end of a line and "quit" on the next).
fn push_hint<'a>(spans: &mut Vec<Span<'a>>, key: &str, label: &str, theme: &Theme) {
    const NBSP: &str = "\u{a0}";
    spans.push(Span::raw("  "));
    spans.push(Span::styled(key.replace(' ', NBSP), theme.key()));
    spans.push(Span::raw(format!("{NBSP}{}", label.replace(' ', NBSP))));
}

/// `text` cut between words into lines of at most `width` columns (a word
/// longer than that stands alone and the paragraph's wrap cuts it).
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let fits = line.is_empty() || line.width() + 1 + word.width() <= width;
        if !fits {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push(line);
    out
}

#[cfg(test)]
mod tests {
    use super::wrap_words;

    #[test]
    fn words_wrap_at_the_width_and_long_words_stand_alone() {
        assert_eq!(wrap_words("cycle the sort", 40), vec!["cycle the sort"]);
        assert_eq!(
            wrap_words("cycle the sort: login, name", 15),
            vec!["cycle the sort:", "login, name"]
        );
        assert_eq!(
            wrap_words("a verylongword b", 5),
            vec!["a", "verylongword", "b"]
        );
        assert_eq!(wrap_words("", 5), vec![""]);
    }
}
