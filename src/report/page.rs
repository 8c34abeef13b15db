//! What every report's pages are made of: HTML and Markdown escaping, the
//! HTML page with its style, a chart's figure, and a run's headline figures
//! (the HTML and Markdown reports both show them).

use std::fmt::Write;

use crate::model::RunOutput;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:960px;margin:1.5em auto;padding:0 1em;color:#222}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}\
figure{margin:1.2em 0}figure svg{max-width:100%;height:auto}figcaption{font-size:.9em;color:#444}\
table{border-collapse:collapse;margin:1em 0;font-size:.9em}td,th{border:1px solid #bbb;padding:.25em .6em;text-align:left}\
th{background:#f0f0f0}.note{background:#fff4d6;border-left:4px solid #e69f00;padding:.5em 1em}";

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A chart's figure: its SVG and caption, with the data attributes the
/// browser check reads.
pub(super) fn figure(out: &mut String, id: &str, kind: &str, series: usize, points: usize, svg: &str, caption: &str) {
    let _ = writeln!(
        out,
        "<figure class=\"chart\" id=\"{}\" data-chart=\"{}\" data-series=\"{series}\" data-points=\"{points}\">{svg}\
         <figcaption>{}</figcaption></figure>",
        esc(id),
        esc(kind),
        esc(caption)
    );
}

/// A whole HTML page: `body` under `title`, with the report's style.
pub(super) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{STYLE}</style></head>\n<body>\n<h1>{}</h1>\n{body}</body></html>\n",
        esc(title),
        esc(title)
    )
}

/// `text` safe inside Markdown and a table cell: HTML's special characters as
/// entities (a name can never become a tag), Markdown's marks escaped, line
/// breaks as spaces.
pub fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A share as a percentage with `digits` decimals (`–` for none).
pub(super) fn pct(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{:.digits$}%", v * 100.0))
}

/// A number with `digits` decimals (`–` for none).
pub(super) fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.digits$}"))
}

/// The headline figures of a run, as (label, value) rows.
pub fn headline(r: &RunOutput) -> Vec<(&'static str, String)> {
    let s = &r.summary;
    vec![
        ("episodes treated", s.outcomes.overall.episodes.to_string()),
        ("adverse-outcome rate", pct(s.outcomes.overall.adverse_rate, 2)),
        ("mean elective wait (weeks)", num(s.waiting.overall.mean_wait_weeks, 2)),
        ("elective within 18 weeks", pct(s.waiting.overall.share_within_18_weeks, 2)),
        ("emergency diversions", s.waiting.overall.diversions.to_string()),
        ("mean travel (minutes)", num(s.access.overall.mean_minutes, 1)),
        ("95th-percentile travel (minutes)", num(s.access.overall.p95_minutes, 1)),
        ("within 30 minutes", pct(s.access.overall.share_within_30_minutes, 2)),
        ("mean travel (km)", num(s.access.overall.mean_km, 1)),
        ("95th-percentile travel (km)", num(s.access.overall.p95_km, 1)),
        ("system cost (£m a year)", format!("{:.1}", s.finance.system_cost_per_year / 1e6)),
        ("cost per episode (£)", num(s.finance.cost_per_episode, 0)),
        ("providers in deficit", s.finance.providers_in_deficit.to_string()),
        (
            "failures / closures / mergers",
            format!("{} / {} / {}", s.finance.failures, s.finance.closures, s.finance.mergers),
        ),
        ("vacancy rate", pct(s.workforce.vacancy_rate, 2)),
        ("mean quality", num(s.providers.mean_quality, 3)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_become_tags_or_break_a_table() {
        assert_eq!(md("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(md("a|b *c* [d](e)\nf"), "a\\|b \\*c\\* \\[d\\](e) f");
        assert_eq!(md("West Mercia"), "West Mercia");
    }
}
