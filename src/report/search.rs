//! The report of a `ccsim search` result: the Pareto front on the first two
//! measures among every configuration measured, and the front as a table.

use std::fmt::Write;

use super::charts;
use super::page::{esc, figure, md, page};
use crate::sweep::search::{Evaluation, SearchResult};

/// The search's title.
fn title(r: &SearchResult) -> String {
    format!("Which sites keep {} — {} of {} configurations measured", r.spec.service, r.measured, r.space)
}

fn summary(r: &SearchResult) -> String {
    format!(
        "{} of {} feasible configurations of {} candidate sites measured over {} replicates each{}; {} on the front; {} refused.",
        r.measured,
        r.space,
        r.spec.sites.len(),
        r.spec.replicates,
        if r.converged {
            ", every configuration on the front explored"
        } else {
            ", stopped by the budget before converging"
        },
        r.front.len(),
        r.refused.len()
    )
}

fn cell(e: &Evaluation, path: &str) -> String {
    e.objectives.get(path).map_or_else(
        || "–".to_owned(),
        |s| match s.ci95 {
            Some([lo, hi]) => format!("{:.5} [{lo:.5}, {hi:.5}]", s.mean),
            None => format!("{:.5}", s.mean),
        },
    )
}

/// The HTML page.
pub fn html(r: &SearchResult) -> Result<String, String> {
    let paths: Vec<&String> = r.spec.objectives.keys().collect();
    let mut b = format!("<p>{}</p>\n", esc(&summary(r)));
    let at = |e: &Evaluation, i: usize| e.objectives.get(paths[i]).map_or(f64::NAN, |s| s.mean);
    let point = |e: &Evaluation| (at(e, 0), at(e, 1));
    let measured: Vec<(f64, f64)> = r.evaluated.iter().map(point).collect();
    let front: Vec<(f64, f64)> = r.front.iter().map(point).collect();
    let svg = charts::pareto(&format!("Pareto front — {}", r.spec.service), paths[0], paths[1], &measured, &front)?;
    figure(
        &mut b,
        "search-front",
        "pareto",
        2,
        measured.len(),
        &svg,
        &format!(
            "Every configuration measured (grey) and those no other beats on every measure (coloured, joined), on the \
             first two measures{}; each the mean over the same seeds.",
            if paths.len() > 2 { " (the third is in the table)" } else { "" }
        ),
    );
    b.push_str("<h2>The front</h2>\n<table id=\"front\"><tr><th>configuration</th>");
    for p in &paths {
        let _ = write!(
            b,
            "<th><code>{}</code> ({})</th>",
            esc(p),
            esc(&format!("{:?}", r.spec.objectives[*p]).to_lowercase())
        );
    }
    b.push_str("</tr>\n");
    for e in &r.front {
        let _ = write!(b, "<tr><td>{}</td>", esc(&e.name));
        for p in &paths {
            let _ = write!(b, "<td>{}</td>", esc(&cell(e, p)));
        }
        b.push_str("</tr>\n");
    }
    b.push_str("</table>\n");
    if !r.refused.is_empty() {
        b.push_str("<h2>Refused</h2>\n<table><tr><th>configuration</th><th>why</th></tr>\n");
        for (name, why) in &r.refused {
            let _ = writeln!(b, "<tr><td>{}</td><td>{}</td></tr>", esc(name), esc(why));
        }
        b.push_str("</table>\n");
    }
    Ok(page(&title(r), &b))
}

/// The Markdown summary: the front as a table.
pub fn markdown(r: &SearchResult) -> String {
    let paths: Vec<&String> = r.spec.objectives.keys().collect();
    let mut t = format!("# {}\n\n{}\n\n| configuration |", md(&title(r)), md(&summary(r)));
    for p in &paths {
        let _ = write!(t, " {} |", md(p));
    }
    let _ = write!(t, "\n|---|{}\n", "---|".repeat(paths.len()));
    for e in &r.front {
        let _ = write!(t, "| {} |", md(&e.name));
        for p in &paths {
            let _ = write!(t, " {} |", md(&cell(e, p)));
        }
        t.push('\n');
    }
    t
}
