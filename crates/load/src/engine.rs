//! What both load models share: how to make a virtual user, the count of
//! active users stamped on each sample, and the stop signal (Ctrl-C).

use std::sync::Arc;
use std::sync::atomic::AtomicU32;

use tokio_util::sync::CancellationToken;

use crate::recorder::Sinks;
use crate::user::{Target, User};
use crate::workload::Plan;

pub struct Engine {
    pub plan: Arc<Plan>,
    pub sinks: Sinks,
    pub target: Target,
    pub seed: u64,
    /// Users alive (closed) or iterations in flight (open) right now.
    pub active: Arc<AtomicU32>,
    pub stop: CancellationToken,
}

impl Engine {
    pub fn user(&self, id: u64) -> User {
        User::new(
            id,
            self.seed,
            self.target.clone(),
            self.sinks.sink(),
            self.active.clone(),
            self.stop.clone(),
        )
    }
}
