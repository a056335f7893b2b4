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

/// Moves like [`move_selection`] in a list that is a window over a longer
/// listing: a move past an end beyond which more rows exist (`more_after`,
/// `more_before`) goes as far as the loaded rows and the rest waits in
/// `queued`, to be made when the next page arrives (call again with a
/// `delta` of 0). Keys pressed while a page loads are not lost.
#[allow(clippy::too_many_arguments)]
pub fn move_queued(
    selected: &mut usize,
    offset: &mut usize,
    queued: &mut isize,
    len: usize,
    delta: isize,
    height: usize,
    more_after: bool,
    more_before: bool,
) {
    if len == 0 {
        *queued = 0;
        move_selection(selected, offset, len, 0, height);
        return;
    }
    let last = len as isize - 1;
    let target = (*selected as isize)
        .saturating_add(*queued)
        .saturating_add(delta);
    let (to, rest) = if target > last && more_after {
        (last, target - last)
    } else if target < 0 && more_before {
        (0, target)
    } else {
        (target.clamp(0, last), 0)
    };
    *queued = rest;
    move_selection(selected, offset, len, to - *selected as isize, height);
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
    fn a_move_past_a_loading_end_waits_for_the_rows() {
        let (mut sel, mut off, mut queued) = (90, 81, 0);
        // 100 rows loaded, more after: 35 down goes to the last row, 26 wait.
        move_queued(&mut sel, &mut off, &mut queued, 100, 35, 10, true, false);
        assert_eq!((sel, queued), (99, 26));
        // Another 35 while the page loads: they wait too.
        move_queued(&mut sel, &mut off, &mut queued, 100, 35, 10, true, false);
        assert_eq!((sel, queued), (99, 61));
        // The page arrives: 200 rows; the wait is made.
        move_queued(&mut sel, &mut off, &mut queued, 200, 0, 10, true, false);
        assert_eq!((sel, queued), (160, 0));
        // Up past the top with nothing before: clamped, nothing waits.
        move_queued(&mut sel, &mut off, &mut queued, 200, -500, 10, true, false);
        assert_eq!((sel, queued), (0, 0));
        // Down past the real end: clamped, nothing waits.
        move_queued(&mut sel, &mut off, &mut queued, 200, 500, 10, false, false);
        assert_eq!((sel, queued), (199, 0));
        assert_eq!(off, 190);
    }

    #[test]
    fn growing_terminal_shows_rows_above() {
        let (mut sel, mut off) = (19, 15);
        move_selection(&mut sel, &mut off, 20, 0, 10);
        assert_eq!(off, 10);
    }
}
