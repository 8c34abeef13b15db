//! The training pipeline: trainees of a staff group by the week they
//! started, who qualify the training's years later (step 5,
//! [`super::workforce`], advances it each week).

use std::collections::VecDeque;

/// Trainees of one staff group by the week they started, oldest first.
#[derive(Debug, Clone, Default)]
pub(super) struct Pipeline {
    starts: VecDeque<f64>,
}

impl Pipeline {
    /// A pipeline that has taken `places` a year for the `years` its
    /// training lasts (its steady state).
    pub(super) fn steady(places: f64, years: u32) -> Self {
        Pipeline { starts: std::iter::repeat_n(places / 52.0, years as usize * 52).collect() }
    }

    /// This week's `starts` begin training; those who started the
    /// training's years ago finish, and their number is returned (all of
    /// `starts` at once when training takes no time).
    pub(super) fn advance(&mut self, starts: f64) -> f64 {
        self.starts.push_back(starts);
        self.starts.pop_front().unwrap_or(0.0)
    }

    /// Trainees in training, WTE (before non-completion).
    pub(crate) fn in_training(&self) -> f64 {
        self.starts.iter().sum()
    }
}
