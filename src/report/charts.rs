//! SVG charts drawn with plotters: lines with 95% bands, points with error
//! bars, weekly series and a map of flows.
//!
//! Colours are the Okabe–Ito palette (distinguishable with the common
//! colour-vision deficiencies), and every series also differs in dash
//! pattern and marker, so charts survive greyscale printing.

use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::model::run::Map;

/// The Okabe–Ito palette without yellow (too pale on white), then black.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
];

/// Width and height of every chart, pixels (readable at a laptop's width).
pub const SIZE: (u32, u32) = (900, 420);

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Dash length and gap of series `i` (0: solid).
fn dash(i: usize) -> Option<(u32, u32)> {
    match (i / PALETTE.len() + i) % 3 {
        0 => None,
        1 => Some((8, 4)),
        _ => Some((3, 3)),
    }
}

/// The charts' coordinates: f64 on both axes.
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A drawing area of an SVG chart.
type Area<'b> = DrawingArea<SVGBackend<'b>, plotters::coord::Shift>;

/// Width of the legend panel beside a chart's plotting area, pixels: legends
/// never sit on the data.
pub const LEGEND_WIDTH: u32 = 230;

/// A marker shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// A filled circle.
    Dot,
    /// A filled triangle.
    Triangle,
    /// A cross.
    Cross,
    /// A hollow circle.
    Ring,
    /// A filled square.
    Square,
}

/// How a series is drawn, so that its legend swatch can be drawn the same way.
#[derive(Debug, Clone, Copy)]
pub struct Look {
    /// Colour.
    pub colour: RGBColor,
    /// Line width (0: no line).
    pub width: u32,
    /// Dash length and gap (`None`: solid).
    pub dash: Option<(u32, u32)>,
    /// Marker, if the series has one.
    pub marker: Option<Marker>,
    /// A pale patch behind the swatch (a shaded band).
    pub patch: bool,
}

impl Look {
    /// Series `i` of a chart: colour, dash pattern and marker all differ.
    fn series(i: usize) -> Look {
        let marker = [Marker::Dot, Marker::Triangle, Marker::Cross, Marker::Ring][i % 4];
        Look { colour: colour(i), width: 2, dash: dash(i), marker: Some(marker), patch: false }
    }
}

fn draw_marker<'b>(area: &Area<'b>, (x, y): (i32, i32), look: &Look) -> Result<(), String> {
    let c = look.colour;
    let r = match look.marker {
        None => return Ok(()),
        Some(Marker::Dot) => area.draw(&Circle::new((x, y), 4, c.filled())),
        Some(Marker::Triangle) => area.draw(&TriangleMarker::new((x, y), 5, c.filled())),
        Some(Marker::Cross) => area.draw(&Cross::new((x, y), 4, c.stroke_width(2))),
        Some(Marker::Ring) => area.draw(&Circle::new((x, y), 4, c.stroke_width(2))),
        Some(Marker::Square) => area.draw(&Rectangle::new([(x - 4, y - 4), (x + 4, y + 4)], c.filled())),
    };
    r.map_err(|e| e.to_string())
}

/// Draws a series' points as its marker.
fn draw_markers(chart: &mut Chart<'_, '_>, points: &[(f64, f64)], look: &Look) -> Result<(), String> {
    let c = look.colour;
    let r = match look.marker {
        None => return Ok(()),
        Some(Marker::Dot) => chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, c.filled()))).map(|_| ()),
        Some(Marker::Triangle) => {
            chart.draw_series(points.iter().map(|&p| TriangleMarker::new(p, 5, c.filled()))).map(|_| ())
        }
        Some(Marker::Cross) => {
            chart.draw_series(points.iter().map(|&p| Cross::new(p, 4, c.stroke_width(2)))).map(|_| ())
        }
        Some(Marker::Ring) => {
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, c.stroke_width(2)))).map(|_| ())
        }
        Some(Marker::Square) => chart
            .draw_series(points.iter().map(|&p| EmptyElement::at(p) + Rectangle::new([(-4, -4), (4, 4)], c.filled())))
            .map(|_| ()),
    };
    r.map_err(|e| e.to_string())
}

/// Draws a series' line in its dash pattern.
fn draw_line(chart: &mut Chart<'_, '_>, points: Vec<(f64, f64)>, look: &Look) -> Result<(), String> {
    if look.width == 0 {
        return Ok(());
    }
    let style = look.colour.stroke_width(look.width);
    let r = match look.dash {
        None => chart.draw_series(LineSeries::new(points, style)).map(|_| ()),
        Some((size, gap)) => chart.draw_series(DashedLineSeries::new(points, size, gap, style)).map(|_| ()),
    };
    r.map_err(|e| e.to_string())
}

/// The legend in its own panel beside the plot: a swatch drawn exactly as
/// the series is (line, dash pattern, marker, band), then its name; long
/// names are cut with an ellipsis.
fn side_legend(area: &Area<'_>, heading: Option<&str>, entries: &[(String, Look)]) -> Result<(), String> {
    let mut y = 44;
    if let Some(h) = heading {
        area.draw(&Text::new(h.to_owned(), (6, y - 7), ("sans-serif", 12).into_font().style(FontStyle::Bold)))
            .map_err(|e| e.to_string())?;
        y += 20;
    }
    for (name, look) in entries {
        if look.patch {
            area.draw(&Rectangle::new([(4, y - 7), (36, y + 7)], look.colour.mix(0.15).filled()))
                .map_err(|e| e.to_string())?;
        }
        if look.width > 0 {
            let style = look.colour.stroke_width(look.width);
            let r = match look.dash {
                None => area.draw(&PathElement::new(vec![(6, y), (34, y)], style)),
                Some((size, gap)) => area.draw(&DashedPathElement::new(vec![(6, y), (34, y)], size, gap, style)),
            };
            r.map_err(|e| e.to_string())?;
        }
        draw_marker(area, (20, y), look)?;
        // About 6 pixels a character at this size.
        let room = ((LEGEND_WIDTH - 48) / 6) as usize;
        let label = if name.chars().count() > room {
            format!("{}…", name.chars().take(room - 1).collect::<String>())
        } else {
            name.clone()
        };
        area.draw(&Text::new(label, (42, y - 7), ("sans-serif", 12))).map_err(|e| e.to_string())?;
        y += 20;
    }
    Ok(())
}

/// What a chart's value axis shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// Fitted to the values.
    Fitted,
    /// A share in percent: 0 to 100.
    Percent,
    /// A count: whole-number ticks.
    Count,
}

impl Axis {
    /// The axis range for values spanning `(lo, hi)` (already padded).
    fn range(self, (lo, hi): (f64, f64)) -> (f64, f64) {
        match self {
            Axis::Fitted => (lo, hi),
            Axis::Percent => (lo.min(0.0), hi.max(100.0)),
            Axis::Count => {
                let (lo, hi) = (lo.floor(), hi.ceil());
                (lo, if hi > lo { hi } else { lo + 1.0 })
            }
        }
    }
}

/// Draws the mesh with axis labels; a count axis gets whole-number ticks.
fn mesh(
    chart: &mut Chart<'_, '_>,
    x_label: &str,
    y_label: &str,
    y: Axis,
    ys: (f64, f64),
    whole_x: bool,
) -> Result<(), String> {
    let mut m = chart.configure_mesh();
    m.x_desc(x_label)
        .y_desc(y_label)
        .axis_desc_style(("sans-serif", 15))
        .label_style(("sans-serif", 13))
        .light_line_style(RGBColor(235, 235, 235));
    let whole = |v: &f64| format!("{v:.0}");
    if y == Axis::Count {
        let span = (ys.1 - ys.0).round() as usize;
        // At most about ten ticks, each on a whole number.
        m.y_labels(if span <= 10 { span + 1 } else { 10 }).y_label_formatter(&whole);
    }
    if whole_x {
        m.x_label_formatter(&whole);
    }
    m.draw().map_err(|e| e.to_string())
}

/// A series of points with a 95% band: (x, mean, lower, upper).
#[derive(Debug, Clone)]
pub struct Band {
    /// Legend name.
    pub name: String,
    /// Points, sorted by x.
    pub points: Vec<(f64, f64, f64, f64)>,
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) =
        values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo { (hi - lo) * 0.08 } else { lo.abs().max(1.0) * 0.1 };
    (lo - pad, hi + pad)
}

/// Lines of means with shaded 95% bands (or error bars when `bars`), an
/// optional zero line, axis labels and a legend beside the plot.
pub fn bands(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Band],
    zero: bool,
    bars: bool,
    axis: Axis,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let body = root.titled(title, ("sans-serif", 18)).map_err(|e| e.to_string())?;
        let (plot, legend_area) = body.split_horizontally(SIZE.0 - LEGEND_WIDTH);
        let xs = range(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
        let ys = axis.range(range(
            series.iter().flat_map(|s| s.points.iter().flat_map(|p| [p.1, p.2, p.3])).chain(zero.then_some(0.0)),
        ));
        let mut chart = cartesian(&plot, xs, ys)?;
        mesh(&mut chart, x_label, y_label, axis, ys, false)?;
        if zero {
            chart
                .draw_series(LineSeries::new([(xs.0, 0.0), (xs.1, 0.0)], BLACK.stroke_width(1)))
                .map_err(|e| e.to_string())?;
        }
        let mut entries = Vec::new();
        for (i, s) in series.iter().enumerate() {
            let mut look = Look::series(i);
            let c = look.colour;
            if bars {
                look.width = 0;
                for &(x, _, lo, hi) in &s.points {
                    chart
                        .draw_series(LineSeries::new([(x, lo), (x, hi)], c.stroke_width(1)))
                        .map_err(|e| e.to_string())?;
                }
            } else if s.points.len() > 1 {
                look.patch = true;
                let mut outline: Vec<(f64, f64)> = s.points.iter().map(|p| (p.0, p.3)).collect();
                outline.extend(s.points.iter().rev().map(|p| (p.0, p.2)));
                chart.draw_series(std::iter::once(Polygon::new(outline, c.mix(0.15)))).map_err(|e| e.to_string())?;
            }
            let line: Vec<(f64, f64)> = s.points.iter().map(|p| (p.0, p.1)).collect();
            draw_line(&mut chart, line.clone(), &look)?;
            draw_markers(&mut chart, &line, &look)?;
            entries.push((s.name.clone(), look));
        }
        side_legend(&legend_area, None, &entries)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// One weekly line.
#[derive(Debug, Clone)]
pub struct Weekly {
    /// Legend name.
    pub name: String,
    /// (week, value), in week order.
    pub points: Vec<(f64, f64)>,
    /// Drawn in colour and named in the legend; the others are drawn thin and grey.
    pub highlighted: bool,
}

/// A moment marked on weekly charts: a dashed vertical line with a label.
#[derive(Debug, Clone)]
pub struct Mark {
    /// The week.
    pub week: f64,
    /// What happened (`warm-up ends`, `regime → collaboration`).
    pub label: String,
}

/// Weekly lines: the highlighted ones in colour and named in the legend,
/// the rest thin and grey; a dashed vertical line at each mark.
pub fn weekly(title: &str, y_label: &str, series: &[Weekly], marks: &[Mark], axis: Axis) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let xs = range(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
        let ys = axis.range(range(series.iter().flat_map(|s| s.points.iter().map(|p| p.1))));
        let body = root.titled(title, ("sans-serif", 18)).map_err(|e| e.to_string())?;
        let (plot, legend_area) = body.split_horizontally(SIZE.0 - LEGEND_WIDTH);
        let mut chart = cartesian(&plot, xs, ys)?;
        mesh(&mut chart, "week (0 = start of the warm-up)", y_label, axis, ys, true)?;
        let grey = Look { colour: RGBColor(190, 190, 190), width: 1, dash: None, marker: None, patch: false };
        for s in series.iter().filter(|s| !s.highlighted) {
            draw_line(&mut chart, s.points.clone(), &grey)?;
        }
        let mut entries = Vec::new();
        for (i, s) in series.iter().filter(|s| s.highlighted).enumerate() {
            let look = Look { marker: None, ..Look::series(i) };
            draw_line(&mut chart, s.points.clone(), &look)?;
            entries.push((s.name.clone(), look));
        }
        let others = series.iter().filter(|s| !s.highlighted).count();
        if others > 0 {
            entries.push((format!("{others} other{}", if others == 1 { "" } else { "s" }), grey));
        }
        let mark_style = RGBColor(90, 90, 90);
        for m in marks {
            chart
                .draw_series(DashedLineSeries::new([(m.week, ys.0), (m.week, ys.1)], 6, 4, mark_style.stroke_width(1)))
                .map_err(|e| e.to_string())?;
        }
        side_legend(&legend_area, None, &entries)?;
        // The marks' labels, listed under the legend: the week, then what happened.
        let top = 44 + 20 * entries.len() as i32 + 16;
        for (k, m) in marks.iter().enumerate() {
            let y = top + 34 * k as i32;
            let style = mark_style.stroke_width(1);
            legend_area
                .draw(&DashedPathElement::new(vec![(20, y - 7), (20, y + 21)], 4, 3, style))
                .map_err(|e| e.to_string())?;
            let week = format!("week {}", m.week);
            legend_area.draw(&Text::new(week, (42, y - 7), ("sans-serif", 12))).map_err(|e| e.to_string())?;
            let label: String = m.label.chars().take(((LEGEND_WIDTH - 48) / 6) as usize).collect();
            legend_area.draw(&Text::new(label, (42, y + 8), ("sans-serif", 12))).map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Localities (circles by population), providers (squares) and flows
/// (lines as wide as the share of patients), at their coordinates.
pub fn map(title: &str, m: &Map) -> Result<String, String> {
    let mut svg = String::new();
    {
        let size = (SIZE.0, 620);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let body = root.titled(title, ("sans-serif", 18)).map_err(|e| e.to_string())?;
        let (plot, legend_area) = body.split_horizontally(size.0 - LEGEND_WIDTH);
        let xs = range(m.localities.iter().map(|l| l.x).chain(m.providers.iter().map(|p| p.x)));
        let ys = range(m.localities.iter().map(|l| l.y).chain(m.providers.iter().map(|p| p.y)));
        // Equal km per pixel on both axes (the plotting area is the panel
        // less margins and label areas: about 586 × 520 pixels).
        let (width, height) = (f64::from(size.0 - LEGEND_WIDTH - 84), 520.0);
        let per_pixel = ((xs.1 - xs.0) / width).max((ys.1 - ys.0) / height);
        let widen = |(lo, hi): (f64, f64), pixels: f64| {
            let (mid, half) = ((lo + hi) / 2.0, per_pixel * pixels / 2.0);
            (mid - half, mid + half)
        };
        let (xs, ys) = (widen(xs, width), widen(ys, height));
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(xs.0..xs.1, ys.0..ys.1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("east (km)")
            .y_desc("north (km)")
            .axis_desc_style(("sans-serif", 15))
            .label_style(("sans-serif", 13))
            .light_line_style(RGBColor(240, 240, 240))
            .draw()
            .map_err(|e| e.to_string())?;
        let most = m.flows.iter().map(|f| f.patients).max().unwrap_or(1).max(1) as f64;
        let find_l = |id: &str| m.localities.iter().find(|l| l.id == id);
        let find_p = |id: &str| m.providers.iter().find(|p| p.id == id);
        for f in &m.flows {
            if let (Some(l), Some(p)) = (find_l(&f.locality), find_p(&f.provider)) {
                let width = (8.0 * f.patients as f64 / most).ceil().max(1.0) as u32;
                chart
                    .draw_series(LineSeries::new([(l.x, l.y), (p.x, p.y)], colour(0).mix(0.35).stroke_width(width)))
                    .map_err(|e| e.to_string())?;
            }
        }
        let biggest = m.localities.iter().map(|l| l.population).fold(1.0, f64::max);
        chart
            .draw_series(m.localities.iter().map(|l| {
                let r = (3.0 + 9.0 * (l.population / biggest).sqrt()) as i32;
                Circle::new((l.x, l.y), r, colour(4).mix(0.8).filled())
            }))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(
                m.providers
                    .iter()
                    .map(|p| EmptyElement::at((p.x, p.y)) + Rectangle::new([(-6, -6), (6, 6)], colour(1).filled())),
            )
            .map_err(|e| e.to_string())?;
        // Each provider named beside its square.
        chart
            .draw_series(m.providers.iter().map(|p| {
                EmptyElement::at((p.x, p.y)) + Text::new(p.id.clone(), (9, -16), ("sans-serif", 12).into_font())
            }))
            .map_err(|e| e.to_string())?;
        let flow = Look { colour: RGBColor(128, 185, 217), width: 4, dash: None, marker: None, patch: false };
        let locality = Look { colour: colour(4), width: 0, dash: None, marker: Some(Marker::Dot), patch: false };
        let provider = Look { colour: colour(1), width: 0, dash: None, marker: Some(Marker::Square), patch: false };
        side_legend(
            &legend_area,
            None,
            &[
                ("locality (area ∝ residents)".into(), locality),
                ("provider (named)".into(), provider),
                ("patients (width ∝ flow)".into(), flow),
            ],
        )?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Which site offers what: one small map per service (localities as grey
/// dots), each place offering it a filled square at the complex level, a
/// ring at the routine level and a ring of another colour at the basic
/// level (its own level, where a site has one below its provider's), named
/// by its id; equal km per pixel, the same
/// in every panel, and no axes (the flows map beside it has them).
pub fn service_map(title: &str, m: &Map) -> Result<String, String> {
    let services: Vec<&String> =
        m.sites.iter().flat_map(|s| s.services.keys()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let mut svg = String::new();
    {
        let columns = services.len().clamp(1, 3);
        let rows = services.len().div_ceil(columns).max(1);
        let panel = ((SIZE.0 - LEGEND_WIDTH) / columns as u32, 300);
        let size = (SIZE.0, 40 + panel.1 * rows as u32);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let titled = root.titled(title, ("sans-serif", 18)).map_err(|e| e.to_string())?;
        let (body, legend_area) = titled.split_horizontally(size.0 - LEGEND_WIDTH);
        let xs = range(m.localities.iter().map(|l| l.x).chain(m.sites.iter().map(|s| s.x)));
        let ys = range(m.localities.iter().map(|l| l.y).chain(m.sites.iter().map(|s| s.y)));
        // Equal km per pixel in a panel of about (panel − 20) × (panel − 50) pixels.
        let (width, height) = (f64::from(panel.0 - 20), f64::from(panel.1 - 50));
        let per_pixel = ((xs.1 - xs.0) / width).max((ys.1 - ys.0) / height);
        let widen = |(lo, hi): (f64, f64), pixels: f64| {
            let (mid, half) = ((lo + hi) / 2.0, per_pixel * pixels / 2.0);
            (mid - half, mid + half)
        };
        let (xs, ys) = (widen(xs, width), widen(ys, height));
        for (area, service) in body.split_evenly((rows, columns)).iter().zip(&services) {
            let mut chart = ChartBuilder::on(area)
                .caption(service.as_str(), ("sans-serif", 15))
                .margin(10)
                .build_cartesian_2d(xs.0..xs.1, ys.0..ys.1)
                .map_err(|e| e.to_string())?;
            chart.configure_mesh().disable_mesh().disable_axes().draw().map_err(|e| e.to_string())?;
            chart
                .draw_series(m.localities.iter().map(|l| Circle::new((l.x, l.y), 1, RGBColor(190, 190, 190).filled())))
                .map_err(|e| e.to_string())?;
            use crate::model::scenario::Capability;
            let here: Vec<(&crate::model::run::MapSite, Capability)> =
                m.sites.iter().filter_map(|s| s.services.get(*service).map(|c| (s, *c))).collect();
            let at = |level: Capability| here.iter().filter(move |(_, c)| *c == level);
            chart
                .draw_series(at(Capability::Complex).map(|(s, _)| {
                    EmptyElement::at((s.x, s.y)) + Rectangle::new([(-5, -5), (5, 5)], colour(1).filled())
                }))
                .map_err(|e| e.to_string())?;
            for (level, c) in [(Capability::Routine, colour(0)), (Capability::Basic, colour(2))] {
                chart
                    .draw_series(at(level).map(|(s, _)| Circle::new((s.x, s.y), 5, c.stroke_width(2))))
                    .map_err(|e| e.to_string())?;
            }
            chart
                .draw_series(here.iter().map(|(s, _)| {
                    EmptyElement::at((s.x, s.y)) + Text::new(s.id.clone(), (7, -14), ("sans-serif", 10).into_font())
                }))
                .map_err(|e| e.to_string())?;
        }
        let look = |colour, marker| Look { colour, width: 0, dash: None, marker: Some(marker), patch: false };
        side_legend(
            &legend_area,
            None,
            &[
                ("provider (complex level)".into(), look(colour(1), Marker::Square)),
                ("provider (routine level)".into(), look(colour(0), Marker::Ring)),
                ("provider (basic level)".into(), look(colour(2), Marker::Ring)),
                ("locality (grey dot)".into(), look(RGBColor(190, 190, 190), Marker::Dot)),
            ],
        )?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// One series of a ranked chart: a value and its 95% interval (`None`
/// where it has none) for each row.
#[derive(Debug, Clone)]
pub struct Ranked {
    /// Legend name.
    pub name: String,
    /// One per row, in row order.
    pub values: Vec<(f64, Option<[f64; 2]>)>,
}

/// Horizontal bars, one group per row (the first row at the top), one bar a
/// series, each with its 95% interval as a whisker; a line at zero. Series
/// differ in fill as well as colour (solid, hollow, pale).
pub fn ranked(title: &str, x_label: &str, rows: &[String], series: &[Ranked]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let row_px = 14 * series.len().max(1) as u32 + 16;
        let size = (SIZE.0, (110 + row_px * rows.len() as u32).max(200));
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let body = root.titled(title, ("sans-serif", 18)).map_err(|e| e.to_string())?;
        let (plot, legend_area) = body.split_horizontally(size.0 - LEGEND_WIDTH);
        let xs = range(
            series
                .iter()
                .flat_map(|s| s.values.iter().flat_map(|(v, ci)| [*v].into_iter().chain(ci.iter().flatten().copied())))
                .chain([0.0]),
        );
        let n = rows.len() as f64;
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(240)
            .build_cartesian_2d(xs.0..xs.1, 0.0..n)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_labels(0)
            .disable_y_mesh()
            .axis_desc_style(("sans-serif", 15))
            .label_style(("sans-serif", 13))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| e.to_string())?;
        chart.draw_series(LineSeries::new([(0.0, 0.0), (0.0, n)], BLACK.stroke_width(1))).map_err(|e| e.to_string())?;
        // Each row's band (one unit tall) holds the series' bars, top down.
        let bar = 0.8 / series.len().max(1) as f64;
        let mut entries = Vec::new();
        for (i, s) in series.iter().enumerate() {
            let c = colour(i);
            let style = match i % 3 {
                0 => c.filled(),
                1 => c.stroke_width(2),
                _ => c.mix(0.35).filled(),
            };
            let bars = s.values.iter().enumerate().map(|(row, (v, _))| {
                let top = n - row as f64 - 0.1 - bar * i as f64;
                Rectangle::new([(0.0, top), (*v, top - bar * 0.85)], style)
            });
            chart.draw_series(bars).map_err(|e| e.to_string())?;
            entries.push((s.name.clone(), i));
            for (row, (_, ci)) in s.values.iter().enumerate() {
                let Some([lo, hi]) = ci else { continue };
                let mid = n - row as f64 - 0.1 - bar * (i as f64 + 0.425);
                let cap = bar * 0.3;
                for line in [
                    [(*lo, mid), (*hi, mid)],
                    [(*lo, mid - cap), (*lo, mid + cap)],
                    [(*hi, mid - cap), (*hi, mid + cap)],
                ] {
                    chart.draw_series(LineSeries::new(line, BLACK.stroke_width(1))).map_err(|e| e.to_string())?;
                }
            }
        }
        // Row names in the label area, right-aligned against the axis.
        let name_style = TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
        for (row, name) in rows.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(xs.0, n - row as f64 - 0.5));
            root.draw(&Text::new(name.clone(), (x - 8, y), name_style.clone())).map_err(|e| e.to_string())?;
        }
        // The legend: a bar swatch as each series is filled, then its name.
        for (k, (name, i)) in entries.iter().enumerate() {
            let y = 44 + 20 * k as i32;
            let c = colour(*i);
            let style = match i % 3 {
                0 => c.filled(),
                1 => c.stroke_width(2),
                _ => c.mix(0.35).filled(),
            };
            legend_area.draw(&Rectangle::new([(6, y - 5), (34, y + 5)], style)).map_err(|e| e.to_string())?;
            legend_area.draw(&Text::new(name.clone(), (42, y - 7), ("sans-serif", 12))).map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Value axes over `xs` and `ys` on a plot area, with room for the axis labels.
fn cartesian<'a, 'b>(plot: &'a Area<'b>, xs: (f64, f64), ys: (f64, f64)) -> Result<Chart<'a, 'b>, String> {
    ChartBuilder::on(plot)
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(xs.0..xs.1, ys.0..ys.1)
        .map_err(|e| e.to_string())
}

/// A weighted histogram (bars: density of each bin) with a second density
/// drawn as a line over it (a prior).
pub fn histogram(
    title: &str,
    x_label: &str,
    bins: &[(f64, f64, f64)],
    curve: &[(f64, f64)],
    names: (&str, &str),
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let body = root.titled(title, ("sans-serif", 18)).map_err(|e| e.to_string())?;
        let (plot, legend_area) = body.split_horizontally(SIZE.0 - LEGEND_WIDTH);
        let xs = range(bins.iter().flat_map(|b| [b.0, b.1]).chain(curve.iter().map(|c| c.0)));
        let top = bins.iter().map(|b| b.2).chain(curve.iter().map(|c| c.1)).fold(0.0, f64::max);
        let ys = (0.0, if top > 0.0 && top.is_finite() { top * 1.1 } else { 1.0 });
        let mut chart = cartesian(&plot, xs, ys)?;
        mesh(&mut chart, x_label, "density", Axis::Fitted, ys, false)?;
        let bar = colour(0);
        chart
            .draw_series(bins.iter().map(|&(lo, hi, d)| Rectangle::new([(lo, 0.0), (hi, d)], bar.mix(0.45).filled())))
            .map_err(|e| e.to_string())?;
        let line = Look { colour: colour(1), width: 2, dash: Some((8, 4)), marker: None, patch: false };
        draw_line(&mut chart, curve.to_vec(), &line)?;
        let swatch = Look { colour: bar, width: 0, dash: None, marker: Some(Marker::Square), patch: true };
        side_legend(&legend_area, None, &[(names.0.to_owned(), swatch), (names.1.to_owned(), line)])?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Points whose area follows their weight, on two value axes.
pub fn scatter(title: &str, x_label: &str, y_label: &str, points: &[(f64, f64, f64)]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let body = root.titled(title, ("sans-serif", 18)).map_err(|e| e.to_string())?;
        let (plot, legend_area) = body.split_horizontally(SIZE.0 - LEGEND_WIDTH);
        let xs = range(points.iter().map(|p| p.0));
        let ys = range(points.iter().map(|p| p.1));
        let mut chart = cartesian(&plot, xs, ys)?;
        mesh(&mut chart, x_label, y_label, Axis::Fitted, ys, false)?;
        let heaviest = points.iter().map(|p| p.2).fold(0.0, f64::max);
        let c = colour(0);
        chart
            .draw_series(points.iter().map(|&(x, y, w)| {
                let r = if heaviest > 0.0 { 2.0 + 6.0 * (w / heaviest).sqrt() } else { 3.0 };
                Circle::new((x, y), r.round() as i32, c.mix(0.5).filled())
            }))
            .map_err(|e| e.to_string())?;
        let swatch = Look { colour: c, width: 0, dash: None, marker: Some(Marker::Dot), patch: false };
        side_legend(&legend_area, None, &[("particle (area: weight)".to_owned(), swatch)])?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// A Pareto front on two measures: every configuration measured as a grey
/// dot, those on the front in colour joined in order of the first measure.
pub fn pareto(
    title: &str,
    x_label: &str,
    y_label: &str,
    measured: &[(f64, f64)],
    front: &[(f64, f64)],
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let body = root.titled(title, ("sans-serif", 18)).map_err(|e| e.to_string())?;
        let (plot, legend_area) = body.split_horizontally(SIZE.0 - LEGEND_WIDTH);
        let xs = range(measured.iter().chain(front).map(|p| p.0));
        let ys = range(measured.iter().chain(front).map(|p| p.1));
        let mut chart = cartesian(&plot, xs, ys)?;
        mesh(&mut chart, x_label, y_label, Axis::Fitted, ys, false)?;
        let grey = RGBColor(150, 150, 150);
        chart
            .draw_series(measured.iter().map(|&(x, y)| Circle::new((x, y), 3, grey.mix(0.6).filled())))
            .map_err(|e| e.to_string())?;
        let mut line: Vec<(f64, f64)> = front.to_vec();
        line.sort_by(|a, b| a.0.total_cmp(&b.0));
        let c = colour(0);
        let look = Look { colour: c, width: 2, dash: None, marker: None, patch: false };
        draw_line(&mut chart, line, &look)?;
        chart.draw_series(front.iter().map(|&(x, y)| Circle::new((x, y), 5, c.filled()))).map_err(|e| e.to_string())?;
        let dots = Look { colour: grey, width: 0, dash: None, marker: Some(Marker::Dot), patch: false };
        let on = Look { colour: c, width: 2, dash: None, marker: Some(Marker::Dot), patch: false };
        side_legend(&legend_area, None, &[("measured".to_owned(), dots), ("on the front".to_owned(), on)])?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}
