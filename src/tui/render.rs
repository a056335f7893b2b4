//! Drawing: reads the app state and nothing else (no awaits, queries or
//! hashing); builds rows only for what is visible.

use super::app::{App, MIN_HEIGHT, MIN_WIDTH, Main, Screen};
use super::panes::Pane;
use super::theme::Theme;
use super::view::Ctx;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

pub fn draw(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let theme = &app.theme;
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "The terminal is {}x{}. keyward needs at least {MIN_WIDTH}x{MIN_HEIGHT}: enlarge the window. (Ctrl-C quits)",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    match &app.screen {
        Screen::Starting { error } => {
            let text = match error {
                None => format!("Opening {}…", app.location),
                Some(e) => format!("Cannot open the database {}:\n{e}", app.location),
            };
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), area);
        }
        Screen::Setup(f) => f.render(frame, area, theme, &app.location),
        Screen::SignIn(f) => f.render(frame, area, theme, &app.location),
        Screen::MustChange(f) => f.render(frame, area, theme),
        Screen::Main(m) => draw_main(app, m, frame, area),
    }
}

fn draw_main(app: &App, m: &Main, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let banner_lines = m.banner_lines(area.width);
    let [tabs, banner, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banner_lines.len() as u16),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(tab_line(m.pane, theme)), tabs);
    if !banner_lines.is_empty() {
        let lines: Vec<Line> = banner_lines
            .into_iter()
            .map(|l| Line::from(Span::styled(l, theme.banner())))
            .collect();
        frame.render_widget(Paragraph::new(lines), banner);
    }
    match (m.pane, &m.detail) {
        (Pane::Users, Some(d)) => d.render(frame, body, theme, app.now),
        (Pane::Users, None) => m.users.render(frame, body, theme, app.now),
        (Pane::Lockouts, _) => m.lockouts.render(frame, body, theme, app.now),
        (Pane::Resources, _) => m.resources.render(frame, body, theme),
        (Pane::Policies, _) => m.policies.render(
            frame,
            body,
            theme,
            crate::domain::rights::check(
                m.session.actor.role,
                crate::domain::rights::Action::ManagePolicies,
                None,
            )
            .is_ok(),
        ),
        (_, _) => m.audit.render(frame, body, theme, super::app::can_audit(m)),
    }
    let line = super::table::cut_line(
        status_line(m, &app.location, status.width, theme),
        status.width,
    );
    frame.render_widget(Paragraph::new(line), status);
    // Each popup is drawn over what is under it; help shows the keys of
    // the view under it.
    for (i, p) in m.popups.iter().enumerate() {
        let sections = match i {
            0 => m.key_sections(),
            _ => m.popups[i - 1].view().keys(),
        };
        let ctx = Ctx {
            theme,
            now: app.now,
            role: m.session.actor.role,
            sections: &sections,
            log: &m.log,
        };
        p.view().render(frame, body, &ctx);
    }
}

fn tab_line<'a>(active: Pane, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::styled(" keyward ", theme.title())];
    for (i, pane) in Pane::ALL.iter().enumerate() {
        spans.push(Span::raw(" "));
        let text = format!(" {} {} ", i + 1, pane.label());
        spans.push(if *pane == active {
            Span::styled(text, theme.tab_active())
        } else {
            Span::styled(text, theme.dim())
        });
    }
    Line::from(spans)
}

/// Who is signed in, where, the latest note and the view's keys. Under
/// 100 columns the database is named by its backend only ("sqlite"), so
/// that the view's own keys keep some room; while a note is shown, it gives
/// way altogether if both do not fit.
fn status_line<'a>(m: &Main, location: &str, width: u16, theme: &Theme) -> Line<'a> {
    let a = &m.session.actor;
    let who = format!(" {} ({}) ", a.login, a.role.label());
    let location = if width < 100 {
        location.split(' ').next().unwrap_or(location)
    } else {
        location
    };
    let place = format!("│ {location} │");
    let note_width = m.note.as_ref().map_or(0, |(note, _)| note.width() + 3);
    let fits = who.width() + place.width() + note_width <= usize::from(width);
    let mut spans = vec![Span::styled(who, theme.title())];
    spans.push(if fits || m.note.is_none() {
        Span::styled(place, theme.dim())
    } else {
        Span::styled("│", theme.dim())
    });
    if let Some((note, _)) = &m.note {
        let style = if m.note_is_warning {
            theme.warn()
        } else {
            theme.good()
        };
        spans.push(Span::styled(format!(" {note} │"), style));
    }
    if m.users.editing_filter && m.pane == Pane::Users && m.detail.is_none() {
        spans.push(Span::styled(" typing filter: ", theme.dim()));
        spans.push(Span::styled("Enter", theme.key()));
        spans.push(Span::raw(" keep  "));
        spans.push(Span::styled("Esc", theme.key()));
        spans.push(Span::raw(" clear"));
        return Line::from(spans);
    }
    // The keys that work everywhere first, so a narrow terminal keeps `? help`.
    // Whole hints only: the ones that do not fit give way to "…" (help has
    // them all).
    let hints: Vec<(String, &str)> = m
        .view_keys()
        .into_iter()
        .rev()
        .flat_map(|(_, table)| table.iter())
        .filter(|b| b.status && b.allowed(a.role))
        .map(|b| (b.keys_label(), b.label))
        .collect();
    let mut used: usize = spans.iter().map(|s| s.width()).sum();
    let room = usize::from(width);
    for (i, (keys, label)) in hints.iter().enumerate() {
        let hint = 1 + keys.width() + 1 + label.width();
        let more = if i + 1 < hints.len() { 2 } else { 0 };
        if used + hint + more > room {
            spans.push(Span::styled(" …", theme.dim()));
            break;
        }
        used += hint;
        spans.push(Span::raw(" "));
        spans.push(Span::styled(keys.clone(), theme.key()));
        spans.push(Span::raw(format!(" {label}")));
    }
    Line::from(spans)
}
