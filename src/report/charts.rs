//! SVG charts drawn with plotters: lines with 95% bands, points with error
//! bars, weekly series and a map of flows.
//!
//! Colours are the Okabe–Ito palette (distinguishable with the common
//! colour-vision deficiencies), and every series also differs in dash
//! pattern and marker, so charts survive greyscale printing.

use plotters::coord::types::RangedCoordf64;
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

/// Draws the labelled series' legend in a white box at `position`.
fn legend<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>, position: SeriesLabelPosition) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .draw()
        .map_err(|e| e.to_string())
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
/// optional zero line, axis labels and a legend.
pub fn bands(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Band],
    zero: bool,
    bars: bool,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let xs = range(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
        let ys =
            range(series.iter().flat_map(|s| s.points.iter().flat_map(|p| [p.1, p.2, p.3])).chain(zero.then_some(0.0)));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(xs.0..xs.1, ys.0..ys.1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .axis_desc_style(("sans-serif", 15))
            .label_style(("sans-serif", 13))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| e.to_string())?;
        if zero {
            chart
                .draw_series(LineSeries::new([(xs.0, 0.0), (xs.1, 0.0)], BLACK.stroke_width(1)))
                .map_err(|e| e.to_string())?;
        }
        for (i, s) in series.iter().enumerate() {
            let c = colour(i);
            if bars {
                for &(x, _, lo, hi) in &s.points {
                    chart
                        .draw_series(LineSeries::new([(x, lo), (x, hi)], c.stroke_width(1)))
                        .map_err(|e| e.to_string())?;
                }
            } else if s.points.len() > 1 {
                let mut outline: Vec<(f64, f64)> = s.points.iter().map(|p| (p.0, p.3)).collect();
                outline.extend(s.points.iter().rev().map(|p| (p.0, p.2)));
                chart.draw_series(std::iter::once(Polygon::new(outline, c.mix(0.15)))).map_err(|e| e.to_string())?;
            }
            let line: Vec<(f64, f64)> = s.points.iter().map(|p| (p.0, p.1)).collect();
            let style = c.stroke_width(2);
            if !bars {
                let drawn = match dash(i) {
                    None => chart.draw_series(LineSeries::new(line.clone(), style)),
                    Some((size, gap)) => chart.draw_series(DashedLineSeries::new(line.clone(), size, gap, style)),
                };
                drawn.map_err(|e| e.to_string())?;
            }
            let marked = match i % 4 {
                0 => chart.draw_series(line.iter().map(|&p| Circle::new(p, 4, c.filled()))).map(|_| ()),
                1 => chart.draw_series(line.iter().map(|&p| TriangleMarker::new(p, 5, c.filled()))).map(|_| ()),
                2 => chart.draw_series(line.iter().map(|&p| Cross::new(p, 4, c.stroke_width(2)))).map(|_| ()),
                _ => chart.draw_series(line.iter().map(|&p| Circle::new(p, 4, c.stroke_width(2)))).map(|_| ()),
            };
            marked.map_err(|e| e.to_string())?;
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(|e| e.to_string())?
                .label(s.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], colour(i).stroke_width(2)));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Weekly lines, one per named series, with a dashed vertical line at `mark` (the end of the warm-up).
pub fn weekly(
    title: &str,
    y_label: &str,
    series: &[(String, Vec<(f64, f64)>)],
    mark: Option<f64>,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let xs = range(series.iter().flat_map(|s| s.1.iter().map(|p| p.0)));
        let ys = range(series.iter().flat_map(|s| s.1.iter().map(|p| p.1)));
        let (plot, legend) = root.split_horizontally(SIZE.0 - 190);
        let mut chart = ChartBuilder::on(&plot)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(xs.0..xs.1, ys.0..ys.1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("week (0 = start of the warm-up)")
            .y_desc(y_label)
            .axis_desc_style(("sans-serif", 15))
            .label_style(("sans-serif", 13))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| e.to_string())?;
        if let Some(m) = mark {
            chart
                .draw_series(DashedLineSeries::new(
                    [(m, ys.0), (m, ys.1)],
                    6,
                    4,
                    RGBColor(120, 120, 120).stroke_width(1),
                ))
                .map_err(|e| e.to_string())?;
        }
        for (i, (_, points)) in series.iter().enumerate() {
            let style = colour(i).stroke_width(2);
            let drawn = match dash(i) {
                None => chart.draw_series(LineSeries::new(points.clone(), style)),
                Some((size, gap)) => chart.draw_series(DashedLineSeries::new(points.clone(), size, gap, style)),
            };
            drawn.map_err(|e| e.to_string())?;
        }
        // The legend beside the chart, one row a series.
        for (i, (name, _)) in series.iter().enumerate() {
            let y = 40 + 18 * i as i32;
            let style = colour(i).stroke_width(2);
            let line = match dash(i) {
                None => PathElement::new(vec![(6, y), (30, y)], style),
                Some(_) => PathElement::new(vec![(6, y), (12, y)], style),
            };
            legend.draw(&line).map_err(|e| e.to_string())?;
            if dash(i).is_some() {
                legend.draw(&PathElement::new(vec![(18, y), (24, y)], style)).map_err(|e| e.to_string())?;
            }
            legend.draw(&Text::new(name.clone(), (36, y - 7), ("sans-serif", 12))).map_err(|e| e.to_string())?;
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
        let xs = range(m.localities.iter().map(|l| l.x).chain(m.providers.iter().map(|p| p.x)));
        let ys = range(m.localities.iter().map(|l| l.y).chain(m.providers.iter().map(|p| p.y)));
        // Equal km per pixel on both axes (the plotting area is about 816 × 520 pixels).
        let per_pixel = ((xs.1 - xs.0) / 816.0).max((ys.1 - ys.0) / 520.0);
        let widen = |(lo, hi): (f64, f64), pixels: f64| {
            let (mid, half) = ((lo + hi) / 2.0, per_pixel * pixels / 2.0);
            (mid - half, mid + half)
        };
        let (xs, ys) = (widen(xs, 816.0), widen(ys, 520.0));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
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
            .map_err(|e| e.to_string())?
            .label("locality (area ∝ residents)")
            .legend(|(x, y)| Circle::new((x + 10, y), 5, colour(4).filled()));
        chart
            .draw_series(
                m.providers
                    .iter()
                    .map(|p| EmptyElement::at((p.x, p.y)) + Rectangle::new([(-6, -6), (6, 6)], colour(1).filled())),
            )
            .map_err(|e| e.to_string())?
            .label("provider")
            .legend(|(x, y)| Rectangle::new([(x + 5, y - 4), (x + 13, y + 4)], colour(1).filled()));
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(|e| e.to_string())?
            .label("patients treated (line width ∝ flow)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], colour(0).mix(0.5).stroke_width(4)));
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
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
        let xs = range(
            series
                .iter()
                .flat_map(|s| s.values.iter().flat_map(|(v, ci)| [*v].into_iter().chain(ci.iter().flatten().copied())))
                .chain([0.0]),
        );
        // Room on the right for the legend.
        let xs = (xs.0, xs.1 + (xs.1 - xs.0) * 0.2);
        let n = rows.len() as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(280)
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
            chart
                .draw_series(bars)
                .map_err(|e| e.to_string())?
                .label(s.name.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], style));
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
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}
