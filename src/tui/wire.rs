//! What reaches the terminal, made small for slow links: a ratatui backend around crossterm's
//! that knows what the screen shows (`shown`), so that each frame writes only what changed, in
//! few bytes. A block of rows that moved (the list scrolled by a row) is moved by the terminal
//! (a scroll region), and only the rows that are really new are written; styles change by what
//! differs from the last cell written, not by a reset and a full set per span; a run of blanks
//! is erased (ECH) rather than written; the cursor is moved only when it is not already where
//! the next cell goes.
//!
//! The screen is always exactly the frame ratatui drew: the scroll is applied to `shown` as the
//! terminal applies it, then `shown` is compared with the frame and every difference written.
//!
//! The pen (SGR) and the scroll region are left as they are between frames: the next frame
//! starts from them, so a list step does not pay for a reset and the same settings again (the
//! border's colour, the list's region). [`super::restore`] resets both before the terminal is
//! given back.

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Rect, Size};
use std::fmt::Write as _;
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

mod pencil;
use pencil::{Pen, Pencil, Update, blank, steps};

/// The furthest a block of rows is looked for: two list rows of two lines.
const MAX_SHIFT: usize = 4;
/// The least a scroll costs (`\x1b[2S`, in a region already set); it is looked for only when
/// more cells than that differ.
const SCROLL_COST: usize = 4;

pub struct Wire<W: Write> {
    inner: CrosstermBackend<W>,
    /// What the terminal shows: the last frame, cell for cell.
    shown: Buffer,
    /// Where the terminal's cursor is, its pen and its scroll region, kept from frame to frame.
    pencil: Pencil,
    /// Whether the cursor is shown, when known.
    visible: Option<bool>,
    /// A size of its own instead of the terminal's (a writer that is no terminal: tests).
    fixed: Option<Size>,
    /// Between [`Wire::begin_frame`] and [`Wire::end_frame`]; whether the frame's
    /// synchronized-output marker has been written (only once there is something to show).
    framing: Option<bool>,
}

impl<W: Write> Wire<W> {
    pub fn new(writer: W) -> Wire<W> {
        Wire {
            inner: CrosstermBackend::new(writer),
            shown: Buffer::empty(Rect::default()),
            pencil: Pencil::default(),
            visible: None,
            fixed: None,
            framing: None,
        }
    }

    /// Writing to a terminal just handed over (at start, back from the editor), whose pen and
    /// scroll region are not known: the first frame resets them.
    pub fn handed_over(writer: W) -> Wire<W> {
        Wire {
            pencil: Pencil::unknown(),
            ..Wire::new(writer)
        }
    }

    /// Writing to `writer` as to a terminal of `size`.
    pub fn fixed(writer: W, size: Size) -> Wire<W> {
        Wire {
            fixed: Some(size),
            ..Wire::new(writer)
        }
    }

    /// Writes what it takes to turn `shown` into `next`.
    fn present(&mut self, next: Buffer) -> io::Result<()> {
        let scroll = best_scroll(&self.shown, &next, self.pencil.region);
        if let Some(scroll) = scroll {
            scroll.apply(&mut self.shown);
        }
        let mut updates = self.shown.diff(&next);
        // A blank over a blank looks the same whatever its bold, dim or colour: the rows a
        // scroll brought in need only their text.
        updates.retain(|&(x, y, cell)| !(blank(cell) && shows_blank(&self.shown, x, y)));
        let (out, pencil) = match scroll {
            None => {
                let mut pencil = self.pencil;
                let mut out = String::new();
                pencil.cells(&mut out, &next, &updates, |y| y);
                (out, pencil)
            }
            Some(scroll) => {
                let scrolled = scroll.scrolled(self.pencil, &next, &updates);
                // Whichever is shorter.
                match scroll.fed(self.pencil, &next, &updates) {
                    Some(fed) if fed.0.len() < scrolled.0.len() => fed,
                    _ => scrolled,
                }
            }
        };
        self.pencil = pencil;
        self.shown = next;
        if !out.is_empty() {
            self.open_frame()?;
        }
        self.inner.write_all(out.as_bytes())
    }

    /// A frame begins: the terminal is asked to show it whole (synchronized output, ignored
    /// where unsupported), once it writes something. A frame that changes nothing writes
    /// nothing at all, not even the markers: an idle inbox sends no byte.
    pub fn begin_frame(&mut self) {
        self.framing = Some(false);
    }

    /// The frame is complete: the terminal shows it, if anything was written.
    pub fn end_frame(&mut self) -> io::Result<()> {
        if self.framing.take() == Some(true) {
            crossterm::queue!(self.inner, crossterm::terminal::EndSynchronizedUpdate)?;
        }
        Write::flush(&mut self.inner)
    }

    fn open_frame(&mut self) -> io::Result<()> {
        if self.framing == Some(false) {
            self.framing = Some(true);
            crossterm::queue!(self.inner, crossterm::terminal::BeginSynchronizedUpdate)?;
        }
        Ok(())
    }

    /// Before the screen is erased: the default pen (the erased cells take its background) and
    /// the whole screen as the region (a resize may or may not have reset it).
    fn plain(&mut self) -> io::Result<()> {
        if self.pencil.pen != Pen::default() {
            self.inner.write_all(b"\x1b[m")?;
            self.pencil.pen = Pen::default();
        }
        if self.pencil.region.take().is_some() {
            self.inner.write_all(b"\x1b[r")?;
        }
        Ok(())
    }

    /// The screen was cleared. (A full-screen ratatui clears it only whole.)
    fn forget(&mut self) -> io::Result<()> {
        let size = self.size()?;
        self.shown = Buffer::empty(Rect::new(0, 0, size.width, size.height));
        self.pencil.cursor = None;
        Ok(())
    }
}

/// The cells a wide character covers, emptied as ratatui's own buffer has them: ratatui does
/// not send them, so a copy built from its changes may still hold what they showed before.
fn hide_behind_wide(buf: &mut Buffer) {
    let width = usize::from(buf.area.width);
    for y in 0..usize::from(buf.area.height) {
        let mut x = 0;
        while x < width {
            let cell = &buf.content[y * width + x];
            let w = if cell.symbol().len() > 1 {
                cell.symbol().width()
            } else {
                1
            };
            for hidden in x + 1..(x + w).min(width) {
                buf.content[y * width + hidden] = Cell::default();
            }
            x += w.max(1);
        }
    }
}

/// Whether the cell at `(x, y)` of `shown` shows as an erased one: blank, and not the right
/// half of a wide character.
fn shows_blank(shown: &Buffer, x: u16, y: u16) -> bool {
    let covered = x > 0 && shown[(x - 1, y)].symbol().width() > 1;
    blank(&shown[(x, y)]) && !covered
}

/// A block of rows moved by the terminal: `[top, bottom)` by `shift` rows (up when positive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scroll {
    top: usize,
    bottom: usize,
    shift: isize,
}

impl Scroll {
    /// Set the region (unless the terminal has it already) and scroll it; the region is kept
    /// for the next scroll, and returned. The pen draws nothing across a space here, so the
    /// rows brought in are blank in the default background, as `apply` has them.
    fn write(&self, out: &mut String, region: Option<(usize, usize)>) -> (usize, usize) {
        let wanted = (self.top, self.bottom);
        if region != Some(wanted) {
            let _ = write!(out, "\x1b[{};{}r", self.top + 1, self.bottom);
        }
        let n = u16::try_from(self.shift.unsigned_abs()).unwrap_or(u16::MAX);
        out.push_str(&steps(n, if self.shift > 0 { 'S' } else { 'T' }));
        wanted
    }

    /// The frame written after the terminal scrolls (SU, SD): each cell where it now is.
    fn scrolled(&self, mut pencil: Pencil, next: &Buffer, updates: &[Update]) -> (String, Pencil) {
        let mut out = String::new();
        pencil.erasing(&mut out);
        pencil.region = Some(self.write(&mut out, pencil.region));
        // Setting a region homes the cursor; where a scroll leaves it is not portable either.
        pencil.cursor = None;
        pencil.cells(&mut out, next, updates, |y| y);
        (out, pencil)
    }

    /// Up only, the frame written with line feeds for the scroll: the rows that stay are
    /// written where they are before it (`shift` rows lower), then each row it brings in is
    /// written on the region's last row just after a line feed there brought it in. Shorter
    /// when the cursor is on that row anyway (the list's new row: a move and a scroll saved).
    fn fed(&self, mut pencil: Pencil, next: &Buffer, updates: &[Update]) -> Option<(String, Pencil)> {
        let shift = u16::try_from(self.shift).ok().filter(|&s| s > 0)?;
        let (top, bottom) = (u16::try_from(self.top).ok()?, u16::try_from(self.bottom).ok()?);
        let mut out = String::new();
        if pencil.region != Some((self.top, self.bottom)) {
            let _ = write!(out, "\x1b[{};{}r", top + 1, bottom);
            pencil.region = Some((self.top, self.bottom));
            pencil.cursor = None;
        }
        let (foot, first_new) = (bottom - 1, bottom - shift);
        let upto = |y: u16| updates.partition_point(|&(_, row, _)| row < y);
        let (before, brought) = (upto(first_new), upto(bottom));
        let lowered = |y: u16| if y >= top { y + shift } else { y };
        pencil.cells(&mut out, next, &updates[..before], lowered);
        let mut from = before;
        for y in first_new..bottom {
            pencil.erasing(&mut out);
            if pencil.cursor.is_none_or(|at| at.y != foot) {
                pencil.move_to(&mut out, next, y, Position { x: 0, y: foot });
            }
            // The region scrolls by a row; the cursor stays where it is.
            out.push('\n');
            let to = upto(y + 1);
            pencil.cells(&mut out, next, &updates[from..to], |_| foot);
            from = to;
        }
        pencil.cells(&mut out, next, &updates[brought..], |y| y);
        Some((out, pencil))
    }

    /// The bytes [`Scroll::write`] takes, with the terminal's `region` (counted, not written:
    /// the search weighs thousands of scrolls a frame).
    fn cost(&self, region: Option<(usize, usize)>) -> isize {
        let digits = |n: usize| n.checked_ilog10().map_or(1, |d| d as usize + 1);
        let set = match region == Some((self.top, self.bottom)) {
            true => 0,
            // `\x1b[{top};{bottom}r`
            false => 4 + digits(self.top + 1) + digits(self.bottom),
        };
        // `\x1b[S`, `\x1b[{n}S`
        let n = self.shift.unsigned_abs();
        let scroll = if n == 1 { 3 } else { 3 + digits(n) };
        (set + scroll) as isize
    }

    /// What the terminal does to its rows, done to `buf`.
    fn apply(&self, buf: &mut Buffer) {
        let width = usize::from(buf.area.width);
        let rows = &mut buf.content[self.top * width..self.bottom * width];
        let n = self.shift.unsigned_abs() * width;
        if self.shift > 0 {
            rows.rotate_left(n);
            let len = rows.len();
            rows[len - n..].fill(Cell::default());
        } else {
            rows.rotate_right(n);
            rows[..n].fill(Cell::default());
        }
    }
}

/// The scroll that saves the most cells from `shown` to `next` for what it costs (setting a
/// region other than the terminal's `region` costs more), if it saves more than it costs.
fn best_scroll(shown: &Buffer, next: &Buffer, region: Option<(usize, usize)>) -> Option<Scroll> {
    if shown.area != next.area || shown.area.width == 0 {
        return None;
    }
    let width = usize::from(shown.area.width);
    let height = usize::from(shown.area.height);
    // The cells a frame writes: a blank over a blank is not written, whatever their styles.
    let differ = |a: &[Cell], b: &[Cell]| {
        a.iter()
            .zip(b)
            .filter(|&(a, b)| a != b && !(blank(a) && blank(b)))
            .count()
    };
    let stay: Vec<usize> = (0..height)
        .map(|y| differ(row(shown, width, y), row(next, width, y)))
        .collect();
    if stay.iter().sum::<usize>() <= SCROLL_COST {
        return None;
    }
    let blank = vec![Cell::default(); width];
    let cleared: Vec<isize> = (0..height)
        .map(|y| stay[y] as isize - differ(&blank, row(next, width, y)) as isize)
        .collect();
    let mut best: Option<(isize, Scroll)> = None;
    for s in 1..=MAX_SHIFT.min(height.saturating_sub(1)) {
        // Up: row y takes what row y + s showed; down: what row y - s showed.
        let up: Vec<isize> = (0..height - s)
            .map(|y| stay[y] as isize - differ(row(shown, width, y + s), row(next, width, y)) as isize)
            .collect();
        let down: Vec<isize> = (s..height)
            .map(|y| stay[y] as isize - differ(row(shown, width, y - s), row(next, width, y)) as isize)
            .collect();
        let (p_up, p_down, p_clear) = (prefix(&up), prefix(&down), prefix(&cleared));
        for top in 0..height {
            for bottom in top + s + 1..=height {
                // Up: [top, bottom - s) moved, [bottom - s, bottom) blank.
                let gain = p_up[bottom - s] - p_up[top] + p_clear[bottom] - p_clear[bottom - s];
                let up = Scroll {
                    top,
                    bottom,
                    shift: s as isize,
                };
                consider(&mut best, gain - up.cost(region), up);
                // Down: [top, top + s) blank, [top + s, bottom) moved (`down` starts at row s).
                let gain = p_clear[top + s] - p_clear[top] + p_down[bottom - s] - p_down[top];
                let down = Scroll {
                    shift: -(s as isize),
                    ..up
                };
                consider(&mut best, gain - down.cost(region), down);
            }
        }
    }
    best.filter(|(saved, _)| *saved > 0).map(|(_, s)| s)
}

/// Row `y` of `b`, `width` cells wide.
fn row(b: &Buffer, width: usize, y: usize) -> &[Cell] {
    &b.content[y * width..(y + 1) * width]
}

fn prefix(values: &[isize]) -> Vec<isize> {
    let mut sums = Vec::with_capacity(values.len() + 1);
    sums.push(0);
    for v in values {
        sums.push(sums.last().copied().unwrap_or(0) + v);
    }
    sums
}

fn consider(best: &mut Option<(isize, Scroll)>, gain: isize, scroll: Scroll) {
    if best.is_none_or(|(g, _)| gain > g) {
        *best = Some((gain, scroll));
    }
}

impl<W: Write> Write for Wire<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Write::flush(&mut self.inner)
    }
}

impl<W: Write> Backend for Wire<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let size = self.size()?;
        let area = Rect::new(0, 0, size.width, size.height);
        if self.shown.area != area {
            self.shown.resize(area);
        }
        // ratatui's changes on top of what is shown: its frame, whole.
        let mut next = self.shown.clone();
        for (x, y, cell) in content {
            if let Some(c) = next.cell_mut((x, y)) {
                *c = cell.clone();
            }
        }
        hide_behind_wide(&mut next);
        self.present(next)
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        // Line feeds: they must scroll the whole screen.
        self.plain()?;
        self.pencil.cursor = None;
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.visible != Some(false) {
            self.open_frame()?;
            self.inner.hide_cursor()?;
            self.visible = Some(false);
        }
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if self.visible != Some(true) {
            self.open_frame()?;
            self.inner.show_cursor()?;
            self.visible = Some(true);
        }
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let position = position.into();
        if self.pencil.cursor != Some(position) {
            self.open_frame()?;
            self.inner.set_cursor_position(position)?;
            self.pencil.cursor = Some(position);
        }
        Ok(())
    }

    fn clear(&mut self) -> io::Result<()> {
        self.plain()?;
        self.inner.clear()?;
        self.forget()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.plain()?;
        self.inner.clear_region(clear_type)?;
        self.forget()
    }

    fn size(&self) -> io::Result<Size> {
        self.fixed.map_or_else(|| self.inner.size(), Ok)
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        if let Some(columns_rows) = self.fixed {
            return Ok(WindowSize {
                columns_rows,
                pixels: Size::default(),
            });
        }
        self.inner.window_size()
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::pencil::relative;
    use super::*;
    use ratatui::style::{Color, Modifier, Style};

    /// A writer the test reads back.
    #[derive(Clone, Default)]
    struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// What the wire writes to turn `shown` into `next`.
    fn written(shown: Buffer, next: Buffer) -> String {
        let out = Shared::default();
        let mut wire = Wire::fixed(out.clone(), next.area.as_size());
        wire.shown = shown;
        wire.present(next).unwrap();
        String::from_utf8(out.0.take()).unwrap()
    }

    /// A buffer of `rows`, each padded to 40 cells.
    fn lines(rows: &[&str]) -> Buffer {
        Buffer::with_lines(rows.iter().map(|r| format!("{r:<40}")))
    }

    #[test]
    fn the_blanks_a_scroll_brings_in_are_not_written_whatever_their_style() {
        let (a, b, c) = ("Ann Lee    waits 3m", "Bo Díaz   AI  2h", "Cy Okafor     YOU 5m");
        let shown = lines(&[a, a, b, b, c, c]);
        let mut next = lines(&[b, b, c, c, "d1", "d2"]);
        // The new row's padding is bold (a bold name padded to its column): still blank.
        next.set_style(Rect::new(2, 4, 38, 2), Style::new().add_modifier(Modifier::BOLD));
        let out = written(shown, next);
        // Scrolled by line feeds on the region's last row, each new line written as it comes in
        // (shorter here than `\x1b[2S\x1b[5Hd1\r\nd2`).
        assert_eq!(out, "\x1b[1;6r\x1b[6H\nd1\n\rd2", "{out:?}");
    }

    /// The frames `frames` make one after the other on one wire, each as it was written.
    fn each_written(frames: &[Buffer]) -> Vec<String> {
        let out = Shared::default();
        let mut wire = Wire::fixed(out.clone(), frames[0].area.as_size());
        wire.shown = Buffer::empty(frames[0].area);
        frames
            .iter()
            .map(|next| {
                wire.present(next.clone()).unwrap();
                String::from_utf8(out.0.take()).unwrap()
            })
            .collect()
    }

    #[test]
    fn the_pen_and_the_scroll_region_are_kept_for_the_next_frame() {
        let rows = [
            "Ann Lee in Oslo",
            "Bo Díaz at home",
            "Cy Okafor, Lagos",
            "Di Wu",
            "Ed Ng",
        ];
        let frame = |from: usize| {
            let mut b = lines(&[rows[from], rows[from + 1], rows[from + 2], "", "foot"]);
            // All in a colour, as a focused pane's border is.
            b.set_style(b.area, Style::new().fg(Color::Cyan));
            b
        };
        let out = each_written(&[frame(0), frame(1), frame(2)]);
        assert!(out[0].starts_with("\x1b[1H\x1b[36mAnn Lee"), "{:?}", out[0]);
        // The colour the last frame ended in is the new row's: not set again. The region the
        // first scroll set is the next one's.
        assert_eq!(out[1], "\x1b[1;3r\x1b[3H\nDi Wu");
        // The cursor was left on the region's last row: a line feed there scrolls it.
        assert_eq!(out[2], "\n\rEd Ng");
    }

    #[test]
    fn no_move_relies_on_the_cursor_crossing_the_scroll_region_s_edge() {
        let pencil = |region| Pencil {
            region,
            ..Pencil::default()
        };
        let kept = pencil(Some((2, 6)));
        // A line feed on the region's last row (5) would scroll; one above it moves down.
        assert!(kept.at_region_foot(5) && !kept.at_region_foot(4));
        // Down from inside past its foot, up from inside past its top: stopped at the edge.
        assert!(!kept.reaches(4, 7) && !kept.reaches(3, 1));
        assert!(kept.reaches(3, 5) && kept.reaches(7, 9) && kept.reaches(5, 2) && kept.reaches(1, 0));
        assert!(pencil(None).reaches(4, 7));
        let mut out = String::new();
        let mut kept = Pencil {
            cursor: Some(Position::new(10, 5)),
            ..kept
        };
        kept.move_to(&mut out, &lines(&[""; 10]), 6, Position::new(0, 6));
        assert_eq!(out, "\x1b[7H", "not a line feed");
    }

    #[test]
    fn clearing_the_screen_gives_back_the_default_pen_and_the_whole_screen() {
        let out = Shared::default();
        let mut wire = Wire::fixed(out.clone(), Size::new(40, 3));
        wire.pencil.pen = Pen {
            bg: Color::Yellow,
            ..Pen::default()
        };
        wire.pencil.region = Some((1, 3));
        wire.clear().unwrap();
        let written = String::from_utf8(out.0.take()).unwrap();
        assert!(written.starts_with("\x1b[m\x1b[r\x1b[2J"), "{written:?}");
        assert!(wire.pencil.pen == Pen::default() && wire.pencil.region.is_none());
    }

    #[test]
    fn a_scroll_costs_what_it_writes() {
        for (top, bottom, shift) in [(0, 5, 1), (2, 38, 2), (9, 120, -3), (0, 10, -1)] {
            let scroll = Scroll { top, bottom, shift };
            for region in [None, Some((top, bottom)), Some((1, 3))] {
                let mut out = String::new();
                scroll.write(&mut out, region);
                assert_eq!(
                    scroll.cost(region),
                    out.len() as isize,
                    "{scroll:?} in {region:?}: {out:?}"
                );
            }
        }
    }

    #[test]
    fn the_cursor_moves_relative_to_where_it_is_when_that_is_shorter() {
        let shown = lines(&["", "", ""]);
        let next = lines(&[" ▌", " ▌", ""]);
        // Down a row and back a cell: `\n\x08`, not `\x1b[2;2H`.
        assert_eq!(written(shown, next), "\x1b[1;2H▌\n\x08▌");
        assert_eq!(relative(Position::new(9, 5), Position::new(2, 3)), "\x1b[2A\x1b[7D");
        assert_eq!(relative(Position::new(9, 5), Position::new(0, 6)), "\n\r");
        assert_eq!(relative(Position::new(3, 1), Position::new(3, 5)), "\x1b[4B");
    }

    #[test]
    fn a_blank_is_written_in_any_pen_that_draws_nothing_across_it() {
        let mut next = lines(&["ab cd"]);
        next.set_style(Rect::new(0, 0, 2, 1), Style::new().add_modifier(Modifier::BOLD));
        next.set_style(Rect::new(3, 0, 2, 1), Style::new().add_modifier(Modifier::BOLD));
        // The space between, passed over or written over a letter, in bold: the pen set once.
        for shown in [lines(&[""]), lines(&["abxcd"])] {
            assert_eq!(written(shown, next.clone()), "\x1b[1H\x1b[1mab cd");
        }
    }

    #[test]
    fn a_frame_that_changes_nothing_writes_nothing_not_even_its_markers() {
        let out = Shared::default();
        let size = Size::new(40, 3);
        let mut terminal = ratatui::Terminal::new(Wire::fixed(out.clone(), size)).unwrap();
        let frame = |terminal: &mut ratatui::Terminal<Wire<Shared>>, text: &str| {
            terminal.backend_mut().begin_frame();
            terminal.draw(|f| f.render_widget(text, f.area())).unwrap();
            terminal.backend_mut().end_frame().unwrap();
            String::from_utf8(out.0.take()).unwrap()
        };
        let first = frame(&mut terminal, "Ann Lee");
        assert!(
            first.starts_with("\x1b[?2026h") && first.ends_with("\x1b[?2026l"),
            "{first:?}"
        );
        assert_eq!(frame(&mut terminal, "Ann Lee"), "", "an unchanged frame");
        assert_eq!(frame(&mut terminal, "Ann Leo"), "\x1b[?2026h\x08o\x1b[?2026l");
    }
}
