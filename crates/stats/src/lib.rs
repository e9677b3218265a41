//! The statistics behind `storefront compare`: pure functions over samples
//! already in memory, no I/O. Latencies are whole microseconds, so samples
//! are sorted `u32` slices (4 bytes a sample); figures that also make sense
//! for other data (moments, Welch, Holm) take `f64`s or summaries.
//!
//! Distributions (Student's t, normal, chi-squared) come from `statrs`; the
//! test statistics are small functions here, each unit-tested against SciPy.

pub mod between_runs;
pub mod bootstrap;
pub mod descriptive;
pub mod effect_size;
pub mod holm;
pub mod mann_whitney;
pub mod normality;
pub mod sampling;
pub mod welch;

pub use between_runs::t_interval;
pub use bootstrap::{BootstrapIntervals, Interval, bootstrap_intervals};
pub use descriptive::{Moments, percentile};
pub use effect_size::{cliffs_delta, hedges_g};
pub use holm::holm;
pub use mann_whitney::{MannWhitney, mann_whitney};
pub use normality::{JarqueBera, jarque_bera};
pub use sampling::{SamplingDistribution, sampling_distribution};
pub use welch::{Welch, welch, welch_interval};
