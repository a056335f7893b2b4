//! Moving a selection through a list that shows `height` rows at a time:
//! shared by every table pane.

/// Moves `selected` by `delta` within `len` rows and scrolls `offset` so the
/// selection stays visible; after the terminal grows, rows above are shown
/// rather than blank space below.
pub fn move_selection(
    selected: &mut usize,
    offset: &mut usize,
    len: usize,
    delta: isize,
    height: usize,
) {
    if len == 0 {
        *selected = 0;
        *offset = 0;
        return;
    }
    let height = height.max(1);
    *selected = (*selected as isize)
        .saturating_add(delta)
        .clamp(0, len as isize - 1) as usize;
    if *selected < *offset {
        *offset = *selected;
    } else if *selected >= *offset + height {
        *offset = *selected + 1 - height;
    }
    *offset = (*offset).min(len.saturating_sub(height));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_selection_visible() {
        let (mut sel, mut off) = (0, 0);
        move_selection(&mut sel, &mut off, 100, 25, 10);
        assert_eq!((sel, off), (25, 16));
        move_selection(&mut sel, &mut off, 100, -20, 10);
        assert_eq!((sel, off), (5, 5));
        move_selection(&mut sel, &mut off, 100, isize::MAX, 10);
        assert_eq!((sel, off), (99, 90));
        move_selection(&mut sel, &mut off, 100, isize::MIN, 10);
        assert_eq!((sel, off), (0, 0));
        move_selection(&mut sel, &mut off, 0, 3, 10);
        assert_eq!((sel, off), (0, 0));
    }

    #[test]
    fn growing_terminal_shows_rows_above() {
        let (mut sel, mut off) = (19, 15);
        move_selection(&mut sel, &mut off, 20, 0, 10);
        assert_eq!(off, 10);
    }
}
