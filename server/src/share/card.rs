//! Share cards: the 1200×630 PNG a link preview shows (Open Graph and
//! Twitter `summary_large_image`), drawn by the server from the quote, the
//! speaker, the session and the event.
//!
//! Text is set in DejaVu Sans, shipped in `fonts/` (Bitstream Vera licence,
//! `fonts/LICENSE-DejaVu.txt`) and compiled into the binary: nothing is
//! fetched or read from the system at run time. Glyphs are rasterised with
//! `ab_glyph` (anti-aliased coverage, kerning) into an RGB buffer, encoded
//! with `png`. Characters the font lacks (e.g. emoji) are left out rather
//! than drawn as boxes; the quote shrinks to fit and is cut with an ellipsis
//! when even the smallest size would overflow.

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

/// Width of a card, in pixels (the size Open Graph and X recommend).
pub const WIDTH: u32 = 1200;
/// Height of a card, in pixels.
pub const HEIGHT: u32 = 630;

static REGULAR: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("fonts/DejaVuSans-Bold.ttf");

type Rgb = [u8; 3];
const BACKGROUND: Rgb = [0xff, 0xff, 0xff];
const INK: Rgb = [0x14, 0x16, 0x1a];
const MUTED: Rgb = [0x4b, 0x52, 0x60];
const ACCENT: Rgb = [0x1d, 0x4e, 0xd8];
const ACCENT_SOFT: Rgb = [0xe6, 0xed, 0xfd];
const LINE: Rgb = [0xc9, 0xce, 0xd6];

const LEFT: f32 = 88.0;
const RIGHT: f32 = WIDTH as f32 - 80.0;

/// What a card shows. Every field is plain text (no markup).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Card {
    /// A short label above the quote, e.g. `KEY TAKEAWAY`.
    pub eyebrow: String,
    /// The quote: the note, the question, the poll's question.
    pub quote: String,
    /// A second text under the quote (the answer), if any.
    pub secondary: Option<String>,
    /// Results to draw as bars (label, count), for a poll.
    pub bars: Vec<(String, i64)>,
    /// Who: the speaker(s), or the asker.
    pub byline: String,
    /// Where: session and event.
    pub context: String,
}

impl Card {
    /// A hash of everything drawn: cards are cached under it, so a changed
    /// text renders a new card (and a new `?v=` in the page's image URL).
    pub fn content_hash(&self) -> String {
        let mut h = Sha256::new();
        for part in [&self.eyebrow, &self.quote, &self.byline, &self.context] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.update(self.secondary.as_deref().unwrap_or("\u{1}").as_bytes());
        for (label, count) in &self.bars {
            h.update([0]);
            h.update(label.as_bytes());
            h.update(count.to_le_bytes());
        }
        hex::encode(h.finalize())
    }

    /// Draw the card and encode it as PNG.
    pub fn render(&self) -> AppResult<Vec<u8>> {
        let regular = FontRef::try_from_slice(REGULAR).map_err(AppError::internal)?;
        let bold = FontRef::try_from_slice(BOLD).map_err(AppError::internal)?;
        let mut canvas = Canvas::new();
        canvas.rect(0.0, 0.0, 18.0, HEIGHT as f32, ACCENT);
        let width = RIGHT - LEFT;
        canvas.text(&bold, 26.0, LEFT, 96.0, &self.eyebrow, ACCENT, width);

        let has_more = self.secondary.is_some() || !self.bars.is_empty();
        let quote_bottom = if has_more { 300.0 } else { 470.0 };
        let mut y = 132.0;
        let (size, lines) = fit(&bold, &self.quote, width, quote_bottom - y);
        for line in &lines {
            y += size * 1.22;
            canvas.text(&bold, size, LEFT, y, line, INK, width);
        }
        if let Some(answer) = &self.secondary {
            y += 26.0;
            let lines = wrap(&regular, 30.0, answer, width);
            let room = ((470.0 - y) / (30.0 * 1.3)).floor().max(1.0) as usize;
            for line in ellipsize(&regular, 30.0, lines, room, width) {
                y += 30.0 * 1.3;
                canvas.text(&regular, 30.0, LEFT, y, &line, MUTED, width);
            }
        }
        if !self.bars.is_empty() {
            self.draw_bars(&mut canvas, &regular, &bold, y + 24.0);
        }

        canvas.rect(LEFT, 500.0, width, 2.0, LINE);
        canvas.text(&bold, 30.0, LEFT, 550.0, &self.byline, INK, width);
        let brand = "Backchannel";
        let brand_width = measure(&regular, 22.0, brand);
        canvas.text(
            &regular,
            24.0,
            LEFT,
            592.0,
            &self.context,
            MUTED,
            width - brand_width - 32.0,
        );
        canvas.text(
            &regular,
            22.0,
            RIGHT - brand_width,
            592.0,
            brand,
            MUTED,
            brand_width + 1.0,
        );
        canvas.png()
    }

    fn draw_bars(&self, canvas: &mut Canvas, regular: &FontRef, bold: &FontRef, top: f32) {
        let total: i64 = self.bars.iter().map(|(_, n)| (*n).max(0)).sum();
        let width = RIGHT - LEFT;
        let rows = (((480.0 - top) / 44.0).floor().max(1.0) as usize).min(self.bars.len());
        for (i, (label, count)) in self.bars.iter().take(rows).enumerate() {
            let y = top + i as f32 * 44.0;
            let share = if total > 0 {
                (*count).max(0) as f32 / total as f32
            } else {
                0.0
            };
            canvas.rect(LEFT, y, width, 36.0, ACCENT_SOFT);
            canvas.rect(LEFT, y, (width * share).max(4.0), 36.0, ACCENT);
            let percent = format!("{}%", (share * 100.0).round() as i64);
            let percent_width = measure(bold, 24.0, &percent);
            // Label on a white chip so it reads over any bar length.
            let label_width = measure(regular, 24.0, label).min(width - percent_width - 60.0);
            canvas.rect(LEFT + 8.0, y + 4.0, label_width + 16.0, 28.0, BACKGROUND);
            canvas.text(
                regular,
                24.0,
                LEFT + 16.0,
                y + 27.0,
                label,
                INK,
                label_width,
            );
            canvas.rect(
                RIGHT - percent_width - 24.0,
                y + 4.0,
                percent_width + 16.0,
                28.0,
                BACKGROUND,
            );
            canvas.text(
                bold,
                24.0,
                RIGHT - percent_width - 16.0,
                y + 27.0,
                &percent,
                INK,
                percent_width + 1.0,
            );
        }
    }
}

/// The largest size (and its lines) at which `text` fits `width` × `height`;
/// at the smallest size the last line that fits ends with an ellipsis.
fn fit(font: &FontRef, text: &str, width: f32, height: f32) -> (f32, Vec<String>) {
    const SIZES: [f32; 6] = [64.0, 56.0, 50.0, 44.0, 38.0, 34.0];
    for size in SIZES {
        let lines = wrap(font, size, text, width);
        if lines.len() as f32 * size * 1.22 <= height {
            return (size, lines);
        }
    }
    let size = SIZES[SIZES.len() - 1];
    let room = (height / (size * 1.22)).floor().max(1.0) as usize;
    let lines = wrap(font, size, text, width);
    (size, ellipsize(font, size, lines, room, width))
}

/// Keep the first `room` lines; mark the cut with an ellipsis.
fn ellipsize(
    font: &FontRef,
    size: f32,
    mut lines: Vec<String>,
    room: usize,
    width: f32,
) -> Vec<String> {
    if lines.len() <= room {
        return lines;
    }
    lines.truncate(room);
    if let Some(last) = lines.last_mut() {
        let mut cut = last.trim_end().to_string();
        while !cut.is_empty() && measure(font, size, &format!("{cut}…")) > width {
            cut.pop();
        }
        *last = format!("{}…", cut.trim_end());
    }
    lines
}

/// Greedy word wrap at `width`; a word wider than a line is broken.
fn wrap(font: &FontRef, size: f32, text: &str, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if measure(font, size, &candidate) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            line.push(c);
            if measure(font, size, &line) > width {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(c);
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The glyphs of `text` the font has (others are skipped).
fn glyphs(font: &FontRef, text: &str) -> Vec<GlyphId> {
    text.chars()
        .map(|c| font.glyph_id(c))
        .filter(|id| id.0 != 0)
        .collect()
}

/// The advance width of `text` at `size`.
fn measure(font: &FontRef, size: f32, text: &str) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size));
    let ids = glyphs(font, text);
    let mut width = 0.0;
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            width += scaled.kern(ids[i - 1], *id);
        }
        width += scaled.h_advance(*id);
    }
    width
}

/// An RGB drawing surface of the card's size.
struct Canvas {
    pixels: Vec<u8>,
}

impl Canvas {
    fn new() -> Self {
        let mut pixels = Vec::with_capacity((WIDTH * HEIGHT * 3) as usize);
        for _ in 0..WIDTH * HEIGHT {
            pixels.extend_from_slice(&BACKGROUND);
        }
        Canvas { pixels }
    }

    fn blend(&mut self, x: i64, y: i64, color: Rgb, alpha: f32) {
        if x < 0 || y < 0 || x >= i64::from(WIDTH) || y >= i64::from(HEIGHT) {
            return;
        }
        let alpha = alpha.clamp(0.0, 1.0);
        let at = ((y as usize) * WIDTH as usize + x as usize) * 3;
        for (k, c) in color.iter().enumerate() {
            let old = f32::from(self.pixels[at + k]);
            self.pixels[at + k] = (old + (f32::from(*c) - old) * alpha).round() as u8;
        }
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        let (x0, y0) = (x.round() as i64, y.round() as i64);
        let (x1, y1) = ((x + w).round() as i64, (y + h).round() as i64);
        for py in y0..y1 {
            for px in x0..x1 {
                self.blend(px, py, color, 1.0);
            }
        }
    }

    /// One line of text with its baseline at `y`, clipped to `max_width`
    /// (with an ellipsis when it does not fit).
    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        font: &FontRef,
        size: f32,
        x: f32,
        y: f32,
        text: &str,
        color: Rgb,
        max_width: f32,
    ) {
        let text = if measure(font, size, text) > max_width {
            let mut cut = text.to_string();
            while !cut.is_empty() && measure(font, size, &format!("{cut}…")) > max_width {
                cut.pop();
            }
            format!("{}…", cut.trim_end())
        } else {
            text.to_string()
        };
        let scaled = font.as_scaled(PxScale::from(size));
        let mut caret = x;
        let mut previous: Option<GlyphId> = None;
        for id in glyphs(font, &text) {
            if let Some(p) = previous {
                caret += scaled.kern(p, id);
            }
            let glyph = id.with_scale_and_position(size, point(caret, y));
            caret += scaled.h_advance(id);
            previous = Some(id);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                self.blend(
                    bounds.min.x as i64 + i64::from(gx),
                    bounds.min.y as i64 + i64::from(gy),
                    color,
                    coverage,
                );
            });
        }
    }

    fn png(&self) -> AppResult<Vec<u8>> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().map_err(AppError::internal)?;
            writer
                .write_image_data(&self.pixels)
                .map_err(AppError::internal)?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Card {
        Card {
            eyebrow: "KEY TAKEAWAY".into(),
            quote:
                "Ownership is a compile-time thing, and the borrow checker is your pair programmer."
                    .into(),
            secondary: None,
            bars: vec![],
            byline: "Zoë Müller (Crab Co)".into(),
            context: "Async Rust in practice · RustConf".into(),
        }
    }

    #[test]
    fn renders_a_png_of_the_declared_size() {
        let bytes = sample().render().unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (WIDTH, HEIGHT));
    }

    #[test]
    fn long_text_is_cut_and_the_hash_follows_the_content() {
        let mut card = sample();
        card.quote = "word ".repeat(400);
        card.bars = vec![("Tabs".into(), 3), ("Spaces".into(), 9)];
        card.secondary = Some("An answer ".repeat(100));
        assert!(card.render().is_ok());
        assert_ne!(card.content_hash(), sample().content_hash());
        assert_eq!(sample().content_hash(), sample().content_hash());
    }
}
