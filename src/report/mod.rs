//! Reports people can look at: a self-contained HTML page with inline SVG
//! charts (no scripts, no network), or a Markdown summary, from a run's
//! JSON or a sweep directory.

pub mod calibration;
pub mod charts;
pub mod configurations;
pub mod html;
pub mod input;
pub mod markdown;
pub mod measures;
pub mod page;
pub mod search;

pub use input::{Report, load};
