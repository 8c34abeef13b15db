//! Reports of the checked-in examples (`results/examples/`): every chart is
//! there with data; bad inputs are clear errors; an unfinished sweep is
//! reported from its runs with a note; and, where Chromium is installed,
//! the pages render to a non-blank screenshot without browser errors.

use std::path::{Path, PathBuf};
use std::process::Command;

use scraper::{Html, Selector};

use crate::common::ccsim;

const RUN: &str = "results/examples/run.json";
const SWEEP: &str = "results/examples/sweep";

pub fn render(input: &Path, out: &Path) -> Html {
    let o = ccsim().arg("report").arg(input).arg("--out").arg(out).output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Html::parse_document(&std::fs::read_to_string(out).expect("report written"))
}

/// Each figure's id, kind, declared point count, and the number of drawn
/// data elements in its SVG.
pub fn figures(doc: &Html) -> Vec<(String, String, usize, usize)> {
    let figure = Selector::parse("figure.chart").expect("selector");
    let marks =
        Selector::parse("svg polyline, svg circle, svg polygon, svg rect, svg line, svg path").expect("selector");
    doc.select(&figure)
        .map(|f| {
            let v = f.value();
            (
                v.attr("id").unwrap_or_default().to_owned(),
                v.attr("data-chart").unwrap_or_default().to_owned(),
                v.attr("data-points").and_then(|n| n.parse().ok()).unwrap_or(0),
                f.select(&marks).count(),
            )
        })
        .collect()
}

#[test]
fn the_example_sweep_report_has_every_chart_with_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = render(Path::new(SWEEP), &dir.path().join("sweep.html"));
    let found = figures(&doc);
    for metric in [
        "waiting.overall.share_within_18_weeks",
        "outcomes.overall.adverse_rate",
        "access.overall.p95_minutes",
        "finance.system_cost_per_year",
        "workforce.vacancy_rate",
        "finance.failures",
    ] {
        for kind in ["sweep", "sweep-diff"] {
            let id = format!("{kind}-{metric}-regime.pooling-0");
            let f = found.iter().find(|f| f.0 == id).unwrap_or_else(|| panic!("no chart {id}"));
            assert!(f.2 >= 5 && f.3 > f.2, "{id}: {} points declared, {} marks drawn", f.2, f.3);
        }
    }
    let title = doc.select(&Selector::parse("h1").expect("selector")).next().expect("title").inner_html();
    assert!(
        title.contains("duopoly") && title.contains("competition vs collaboration") && title.contains("2026"),
        "{title}"
    );
    let text = doc.root_element().text().collect::<String>();
    assert!(text.contains("Where the answer flips"));
    assert!(
        doc.select(&Selector::parse("svg text").expect("selector")).any(|t| t.inner_html().contains("regime.pooling"))
    );
}

#[test]
fn the_example_run_report_has_series_a_map_and_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = render(Path::new(RUN), &dir.path().join("run.html"));
    let found = figures(&doc);
    for id in ["run-waits", "run-quality", "run-cash", "run-staff", "run-map", "run-sites"] {
        let f = found.iter().find(|f| f.0 == id).unwrap_or_else(|| panic!("no chart {id}"));
        assert!(f.2 > 0 && f.3 > 10, "{id}: {} points, {} marks", f.2, f.3);
    }
    let cells: Vec<String> = doc.select(&Selector::parse("td").expect("selector")).map(|td| td.inner_html()).collect();
    assert!(cells.iter().any(|c| c == "merger"), "the events table lists the merger");
    // Hereford's neonatal unit is below the 250 admissions a year minimum.
    let rows: Vec<Vec<String>> = doc
        .select(&Selector::parse("tr").expect("selector"))
        .map(|tr| tr.select(&Selector::parse("td").expect("selector")).map(|td| td.inner_html()).collect())
        .collect();
    assert!(
        rows.iter().any(|r| r.first().is_some_and(|c| c == "neonatal") && r.last().is_some_and(|c| c == "wye-valley")),
        "the volume table names the unit below its minimum"
    );
    // Intensive care is held to its own minimum, on the intensive care unit's babies needing it.
    assert!(
        rows.iter().any(|r| r.len() == 6 && r[0].starts_with("neonatal (complex cases") && r[1] == "200"),
        "the volume table has the minimum for complex cases"
    );
    // West Mercia has no neonatal intensive care unit: its babies needing one are transferred out.
    assert!(
        rows.iter().any(|r| r.len() == 6
            && r[0] == "neonatal"
            && r[1].starts_with("complex")
            && r[3] == "royal-wolverhampton"),
        "the transfers table lists the routes to the intensive care unit"
    );
}

#[test]
fn markdown_summaries_go_to_standard_output() {
    for (input, expect) in [(RUN, "| episodes treated |"), (SWEEP, "| point | replicates | parameters | arm |")] {
        let o = ccsim().args(["report", input, "--format", "md"]).output().expect("runs");
        assert!(o.status.success());
        assert!(String::from_utf8_lossy(&o.stdout).contains(expect), "{input}");
    }
}

#[test]
fn bad_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let truncated = dir.path().join("truncated.json");
    let text = std::fs::read_to_string(RUN).expect("example");
    std::fs::write(&truncated, &text[..text.len() / 2]).expect("write");
    let o = ccsim().arg("report").arg(&truncated).output().expect("runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr.contains("truncated.json") && stderr.contains("EOF"), "{stderr}");
    assert!(!dir.path().join("truncated.html").exists());

    let empty = dir.path().join("not-a-sweep");
    std::fs::create_dir(&empty).expect("mkdir");
    let o = ccsim().arg("report").arg(&empty).output().expect("runs");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not a sweep directory"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let bad_summary = copy_sweep(dir.path(), "bad-summary");
    std::fs::write(bad_summary.join("summary.json"), "{\"ccsim_version\": 3}").expect("write");
    let o = ccsim().arg("report").arg(&bad_summary).output().expect("runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("summary.json") && stderr.contains("ccsim_version"), "{stderr}");
}

fn copy_sweep(dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::create_dir(&to).expect("mkdir");
    for f in ["manifest.json", "runs.jsonl", "summary.json"] {
        std::fs::copy(Path::new(SWEEP).join(f), to.join(f)).expect("copy");
    }
    to
}

#[test]
fn a_sweep_still_being_written_is_reported_from_its_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sweep = copy_sweep(dir.path(), "running");
    std::fs::remove_file(sweep.join("summary.json")).expect("rm");
    let runs = sweep.join("runs.jsonl");
    let text = std::fs::read_to_string(&runs).expect("runs");
    let keep: Vec<&str> = text.lines().take(23).collect();
    std::fs::write(&runs, format!("{}\n{{\"run\":23,\"po", keep.join("\n"))).expect("write");
    let doc = render(&sweep, &dir.path().join("partial.html"));
    let note =
        doc.select(&Selector::parse("p.note").expect("selector")).next().expect("a note").text().collect::<String>();
    assert!(
        note.contains("partial") && note.contains("23 complete runs") && note.contains("17 of 40 missing"),
        "{note}"
    );
    assert!(figures(&doc).iter().any(|f| f.1 == "arms" && f.2 > 0));
}

/// Chromium, which this test needs (`.ci/run` installs it).
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|c| Command::new("which").arg(c).output().ok().filter(|o| o.status.success()))
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
}

/// Share of pixels that are not (near) white in a PNG screenshot.
fn ink(png_path: &Path) -> f64 {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png_path).expect("screenshot")));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let inked = pixels.chunks(channels).filter(|p| p.iter().take(3).any(|&c| c < 200)).count();
    inked as f64 / (pixels.len() / channels) as f64
}

#[test]
#[ignore = "needs Chromium; `.ci/run` installs it and runs this test with --ignored"]
fn the_reports_render_in_a_headless_browser() {
    // Run only when asked (`--ignored`): a missing browser is then a failure, never a silent pass.
    let browser = chromium().expect("Chromium is installed (apt-get install chromium)");
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, input) in [("sweep", SWEEP), ("run", RUN)] {
        let html = dir.path().join(format!("{name}.html"));
        render(Path::new(input), &html);
        let shot = dir.path().join(format!("{name}.png"));
        let profile = dir.path().join(format!("profile-{name}"));
        let o = Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--window-size=1100,2400",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--screenshot={}", shot.display()))
            .arg(format!("file://{}", html.display()))
            .output()
            .expect("chromium runs");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{name}: {stderr}");
        for bad in ["ERR_FILE_NOT_FOUND", "ERR_", "Uncaught", "CONSOLE"] {
            assert!(!stderr.contains(bad), "{name}: the browser reported an error: {stderr}");
        }
        let share = ink(&shot);
        assert!(share > 0.02, "{name}: the page looks blank ({:.3}% of pixels inked)", share * 100.0);
    }
}

/// A chart's SVG, read as geometry: its texts (x, y, size, rotated, content)
/// and its drawn marks, each a list of points in pixels (a circle is its
/// centre ± radius, a rectangle its corners, a line or polygon its vertices).
struct Geometry {
    texts: Vec<(f64, f64, f64, bool, String)>,
    marks: Vec<Vec<(f64, f64)>>,
}

fn geometry(svg: scraper::ElementRef<'_>) -> Geometry {
    let num = |e: &scraper::node::Element, a: &str| e.attr(a).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let points = |s: &str| -> Vec<(f64, f64)> {
        s.split_whitespace()
            .filter_map(|p| p.split_once(','))
            .filter_map(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?)))
            .collect()
    };
    let all = Selector::parse("text, circle, polyline, polygon, rect, line").expect("selector");
    let (mut texts, mut marks) = (Vec::new(), Vec::new());
    for el in svg.select(&all) {
        let e = el.value();
        match e.name() {
            "text" => texts.push((
                num(e, "x"),
                num(e, "y"),
                num(e, "font-size"),
                e.attr("transform").is_some_and(|t| t.contains("rotate")),
                el.text().collect::<String>().trim().to_owned(),
            )),
            "circle" => {
                let (x, y, r) = (num(e, "cx"), num(e, "cy"), num(e, "r"));
                marks.push(vec![(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r), (x - r, y - r)]);
            }
            "polyline" | "polygon" => marks.push(points(e.attr("points").unwrap_or_default())),
            "rect" if e.attr("fill") != Some("#FFFFFF") => {
                let (x, y, w, h) = (num(e, "x"), num(e, "y"), num(e, "width"), num(e, "height"));
                marks.push(vec![(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]);
            }
            "line" => marks.push(vec![(num(e, "x1"), num(e, "y1")), (num(e, "x2"), num(e, "y2"))]),
            _ => {}
        }
    }
    Geometry { texts, marks }
}

/// Whether a mark (its outline, sampled every pixel) touches a box.
fn touches(mark: &[(f64, f64)], (x0, y0, x1, y1): (f64, f64, f64, f64)) -> bool {
    let inside = |(x, y): (f64, f64)| x0 <= x && x <= x1 && y0 <= y && y <= y1;
    if mark.len() == 1 {
        return inside(mark[0]);
    }
    mark.windows(2).any(|w| {
        let steps = ((w[1].0 - w[0].0).abs().max((w[1].1 - w[0].1).abs()).ceil() as usize).max(1);
        (0..=steps).any(|k| {
            let t = k as f64 / steps as f64;
            inside((w[0].0 + t * (w[1].0 - w[0].0), w[0].1 + t * (w[1].1 - w[0].1)))
        })
    })
}

#[test]
fn no_legend_covers_a_plotted_mark_and_every_axis_is_labelled_with_its_unit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(Path::new(SWEEP).join("summary.json")).expect("summary")).expect("JSON");
    let run: serde_json::Value = serde_json::from_slice(&std::fs::read(RUN).expect("run")).expect("JSON");
    // What legends name: arms and differences, providers, the marks on
    // weekly charts, the map's keys.
    let mut names: Vec<String> =
        summary["layout"]["arms"].as_array().expect("arms").iter().map(|a| a.to_string()).collect();
    names = names.into_iter().map(|n| n.trim_matches('"').to_owned()).collect();
    names.extend(summary["points"][0]["differences"].as_object().expect("differences").keys().cloned());
    names.extend(
        run["providers"].as_array().expect("providers").iter().map(|p| p["id"].as_str().unwrap_or_default().to_owned()),
    );
    names.extend(["warm-up ends", "week ", "others", "locality (", "provider (", "patients ("].map(str::to_owned));
    names.extend(
        run["events"].as_array().expect("events").iter().map(|e| e["detail"].as_str().unwrap_or_default().to_owned()),
    );
    names.retain(|n| !n.is_empty());
    let is_legend = |text: &str| {
        let t = text.trim_end_matches('…');
        !t.is_empty() && names.iter().any(|n| n.starts_with(t) || t.starts_with(n.as_str()) || t.ends_with(" others"))
    };
    let svg = Selector::parse("figure.chart svg").expect("selector");
    let mut charts = 0;
    for (input, file) in [(Path::new(SWEEP), "sweep.html"), (Path::new(RUN), "run.html")] {
        let doc = render(input, &dir.path().join(file));
        for (i, chart) in doc.select(&svg).enumerate() {
            charts += 1;
            let g = geometry(chart);
            let map = chart.text().any(|t| t.trim().starts_with("locality ("));
            // Legend entries: a swatch 40 px wide, then the name.
            let boxes: Vec<(f64, f64, f64, f64)> = g
                .texts
                .iter()
                .filter(|t| !t.3 && is_legend(&t.4))
                // On the map, providers are named beside their squares on purpose.
                .filter(|t| {
                    !map || !run["providers"].as_array().expect("providers").iter().any(|p| p["id"] == t.4.as_str())
                })
                .map(|t| (t.0 - 40.0, t.1 - 3.0, t.0 + 0.6 * t.2 * t.4.chars().count() as f64, t.1 + t.2 + 3.0))
                .collect();
            assert!(!boxes.is_empty(), "{file} chart {i}: no legend found");
            for mark in &g.marks {
                let own = boxes.iter().any(|b| {
                    mark.iter().all(|&(x, y)| b.0 - 1.0 <= x && x <= b.2 + 1.0 && b.1 - 12.0 <= y && y <= b.3 + 12.0)
                });
                if own {
                    continue; // a legend swatch
                }
                for b in &boxes {
                    assert!(
                        !touches(mark, *b),
                        "{file} chart {i}: a legend entry at {b:?} covers a drawn mark {mark:?}"
                    );
                }
            }
            // The small maps of which site offers what have no axes (the flows map has them).
            if chart.text().any(|t| t.trim() == "provider (complex level)") {
                continue;
            }
            // Axis descriptions are the texts of the description size; the
            // value axis (rotated) carries its unit in parentheses.
            let desc_size = g.texts.iter().filter(|t| t.3).map(|t| t.2).next();
            let descriptions: Vec<&String> = g.texts.iter().filter(|t| Some(t.2) == desc_size).map(|t| &t.4).collect();
            if let Some(y) = g.texts.iter().find(|t| t.3) {
                assert!(y.4.contains('(') && y.4.ends_with(')'), "{file} chart {i}: value axis `{}` has no unit", y.4);
                assert_eq!(
                    descriptions.len(),
                    2,
                    "{file} chart {i}: expected x and y descriptions, found {descriptions:?}"
                );
            } else {
                // A ranked chart: rows are named; its one axis has a unit.
                assert!(
                    descriptions.is_empty() || descriptions.iter().all(|d| d.contains('(')),
                    "{file} chart {i}: {descriptions:?}"
                );
                let with_unit = g.texts.iter().any(|t| t.4.contains(" (") && t.4.ends_with(')') && !is_legend(&t.4));
                assert!(with_unit, "{file} chart {i}: no axis with a unit");
            }
        }
    }
    assert!(charts >= 16, "only {charts} charts checked");
}
