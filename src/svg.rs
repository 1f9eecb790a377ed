//! A tiny SVG writer: one line chart per file, readable in any browser.
//!
//! The original scripts drew their graphs with matplotlib, which a lab machine
//! may not have. An SVG file is plain text, so a few dozen lines of Rust can
//! write one that every browser (and `rsvg-convert`, and Inkscape) displays:
//!
//! ```text
//!  +-------------------------------------------------------------+
//!  |                        title                                |
//!  |      +---------------------------------------------+        |
//!  |  10 -|- - - - - - - - - - - - - -o- - - - - - - - -|        |
//!  |   y  |            o------o------/  \               |        |
//!  |label |     o-----/                  \-----o        |        |
//!  |   0 -+------x------+------+------+------+----------+        |
//!  |      1      2      3      4      5      6                   |
//!  |                       x label                               |
//!  +-------------------------------------------------------------+
//! ```
//!
//! * a fixed size ([`WIDTH`] x [`HEIGHT`]) with a `viewBox`, so the chart scales
//!   cleanly when the window is resized;
//! * axes with "nice" ticks: steps of 1, 2 or 5 times a power of ten
//!   ([`nice_ticks`]), so the labels read 0, 0.5, 1, 1.5 rather than 0, 0.37, 0.74;
//! * one data series drawn as a `<polyline>` with a small circle on each point;
//! * *missing* points (a ping message that was lost, a second with no reply)
//!   drawn as red crosses on the x axis, with a legend, instead of being silently
//!   left out or drawn as zero;
//! * every piece of text escaped for XML ([`escape`]), so a title such as
//!   `RTT <loopback> & co` cannot break the file.
//!
//! ```
//! use socket_labs::svg::Chart;
//!
//! let mut chart = Chart::new("RTT per message", "message", "RTT (ms)").whole_numbers_on_x();
//! chart.point(1.0, 0.21);
//! chart.missing(2.0); // lost
//! chart.point(3.0, 0.19);
//! let svg = chart.render();
//! assert!(svg.starts_with("<?xml"));
//! assert!(svg.ends_with("</svg>\n"));
//! ```
//!
//! The tests (`tests/svg.rs`) run every kind of chart through a small
//! structural XML check (balanced tags, quoted attributes, known entities), so
//! a written chart is a file a viewer will accept.

use crate::error::{Error, Result};
use crate::files::PartFile;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// Width of every chart, in SVG user units (pixels at 100% zoom).
pub const WIDTH: f64 = 800.0;
/// Height of every chart, in SVG user units.
pub const HEIGHT: f64 = 480.0;

// The plot area inside the chart: room on the left for the y labels, at the
// top for the title, 30 units on the right and 70 at the bottom for the x
// labels and the axis title.
const LEFT: f64 = 90.0;
const TOP: f64 = 60.0;
const PLOT_WIDTH: f64 = WIDTH - LEFT - 30.0;
const PLOT_HEIGHT: f64 = HEIGHT - TOP - 70.0;

/// Above this many points the circles would merge into a thick line; only the
/// polyline is drawn then.
const MAX_MARKERS: usize = 120;

/// How the data line is drawn.
const LINE_STYLE: &str =
    "fill=\"none\" stroke=\"#1f6fb4\" stroke-width=\"2\" stroke-linejoin=\"round\"";

/// One line chart: a title, two axis labels and a series of points, some of
/// which may be missing. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Chart {
    title: String,
    x_label: String,
    y_label: String,
    missing_label: String,
    whole_x: bool,
    points: Vec<(f64, Option<f64>)>,
}

impl Chart {
    /// An empty chart with a title and the labels of the two axes.
    pub fn new(title: &str, x_label: &str, y_label: &str) -> Chart {
        Chart {
            title: title.to_string(),
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            missing_label: "missing".to_string(),
            whole_x: false,
            points: Vec::new(),
        }
    }

    /// Keeps the x ticks on whole numbers (message numbers, seconds): no `2.5`.
    pub fn whole_numbers_on_x(mut self) -> Chart {
        self.whole_x = true;
        self
    }

    /// The legend text for missing points (default `missing`; ping says `lost`).
    pub fn missing_label(mut self, label: &str) -> Chart {
        self.missing_label = label.to_string();
        self
    }

    /// Adds a point. A `y` that is not a finite number counts as missing.
    pub fn point(&mut self, x: f64, y: f64) {
        self.points.push((x, Some(y).filter(|y| y.is_finite())));
    }

    /// Adds a missing point at `x`: a red cross on the x axis.
    pub fn missing(&mut self, x: f64) {
        self.points.push((x, None));
    }

    /// Writes the chart to `path`, through a temporary file in the same
    /// folder renamed into place, so a reader never sees half a file.
    ///
    /// # Errors
    ///
    /// `cannot create ...` when the folder is missing or not writable.
    pub fn write(&self, path: &Path) -> Result<()> {
        self.save(PartFile::create(path)?, path)
    }

    /// Like [`write`](Self::write), into a temporary file made earlier (a
    /// client makes it before a long run, so a bad folder fails first).
    ///
    /// # Errors
    ///
    /// `cannot write ...` or `cannot rename ...`.
    pub fn save(&self, mut part: PartFile, path: &Path) -> Result<()> {
        let what = format!("cannot write {}", part.path().display());
        part.write_all(self.render().as_bytes()).map_err(|e| Error::io(what, &e))?;
        part.commit(path)
    }

    /// The whole SVG document as a string: the title, the axes, the data.
    pub fn render(&self) -> String {
        let xs: Vec<f64> = self.points.iter().map(|p| p.0).filter(|x| x.is_finite()).collect();
        let ys: Vec<f64> = self.points.iter().filter_map(|p| p.1).collect();

        let (x_lo, x_hi) = x_range(&xs, self.whole_x);
        let mut all_x_ticks = nice_ticks(x_lo, x_hi, 8);
        if self.whole_x && tick_step(&all_x_ticks) < 1.0 {
            all_x_ticks = ticks_with_step(x_lo, x_hi, 1.0);
        }
        // The x axis runs a little past the first and last point, so no marker
        // sits on the frame; only the ticks inside the data's range are drawn.
        let pad = (x_hi - x_lo) * 0.03;
        let slack = (x_hi - x_lo) * 1e-9;
        let inside = |t: &&f64| **t >= x_lo - slack && **t <= x_hi + slack;
        let mut x_ticks: Vec<f64> = all_x_ticks.iter().filter(inside).copied().collect();
        if x_ticks.is_empty() {
            x_ticks = all_x_ticks.clone();
        }
        let (y_lo, y_hi) = y_range(&ys);
        let y_ticks = nice_ticks(y_lo, y_hi, 5);
        // Data coordinates to SVG coordinates (SVG's y grows downwards).
        let x_min = (x_lo - pad).min(x_ticks[0]);
        let x_max = (x_hi + pad).max(x_ticks[x_ticks.len() - 1]);
        let (y_min, y_max) = (y_ticks[0], y_ticks[y_ticks.len() - 1]);
        let px = |x: f64| LEFT + (x - x_min) / (x_max - x_min) * PLOT_WIDTH;
        let py = |y: f64| TOP + PLOT_HEIGHT - (y - y_min) / (y_max - y_min) * PLOT_HEIGHT;

        let mut svg = String::with_capacity(4096 + 64 * self.points.len());
        let _ = write!(
            svg,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" \
             width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
             font-family=\"sans-serif\" font-size=\"13\">\n\
             <rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"white\"/>\n"
        );
        // A long title (an IPv6 address in it, say) gets a smaller font to fit.
        let size = if self.title.chars().count() > 60 { 15 } else { 18 };
        let bold = format!(" text-anchor=\"middle\" font-size=\"{size}\" font-weight=\"bold\"");
        text(&mut svg, WIDTH / 2.0, 32.0, &bold, &self.title);

        // The axes: grid lines, the frame, tick labels and the two axis titles.
        let (right, bottom) = (LEFT + PLOT_WIDTH, TOP + PLOT_HEIGHT);
        svg.push_str("<g stroke=\"#dddddd\" stroke-width=\"1\">\n");
        for y in y_ticks.iter().map(|&y| py(y)) {
            line(&mut svg, LEFT, y, right, y);
        }
        for x in x_ticks.iter().map(|&x| px(x)) {
            line(&mut svg, x, TOP, x, bottom);
        }
        let (w, h) = (PLOT_WIDTH, PLOT_HEIGHT);
        let frame = "fill=\"none\" stroke=\"#333333\"";
        svg.push_str("</g>\n");
        let _ = writeln!(
            svg,
            "<rect x=\"{LEFT:.1}\" y=\"{TOP:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" {frame}/>"
        );
        let (x_decimals, y_decimals) =
            (decimals(tick_step(&all_x_ticks)), decimals(tick_step(&y_ticks)));
        svg.push_str("<g text-anchor=\"end\">\n");
        for &y in &y_ticks {
            text(&mut svg, LEFT - 8.0, py(y) + 4.0, "", &format_tick(y, y_decimals));
        }
        svg.push_str("</g>\n<g text-anchor=\"middle\">\n");
        for &x in &x_ticks {
            text(&mut svg, px(x), bottom + 20.0, "", &format_tick(x, x_decimals));
        }
        svg.push_str("</g>\n");
        let title = " text-anchor=\"middle\" font-size=\"14\"";
        text(&mut svg, LEFT + PLOT_WIDTH / 2.0, HEIGHT - 18.0, title, &self.x_label);
        let (lx, ly) = (24.0, TOP + PLOT_HEIGHT / 2.0);
        let rotated = format!("{title} transform=\"rotate(-90 {lx:.1} {ly:.1})\"");
        text(&mut svg, lx, ly, &rotated, &self.y_label);

        // The data: polylines through the present points (broken where a point
        // is missing, so a gap never looks like a measurement), circles on the
        // points, red crosses for the missing ones.
        let runs: Vec<Vec<(f64, f64)>> = (self.points)
            .split(|&(x, y)| y.is_none() || !x.is_finite())
            .map(|run| run.iter().filter_map(|&(x, y)| Some((px(x), py(y?)))).collect())
            .collect();
        for run in runs.iter().filter(|r| r.len() > 1) {
            let points: Vec<String> = run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            let _ = writeln!(svg, "<polyline {LINE_STYLE} points=\"{}\"/>", points.join(" "));
        }
        if ys.len() <= MAX_MARKERS {
            svg.push_str("<g fill=\"#1f6fb4\">\n");
            for (x, y) in runs.iter().flatten() {
                let _ = writeln!(svg, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\"/>");
            }
            svg.push_str("</g>\n");
        }
        let missing = self.points.iter().filter(|p| p.1.is_none() && p.0.is_finite());
        let missing: Vec<f64> = missing.map(|p| px(p.0)).collect();
        if !missing.is_empty() {
            svg.push_str("<g stroke=\"#d62728\" stroke-width=\"2.5\" stroke-linecap=\"round\">\n");
            for &x in &missing {
                cross(&mut svg, x, bottom);
            }
            // Legend above the top right corner of the plot area: the cross at
            // the corner, the text ending just left of it (its width is unknown
            // here, so it is anchored at its end).
            let (lx, ly) = (right - 6.0, TOP - 12.0);
            cross(&mut svg, lx, ly - 4.0);
            svg.push_str("</g>\n");
            let legend = format!("{} ({})", self.missing_label, missing.len());
            text(&mut svg, lx - 12.0, ly, " text-anchor=\"end\"", &legend);
        }
        if ys.is_empty() {
            let grey = " text-anchor=\"middle\" fill=\"#666666\"";
            text(&mut svg, LEFT + PLOT_WIDTH / 2.0, TOP + PLOT_HEIGHT / 2.0, grey, "no data");
        }
        svg.push_str("</svg>\n");
        svg
    }
}

/// A `<text>` element at (x, y) with more `attributes`; the content is escaped.
fn text(svg: &mut String, x: f64, y: f64, attributes: &str, content: &str) {
    let _ = writeln!(svg, "<text x=\"{x:.1}\" y=\"{y:.1}\"{attributes}>{}</text>", escape(content));
}

fn line(svg: &mut String, x1: f64, y1: f64, x2: f64, y2: f64) {
    let _ = writeln!(svg, "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\"/>");
}

/// A red cross, ten units wide, centred on (x, y).
fn cross(svg: &mut String, x: f64, y: f64) {
    line(svg, x - 5.0, y - 5.0, x + 5.0, y + 5.0);
    line(svg, x - 5.0, y + 5.0, x + 5.0, y - 5.0);
}

/// The smallest and the largest value, or `None` when there is no finite one.
fn bounds(values: &[f64]) -> Option<(f64, f64)> {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((lo, hi)).filter(|_| lo.is_finite() && hi.is_finite())
}

/// The x range to show: the data's, widened when it is a single value.
fn x_range(xs: &[f64], whole: bool) -> (f64, f64) {
    let (lo, hi) = bounds(xs).unwrap_or((0.0, 1.0));
    let pad = if lo < hi {
        0.0
    } else if whole {
        1.0
    } else {
        widen(lo)
    };
    (lo - pad, hi + pad)
}

/// The y range to show. It starts at zero when every value is positive: RTT,
/// delay and throughput are amounts, and an axis cut at 0.19 would make a
/// difference of 1% look like a factor of ten.
fn y_range(ys: &[f64]) -> (f64, f64) {
    let (lo, hi) = bounds(ys).map_or((0.0, 0.0), |(lo, hi)| (lo.min(0.0), hi.max(0.0)));
    if lo == hi {
        return (0.0, 1.0); // no data, or all zero
    }
    // A little headroom, so the highest point does not sit on the frame.
    let room = (hi - lo) * 0.04;
    (if lo < 0.0 { lo - room } else { lo }, hi + room)
}

/// Half of `v`'s size each side of it (1 for zero), to widen an empty range.
fn widen(v: f64) -> f64 {
    Some(v.abs() / 2.0).filter(|w| *w > 0.0).unwrap_or(1.0)
}

/// "Nice" tick values covering `lo..=hi`, about `target` intervals apart.
///
/// The step is 1, 2 or 5 times a power of ten, the first and last ticks are
/// multiples of the step at or beyond the ends of the range:
///
/// ```
/// use socket_labs::svg::nice_ticks;
/// assert_eq!(nice_ticks(0.0, 1.0, 5), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
/// assert_eq!(nice_ticks(3.0, 97.0, 5), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
/// assert_eq!(nice_ticks(1.0, 6.0, 8), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// ```
///
/// A range that is empty, reversed or not finite gives `[0, 1]`-like ticks
/// around it rather than a panic or an endless loop.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let (lo, hi) =
        if lo.is_finite() && hi.is_finite() { (lo.min(hi), lo.max(hi)) } else { (0.0, 1.0) };
    let (lo, hi) = if lo == hi { (lo - widen(lo), hi + widen(hi)) } else { (lo, hi) };
    let step = nice_step((hi - lo) / target.max(1) as f64);
    ticks_with_step(lo, hi, step)
}

/// Ticks `k * step` from the last one at or below `lo` to the first at or above `hi`.
fn ticks_with_step(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    // Work in whole multiples of the step so rounding errors cannot add up
    // (a tiny tolerance keeps 0.6000000000000001 / 0.2 from becoming 4 steps).
    let first = (lo / step + 1e-9).floor() as i64;
    let last = ((hi / step - 1e-9).ceil() as i64).max(first + 1);
    // For steps below 1, divide by the whole number 1/step instead of
    // multiplying by the step: 3.0 / 5.0 is exactly the double nearest 0.6,
    // while 3.0 * 0.2 is 0.6000000000000001.
    if step < 1.0 {
        let per_unit = (1.0 / step).round();
        (first..=last).map(|k| k as f64 / per_unit).collect()
    } else {
        (first..=last).map(|k| k as f64 * step).collect()
    }
}

/// The smallest of 1, 2, 5, 10 times a power of ten that is at least `rough`.
fn nice_step(rough: f64) -> f64 {
    if !rough.is_finite() || rough <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(rough.log10().floor());
    let fraction = rough / power;
    [1.0, 2.0, 5.0].into_iter().find(|n| fraction <= n + 1e-9).unwrap_or(10.0) * power
}

fn tick_step(ticks: &[f64]) -> f64 {
    ticks.get(1).map_or(1.0, |second| second - ticks[0])
}

/// How many decimals a tick label needs for this step (0.2 -> 1, 5 -> 0).
/// Steps are 1, 2 or 5 times a power of ten, so the power's decimals suffice.
fn decimals(step: f64) -> usize {
    if !step.is_finite() || step <= 0.0 || step >= 1.0 {
        return 0;
    }
    (-step.log10() - 1e-9).ceil().max(0.0) as usize
}

fn format_tick(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let unsigned = text.trim_start_matches('-');
    // "-0" and "-0.0" are zero.
    if unsigned.chars().all(|c| c == '0' || c == '.') {
        unsigned.to_string()
    } else {
        text
    }
}

/// Escapes the five characters that have a meaning in XML text and attributes.
///
/// ```
/// assert_eq!(socket_labs::svg::escape(r#"a<b & "c" 'd'>"#), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newline are not allowed in XML 1.0.
            c if c.is_control() && c != '\t' && c != '\n' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9)
    }

    #[test]
    fn nice_steps_are_1_2_5() {
        let cases = [(0.7, 1.0), (1.0, 1.0), (1.3, 2.0), (3.0, 5.0), (7.0, 10.0), (420.0, 500.0)];
        for (rough, step) in cases.into_iter().chain([(0.0, 1.0), (f64::NAN, 1.0)]) {
            assert_eq!(nice_step(rough), step, "{rough}");
        }
        assert!((nice_step(0.013) - 0.02).abs() < 1e-12);
    }

    #[test]
    fn ticks_cover_the_range_with_round_values() {
        let t = nice_ticks(0.013, 0.087, 5);
        assert!(close(&t, &[0.0, 0.02, 0.04, 0.06, 0.08, 0.1]), "{t:?}");
        let t = nice_ticks(-3.0, 7.0, 5);
        assert!(close(&t, &[-4.0, -2.0, 0.0, 2.0, 4.0, 6.0, 8.0]), "{t:?}");
        let t = nice_ticks(1000.0, 180_000.0, 5);
        assert_eq!(t[0], 0.0);
        assert_eq!(*t.last().unwrap(), 200_000.0);
        // Exact ends stay ends.
        assert!(close(&nice_ticks(0.0, 10.0, 5), &[0.0, 2.0, 4.0, 6.0, 8.0, 10.0]));
    }

    #[test]
    fn degenerate_ranges_still_give_two_or_more_ticks() {
        for (lo, hi) in [(5.0, 5.0), (0.0, 0.0), (f64::NAN, 1.0), (3.0, 1.0), (-2.0, -2.0)] {
            let t = nice_ticks(lo, hi, 5);
            assert!(t.len() >= 2, "{lo}..{hi}: {t:?}");
            assert!(t.windows(2).all(|w| w[0] < w[1]), "{t:?}");
        }
    }

    #[test]
    fn labels_have_just_enough_decimals() {
        for (step, digits) in [(5.0, 0), (0.2, 1), (0.05, 2), (0.001, 3)] {
            assert_eq!(decimals(step), digits, "{step}");
        }
        assert_eq!(format_tick(0.6000000000000001, 1), "0.6");
        assert_eq!(format_tick(-0.0, 1), "0.0");
        assert_eq!(format_tick(-4.0, 0), "-4");
    }

    #[test]
    fn escape_handles_markup_and_controls() {
        assert_eq!(escape("RTT <1 ms> & \"x\""), "RTT &lt;1 ms&gt; &amp; &quot;x&quot;");
        assert_eq!(escape("a\u{1b}b"), "a\u{fffd}b");
        assert_eq!(escape("wörld"), "wörld");
    }

    #[test]
    fn whole_x_axis_has_no_fractional_ticks() {
        let mut c = Chart::new("t", "second", "y").whole_numbers_on_x();
        c.point(1.0, 10.0);
        c.point(2.0, 20.0);
        let svg = c.render();
        assert!(!svg.contains(">1.5<"), "{svg}");
    }

    #[test]
    fn document_has_size_and_viewbox() {
        let svg = Chart::new("t", "x", "y").render();
        assert!(svg.contains("width=\"800\" height=\"480\" viewBox=\"0 0 800 480\""));
        assert!(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>\n"));
    }
}
