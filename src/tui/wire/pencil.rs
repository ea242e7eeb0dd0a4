//! How the wire writes cells: where the terminal's cursor is, the attributes it writes with
//! (its pen) and its scroll region, kept from one frame to the next (`Pencil`); the shortest
//! cursor moves that do not cross the region's edges; SGR by difference.

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Position;
use ratatui::style::{Color, Modifier};
use std::fmt::Write as _;
use unicode_width::UnicodeWidthStr;

/// Blank cells in a row are erased (ECH) rather than written from this many on.
const ERASE: usize = 6;
/// Skipping up to this many unchanged cells: printing them again is shorter than a move.
const REPRINT: u16 = 3;

/// What the terminal is left with after what was written: where the cursor is (when known),
/// the pen, the scroll region (`[top, bottom)` rows; `None`: the whole screen).
#[derive(Clone, Copy, Default)]
pub(super) struct Pencil {
    pub(super) cursor: Option<Position>,
    pub(super) pen: Pen,
    pub(super) region: Option<(usize, usize)>,
}

impl Pencil {
    /// What a terminal just handed to us may have been left with (a shell's colours, an
    /// editor's scroll region): unknown, so the first frame resets both before it relies on them.
    pub(super) fn unknown() -> Pencil {
        Pencil {
            cursor: None,
            pen: Pen {
                modifier: Modifier::all(),
                ..Pen::default()
            },
            region: Some((0, 0)),
        }
    }
}

/// A cell to write: column, row of the frame, the cell.
pub(super) type Update<'a> = (u16, u16, &'a Cell);

impl Pencil {
    /// Writes `updates`, cells of `next`, each at its column on the terminal's row `row(y)`.
    pub(super) fn cells(&mut self, out: &mut String, next: &Buffer, updates: &[Update], row: impl Fn(u16) -> u16) {
        let width = next.area.width;
        let mut i = 0;
        while let Some(&(x, y, cell)) = updates.get(i) {
            i += 1;
            let at = Position { x, y: row(y) };
            self.move_to(out, next, y, at);
            let blanks = blank_run(&updates[i - 1..]);
            if blanks >= ERASE {
                self.erasing(out);
                // Erased in the default background; the cursor stays where it is.
                let _ = write!(out, "\x1b[{blanks}X");
                i += blanks - 1;
                continue;
            }
            let to = Pen::of(cell);
            // A blank shows the same in any pen that draws nothing across a space.
            if to != self.pen && !(blank(cell) && invisible(self.pen)) {
                sgr(out, self.pen, to);
                self.pen = to;
            }
            out.push_str(cell.symbol());
            let after = x.saturating_add(cell.symbol().width().max(1) as u16);
            // At the last column the terminal waits to wrap: where it is then is not portable.
            self.cursor = (after < width).then_some(Position { x: after, y: at.y });
        }
    }

    /// Before erasing (ECH, a scroll, a line feed that scrolls): the erased cells take the pen's
    /// background, so the pen must draw nothing across a space.
    pub(super) fn erasing(&mut self, out: &mut String) {
        if !invisible(self.pen) {
            out.push_str("\x1b[m");
            self.pen = Pen::default();
        }
    }

    /// Moves the cursor to `to` the shortest way (or not at all); row `source` of `next` is
    /// what the terminal's row `to.y` is to show.
    pub(super) fn move_to(&mut self, out: &mut String, next: &Buffer, source: u16, to: Position) {
        let absolute = match to.x {
            0 => format!("\x1b[{}H", to.y + 1),
            x => format!("\x1b[{};{}H", to.y + 1, x + 1),
        };
        let way = match self.cursor {
            Some(at) if at == to => String::new(),
            Some(at) if at.y == to.y && to.x > at.x => {
                let gap = to.x - at.x;
                if gap <= REPRINT && reprintable(next, source, at, gap, self.pen) {
                    (at.x..to.x).map(|x| next[(x, source)].symbol()).collect()
                } else {
                    format!("\x1b[{gap}C")
                }
            }
            // A line feed on the region's last row would scroll it.
            Some(at) if to.y == at.y + 1 && to.x == 0 && !self.at_region_foot(at.y) => "\r\n".into(),
            Some(at) if self.reaches(at.y, to.y) => Some(relative(at, to))
                .filter(|r| r.len() < absolute.len())
                .unwrap_or(absolute),
            _ => absolute,
        };
        out.push_str(&way);
        self.cursor = Some(to);
    }

    /// Whether row `y` is the scroll region's last: a line feed there scrolls the region.
    pub(super) fn at_region_foot(&self, y: u16) -> bool {
        self.region.is_some_and(|(_, bottom)| usize::from(y) + 1 == bottom)
    }

    /// Whether a cursor moved up or down from row `from` reaches row `to`: from inside the
    /// scroll region (or above it, in some terminals) it stops at the region's edge.
    pub(super) fn reaches(&self, from: u16, to: u16) -> bool {
        let Some((top, bottom)) = self.region else { return true };
        let (from, to) = (usize::from(from), usize::from(to));
        match to.cmp(&from) {
            std::cmp::Ordering::Greater => from >= bottom || to < bottom,
            std::cmp::Ordering::Less => from < top || to >= top,
            std::cmp::Ordering::Equal => true,
        }
    }
}

/// The attributes the terminal writes the next character with.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Pen {
    pub(super) fg: Color,
    pub(super) bg: Color,
    pub(super) underline: Color,
    pub(super) modifier: Modifier,
}

impl Pen {
    pub(super) fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            underline: cell.underline_color,
            modifier: cell.modifier,
        }
    }
}

/// From `at` to `to` by moves relative to where the cursor is (up or down, then across): e.g.
/// `\n\x08` to the cell below and left of it. A line feed goes down a row in the same column
/// (raw mode: no carriage return added), in a byte; the caller makes sure it scrolls nothing.
pub(super) fn relative(at: Position, to: Position) -> String {
    let mut way = match to.y.cmp(&at.y) {
        std::cmp::Ordering::Equal => String::new(),
        std::cmp::Ordering::Greater if to.y - at.y <= 3 => "\n".repeat(usize::from(to.y - at.y)),
        std::cmp::Ordering::Greater => steps(to.y - at.y, 'B'),
        std::cmp::Ordering::Less => steps(at.y - to.y, 'A'),
    };
    match to.x.cmp(&at.x) {
        std::cmp::Ordering::Equal => {}
        std::cmp::Ordering::Greater => way.push_str(&steps(to.x - at.x, 'C')),
        _ if to.x == 0 => way.push('\r'),
        // Backspace: a cell to the left.
        _ if at.x - to.x == 1 => way.push('\x08'),
        _ => way.push_str(&steps(at.x - to.x, 'D')),
    }
    way
}

/// A cursor move of `n` cells in `dir` (CUU `A`, CUD `B`, CUF `C`, CUB `D`), or a scroll of
/// `n` rows (SU `S`, SD `T`).
pub(super) fn steps(n: u16, dir: char) -> String {
    match n {
        1 => format!("\x1b[{dir}"),
        n => format!("\x1b[{n}{dir}"),
    }
}

/// How many of `updates`, from the first, are blanks side by side on one row.
fn blank_run(updates: &[(u16, u16, &Cell)]) -> usize {
    let Some(&(x0, y0, _)) = updates.first() else { return 0 };
    updates
        .iter()
        .enumerate()
        .take_while(|&(k, &(x, y, c))| y == y0 && usize::from(x) == usize::from(x0) + k && blank(c))
        .count()
}

/// A pen whose spaces show as erased cells: the default background, nothing drawn across.
pub(super) fn invisible(pen: Pen) -> bool {
    pen.bg == Color::Reset
        && !pen
            .modifier
            .intersects(Modifier::REVERSED | Modifier::UNDERLINED | Modifier::CROSSED_OUT)
}

/// A cell that shows as an erased one: a space on the default background, nothing drawn
/// across it (its bold, dim or colour cannot be seen).
pub(super) fn blank(c: &Cell) -> bool {
    c.symbol() == " " && invisible(Pen::of(c))
}

/// Whether the `gap` cells after `at` (row `source` of `next` is on the cursor's row) can be
/// printed again as they are, in the current pen: the same attributes, or blanks in a pen that
/// draws nothing across a space.
fn reprintable(next: &Buffer, source: u16, at: Position, gap: u16, pen: Pen) -> bool {
    (at.x..at.x + gap).all(|x| {
        let cell = &next[(x, source)];
        let same = Pen::of(cell) == pen || (invisible(pen) && blank(cell));
        same && cell.symbol().len() == 1 && cell.symbol().width() == 1
    })
}

/// The shortest SGR from `from` to `to`: what changed, or a reset and what is set, whichever
/// is shorter (a reset alone is `\x1b[m`).
pub(super) fn sgr(out: &mut String, from: Pen, to: Pen) {
    let changed = params(from, to);
    let reset = match params(Pen::default(), to) {
        set if set.is_empty() => String::new(),
        set => format!("0{set}"),
    };
    let chosen = if changed.len().saturating_sub(1) < reset.len() {
        &changed[1..]
    } else {
        &reset
    };
    let _ = write!(out, "\x1b[{chosen}m");
}

/// `;`-led SGR parameters that take `from` to `to`.
fn params(from: Pen, to: Pen) -> String {
    let mut p = String::new();
    let off = from.modifier - to.modifier;
    let mut on = to.modifier - from.modifier;
    if off.intersects(Modifier::BOLD | Modifier::DIM) {
        p.push_str(";22");
        // 22 ends both; the one that stays is set again.
        on |= to.modifier & (Modifier::BOLD | Modifier::DIM);
    }
    for (m, code) in [
        (Modifier::ITALIC, 23),
        (Modifier::UNDERLINED, 24),
        (Modifier::SLOW_BLINK | Modifier::RAPID_BLINK, 25),
        (Modifier::REVERSED, 27),
        (Modifier::HIDDEN, 28),
        (Modifier::CROSSED_OUT, 29),
    ] {
        if off.intersects(m) {
            let _ = write!(p, ";{code}");
            if m.contains(Modifier::SLOW_BLINK) {
                on |= to.modifier & m;
            }
        }
    }
    for (m, code) in [
        (Modifier::BOLD, 1),
        (Modifier::DIM, 2),
        (Modifier::ITALIC, 3),
        (Modifier::UNDERLINED, 4),
        (Modifier::SLOW_BLINK, 5),
        (Modifier::RAPID_BLINK, 6),
        (Modifier::REVERSED, 7),
        (Modifier::HIDDEN, 8),
        (Modifier::CROSSED_OUT, 9),
    ] {
        if on.contains(m) {
            let _ = write!(p, ";{code}");
        }
    }
    if from.fg != to.fg {
        color(&mut p, to.fg, 30);
    }
    if from.bg != to.bg {
        color(&mut p, to.bg, 40);
    }
    if from.underline != to.underline {
        color(&mut p, to.underline, 50);
    }
    p
}

/// A colour as SGR parameters; `base` 30 the foreground, 40 the background, 50 the underline.
fn color(p: &mut String, c: Color, base: u16) {
    let named = |i: u16| match (base, i) {
        // Underline colours have no short forms.
        (50, i) => format!(";58;5;{i}"),
        (b, i @ 0..=7) => format!(";{}", b + i),
        (b, i) => format!(";{}", b + 60 + i - 8),
    };
    let s = match c {
        Color::Reset => format!(";{}", base + 9),
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => named(8),
        Color::LightRed => named(9),
        Color::LightGreen => named(10),
        Color::LightYellow => named(11),
        Color::LightBlue => named(12),
        Color::LightMagenta => named(13),
        Color::LightCyan => named(14),
        Color::White => named(15),
        Color::Indexed(i) => format!(";{};5;{i}", base + 8),
        Color::Rgb(r, g, b) => format!(";{};2;{r};{g};{b}", base + 8),
    };
    p.push_str(&s);
}
