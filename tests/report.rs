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
        "access.overall.p95_km",
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
    for id in ["run-waits", "run-quality", "run-cash", "run-staff", "run-map"] {
        let f = found.iter().find(|f| f.0 == id).unwrap_or_else(|| panic!("no chart {id}"));
        assert!(f.2 > 0 && f.3 > 10, "{id}: {} points, {} marks", f.2, f.3);
    }
    let cells: Vec<String> = doc.select(&Selector::parse("td").expect("selector")).map(|td| td.inner_html()).collect();
    assert!(cells.iter().any(|c| c == "merger"), "the events table lists the merger");
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
