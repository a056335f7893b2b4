//! Tables whose columns are sized from what the visible rows hold, and
//! cells that say when they are cut. A login cut to `amira.anderson1010`
//! reads as another, plausible account, so every cut ends in `…`, and the
//! columns that matter most (the login) give way last.

use super::theme::Theme;
pub use crate::domain::plural::thousands;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};
use unicode_width::UnicodeWidthStr;

/// How one column is sized.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    /// Narrowest it is made before the columns after it in `give_way`
    /// order give way too (its content is then cut with `…`).
    pub min: u16,
    /// Lower gives way first when the terminal is too narrow for every
    /// column's content.
    pub give_way: u8,
    /// Takes what is left over when everything fits.
    pub grow: bool,
}

impl Column {
    pub const fn new(header: &'static str, min: u16, give_way: u8) -> Column {
        Column {
            header,
            min,
            give_way,
            grow: false,
        }
    }

    pub const fn grow(mut self) -> Column {
        self.grow = true;
        self
    }
}

/// The width of each column for these cells (one `Vec` per visible row)
/// in `width` columns with `spacing` between them: each as wide as its
/// widest cell or header; when that is too wide, columns give way in
/// `give_way` order down to their `min`; when there is room to spare, the
/// growing columns share it.
pub fn fit(columns: &[Column], cells: &[Vec<Line>], width: u16, spacing: u16) -> Vec<u16> {
    let n = columns.len();
    if n == 0 {
        return Vec::new();
    }
    let avail = width.saturating_sub(spacing.saturating_mul(n as u16 - 1));
    let mut want: Vec<u16> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .filter_map(|row| row.get(i))
                .map(|l| l.width())
                .chain(std::iter::once(c.header.width()))
                .max()
                .unwrap_or(0)
                .min(u16::MAX as usize) as u16
        })
        .collect();
    let total: u32 = want.iter().map(|w| u32::from(*w)).sum();
    if total > u32::from(avail) {
        let mut over = total - u32::from(avail);
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|i| columns[*i].give_way);
        for i in order {
            if over == 0 {
                break;
            }
            let floor = columns[i].min.min(want[i]);
            let take = over.min(u32::from(want[i] - floor));
            want[i] -= take as u16;
            over -= take;
        }
    } else {
        let growing: Vec<usize> = (0..n).filter(|i| columns[*i].grow).collect();
        if !growing.is_empty() {
            let extra = u32::from(avail) - total;
            let each = extra / growing.len() as u32;
            let mut rest = extra % growing.len() as u32;
            for i in growing {
                let bonus = each + u32::from(rest > 0);
                rest = rest.saturating_sub(1);
                want[i] = want[i].saturating_add(bonus as u16);
            }
        }
    }
    want
}

/// The widths as table constraints.
pub fn constraints(widths: &[u16]) -> Vec<Constraint> {
    widths.iter().map(|w| Constraint::Length(*w)).collect()
}

/// `line` in at most `width` columns: cut, if it must be, with `…` in
/// place of its last visible character.
pub fn cut_line(line: Line<'_>, width: u16) -> Line<'_> {
    let width = width as usize;
    if line.width() <= width {
        return line;
    }
    let style = line.style;
    let mut out: Vec<Span> = Vec::new();
    let mut used = 0usize;
    let room = width.saturating_sub(1);
    let mut last_style = style;
    for span in line.spans {
        last_style = span.style;
        let mut text = String::new();
        for c in span.content.chars() {
            let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if used + w > room {
                break;
            }
            used += w;
            text.push(c);
        }
        let full = text.chars().count() == span.content.chars().count();
        if !text.is_empty() {
            out.push(Span::styled(text, span.style));
        }
        if !full {
            break;
        }
    }
    if width > 0 {
        out.push(Span::styled("…", last_style));
    }
    Line::from(out).style(style)
}

/// "row 1,234 of 1,000,001": the selected row's place in its list and the
/// list's length; "about" when the total is an estimate, "…" while it is
/// being counted, "?" for a place not known (a window reached from its
/// end before the total was known).
pub fn position(pos: Option<usize>, total: Option<(i64, bool)>) -> String {
    let pos = pos.map_or_else(|| "?".to_string(), |p| thousands(p as i64));
    let total = match total {
        Some((n, false)) => thousands(n),
        Some((n, true)) => format!("about {}", thousands(n)),
        None => "…".into(),
    };
    format!("row {pos} of {total}")
}

/// A list's position shown at the bottom right of its box.
pub fn with_position<'a>(
    block: ratatui::widgets::Block<'a>,
    position: Option<String>,
    theme: &Theme,
) -> ratatui::widgets::Block<'a> {
    match position {
        Some(p) => block
            .title_bottom(Line::from(Span::styled(format!(" {p} "), theme.dim())).right_aligned()),
        None => block,
    }
}

/// The position in a list held whole: "row 3 of 7" (nothing when empty).
pub fn position_in(selected: usize, len: usize) -> Option<String> {
    (len > 0).then(|| position(Some(selected + 1), Some((len as i64, false))))
}

/// The position in the first `loaded` rows of a list of `total`: "row 3
/// of 7", or "row 3 of 500 shown, 1,234 in all" when only some were read.
pub fn position_in_part(selected: usize, loaded: usize, total: i64) -> Option<String> {
    let at = position_in(selected, loaded)?;
    Some(if (loaded as i64) < total {
        format!("{at} shown, {} in all", thousands(total))
    } else {
        at
    })
}

/// `text` in at most `width` columns, ending in `…` when cut.
pub fn cut(text: &str, width: u16) -> String {
    cut_line(Line::raw(text), width).to_string()
}

/// Sizes the columns for `cells` and cuts every cell to its column: the
/// widths and the rows' cells, ready for a ratatui `Table`.
pub fn layout<'a>(
    columns: &[Column],
    cells: Vec<Vec<Line<'a>>>,
    width: u16,
    spacing: u16,
) -> (Vec<u16>, Vec<Vec<Line<'a>>>) {
    let widths = fit(columns, &cells, width, spacing);
    let cut = cells
        .into_iter()
        .map(|row| {
            row.into_iter()
                .zip(&widths)
                .map(|(cell, w)| cut_line(cell, *w))
                .collect()
        })
        .collect();
    (widths, cut)
}

/// Draws a table of `cells` (the visible rows, one `Vec` each) in `area`
/// with a header, sized and cut as [`layout`] does; `selected` is the index
/// among them of the selected row.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    columns: &[Column],
    cells: Vec<Vec<Line>>,
    selected: Option<usize>,
    theme: &Theme,
) {
    let (widths, cells) = layout(columns, cells, area.width, 1);
    let rows: Vec<Row> = cells
        .into_iter()
        .enumerate()
        .map(|(i, cells)| {
            let row = Row::new(cells.into_iter().map(Cell::from).collect::<Vec<_>>());
            if Some(i) == selected {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(
        columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| cut(c.header, *w))
            .collect::<Vec<_>>(),
    )
    .style(theme.title());
    frame.render_widget(
        Table::new(rows, constraints(&widths))
            .header(header)
            .column_spacing(1),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<Line<'static>> {
        cells.iter().map(|c| Line::raw(c.to_string())).collect()
    }

    #[test]
    fn positions_and_totals() {
        assert_eq!(thousands(1_000_001), "1,000,001");
        assert_eq!(thousands(999), "999");
        assert_eq!(
            position(Some(1234), Some((1_000_001, false))),
            "row 1,234 of 1,000,001"
        );
        assert_eq!(
            position(Some(5), Some((1_000_000, true))),
            "row 5 of about 1,000,000"
        );
        assert_eq!(position(None, None), "row ? of …");
    }

    #[test]
    fn cut_marks_the_cut() {
        assert_eq!(cut("amira.anderson101024", 20), "amira.anderson101024");
        assert_eq!(cut("amira.anderson101024", 18), "amira.anderson101…");
        assert_eq!(cut("amira", 1), "…");
        assert_eq!(cut("amira", 0), "");
        // Wide characters count as two.
        assert_eq!(cut("日本語です", 5), "日本…");
    }

    #[test]
    fn columns_fit_their_content_and_the_login_gives_way_last() {
        let cols = [
            Column::new("LOGIN", 8, 9),
            Column::new("NAME", 6, 1).grow(),
            Column::new("KIND", 4, 5),
        ];
        let cells = vec![
            row(&["amira.anderson101024", "Amira Anderson", "staff"]),
            row(&["bo", "Bo", "portal"]),
        ];
        // Room for everything: the name column takes what is left.
        assert_eq!(fit(&cols, &cells, 60, 1), [20, 32, 6]);
        // Too narrow: the name gives way first, the login keeps its width.
        assert_eq!(fit(&cols, &cells, 36, 1), [20, 8, 6]);
        // Narrower still: the name is at its minimum, then the kind, and
        // only then the login.
        assert_eq!(fit(&cols, &cells, 30, 1), [18, 6, 4]);
        let (_, rows) = layout(&cols, cells, 30, 1);
        assert_eq!(rows[0][0].to_string(), "amira.anderson101…");
        assert_eq!(rows[0][1].to_string(), "Amira…");
    }
}
