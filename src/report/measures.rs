//! The measures reports chart, with their labels, units and axes (shared
//! by the HTML and Markdown reports and by the sensitivity defaults).

use super::charts::Axis;

/// A metric the report charts.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// Path in the run summary.
    pub path: &'static str,
    /// What it is.
    pub label: &'static str,
    /// Unit after scaling.
    pub unit: &'static str,
    /// Multiplier to the unit.
    pub scale: f64,
    /// Whether less is better.
    pub lower_is_better: bool,
    /// How its value axis is drawn.
    pub axis: Axis,
}

impl Metric {
    /// The unit of a difference of two values: percentage points for a percentage.
    pub fn difference_unit(&self) -> &'static str {
        if self.unit == "%" { "percentage points" } else { self.unit }
    }
}

/// The key metrics of sweep reports.
pub const KEY_METRICS: [Metric; 7] = [
    Metric {
        path: "waiting.overall.share_within_18_weeks",
        label: "elective patients treated within 18 weeks",
        unit: "%",
        scale: 100.0,
        lower_is_better: false,
        axis: Axis::Percent,
    },
    Metric {
        path: "outcomes.overall.adverse_rate",
        label: "adverse-outcome rate",
        unit: "%",
        scale: 100.0,
        lower_is_better: true,
        axis: Axis::Fitted,
    },
    Metric {
        path: "access.overall.unmet",
        label: "referrals not met in the region",
        unit: "%",
        scale: 100.0,
        lower_is_better: true,
        axis: Axis::Fitted,
    },
    Metric {
        path: "access.overall.p95_minutes",
        label: "95th-percentile travel time",
        unit: "minutes",
        scale: 1.0,
        lower_is_better: true,
        axis: Axis::Fitted,
    },
    Metric {
        path: "finance.system_cost_per_year",
        label: "system cost",
        unit: "£m a year",
        scale: 1e-6,
        lower_is_better: true,
        axis: Axis::Fitted,
    },
    Metric {
        path: "workforce.vacancy_rate",
        label: "vacancy rate",
        unit: "%",
        scale: 100.0,
        lower_is_better: true,
        axis: Axis::Percent,
    },
    Metric {
        path: "finance.failures",
        label: "provider failures",
        unit: "providers",
        scale: 1.0,
        lower_is_better: true,
        axis: Axis::Count,
    },
];
