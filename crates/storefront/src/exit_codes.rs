//! The exit codes the tools share, so that a CI pipeline reads the same
//! code the same way from `load`, `report` and `compare` (README, "Exit
//! codes", under "Load tests"). A run stopped by a signal exits 128 + the
//! signal (130, 143; see `stop_signal`), and 0 is a pass.

pub struct ExitCodes;

impl ExitCodes {
    /// An invariant of the store was violated (oversold, lost an order…).
    pub const INVARIANT_VIOLATED: u8 = 1;
    /// The command line or scenario file is wrong (clap uses 2 as well).
    pub const USAGE: u8 = 2;
    /// A threshold failed, no request succeeded at all, or (`compare
    /// --fail-on-regression`) a later run is slower than the first.
    pub const THRESHOLD_FAILED: u8 = 3;
    /// The run could not be made: the target unreachable, results not
    /// writable.
    pub const RUN_FAILED: u8 = 4;
}
