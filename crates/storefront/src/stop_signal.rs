//! How the tools that run for a while (`load`, `experiment`) stop on a
//! signal. The first SIGINT (Ctrl-C) or SIGTERM (what CI runners, `timeout`
//! and Kubernetes send) cancels a token: the run winds down, writes every
//! result file and stops what it started. A second signal exits at once.
//! A stopped run exits with 128 + the first signal's number, as shells
//! report a process killed by it: 130 for SIGINT, 143 for SIGTERM.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio_util::sync::CancellationToken;

pub struct StopSignal {
    token: CancellationToken,
    /// The first signal's number; 0 until one arrives.
    first: Arc<AtomicU8>,
}

impl StopSignal {
    /// Starts watching SIGINT and SIGTERM; `what_now` is printed when the
    /// first arrives (what the tool is finishing).
    pub fn watch(what_now: &'static str) -> std::io::Result<Self> {
        let token = CancellationToken::new();
        let first = Arc::new(AtomicU8::new(0));
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::spawn({
            let (token, first) = (token.clone(), first.clone());
            async move {
                let number = next(&mut interrupt, &mut terminate).await;
                first.store(number, Ordering::SeqCst);
                eprintln!("\nstopping: {what_now} (send the signal again to quit at once)");
                token.cancel();
                let again = next(&mut interrupt, &mut terminate).await;
                std::process::exit(128 + i32::from(again));
            }
        });
        Ok(Self { token, first })
    }

    /// Cancelled on the first signal.
    pub fn token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// The exit code of a run the signal stopped: 128 + its number.
    pub fn exit_code(&self) -> ExitCode {
        let number = match self.first.load(Ordering::SeqCst) {
            0 => libc_number::SIGINT,
            n => n,
        };
        ExitCode::from(128 + number)
    }
}

/// The number of the next SIGINT or SIGTERM.
async fn next(interrupt: &mut Signal, terminate: &mut Signal) -> u8 {
    tokio::select! {
        _ = interrupt.recv() => libc_number::SIGINT,
        _ = terminate.recv() => libc_number::SIGTERM,
    }
}

/// The two signal numbers, the same on every Linux architecture (and in
/// POSIX's table), spelt out rather than pulling in libc for two constants.
mod libc_number {
    pub const SIGINT: u8 = 2;
    pub const SIGTERM: u8 = 15;
}
