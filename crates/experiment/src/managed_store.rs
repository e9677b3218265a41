//! A fresh `storefront up` for one cell: its own data folder, free ports,
//! the cell's settings in a config file. Every cell then starts from the
//! same stock and an empty order log, so cells are comparable whatever ran
//! before them.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long the store may take to announce its gateway.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long it may take to stop after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

pub struct ManagedStore {
    child: Child,
    /// `up` leads a process group of its own with its roles, so the whole
    /// store can be signalled at once (and a Ctrl-C at the terminal reaches
    /// the experiment, which stops the store in order).
    group: Pid,
    pub target: String,
    data_dir: PathBuf,
    stopped: bool,
}

impl ManagedStore {
    /// Starts `exe up` with `settings` and waits for its gateway's address.
    /// Its config file and log go to `cell_dir`; its data to a folder there
    /// that is removed when it stops.
    /// `secret_env` is passed as environment variables rather than written
    /// into the config file that stays in the results folder (a database
    /// URL with its password).
    pub async fn start(
        exe: &Path,
        settings: &toml::Table,
        secret_env: &[(&str, &str)],
        cell_dir: &Path,
    ) -> Result<Self, String> {
        let data_dir = cell_dir.join("store-data");
        let _ = std::fs::remove_dir_all(&data_dir);
        let mut config = settings.clone();
        config.insert(
            "data_dir".into(),
            data_dir.to_string_lossy().into_owned().into(),
        );
        for role in ["gateway", "catalog", "orders", "carts"] {
            let table = config
                .entry(role)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(table) = table {
                table
                    .entry("listen")
                    .or_insert_with(|| "127.0.0.1:0".into());
            }
        }
        let config_file = cell_dir.join("store.toml");
        let log_file = cell_dir.join("store.log");
        std::fs::write(&config_file, toml::to_string(&config).unwrap_or_default())
            .map_err(|e| format!("cannot write {}: {e}", config_file.display()))?;
        let log = std::fs::File::create(&log_file)
            .map_err(|e| format!("cannot write {}: {e}", log_file.display()))?;
        let mut command = Command::new(exe);
        command
            .arg("up")
            .arg("--config")
            .arg(&config_file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .process_group(0)
            .kill_on_drop(true);
        // The cell's settings are the whole configuration: none of the
        // experimenter's own STOREFRONT_* variables leak into it.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("STOREFRONT_") {
                command.env_remove(name);
            }
        }
        command.envs(secret_env.iter().copied());
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {} up: {e}", exe.display()))?;
        let group = Pid::from_raw(child.id().unwrap_or_default() as i32);
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut store = Self {
            child,
            group,
            target: String::new(),
            data_dir,
            stopped: false,
        };
        let announced = tokio::time::timeout(START_TIMEOUT, gateway_address(stdout)).await;
        match announced {
            Ok(Some(target)) => {
                store.target = target;
                Ok(store)
            }
            outcome => {
                store.stop().await;
                let log = std::fs::read_to_string(&log_file).unwrap_or_default();
                let last: Vec<&str> = log.lines().rev().take(5).collect();
                let why = if outcome.is_err() {
                    format!("did not announce its gateway within {START_TIMEOUT:?}")
                } else {
                    "exited before it was up".to_owned()
                };
                Err(format!(
                    "the managed store {why}; the end of {}:\n{}",
                    log_file.display(),
                    last.into_iter().rev().collect::<Vec<_>>().join("\n")
                ))
            }
        }
    }

    /// Stops the store (SIGTERM to its group, SIGKILL after a while) and
    /// removes its data.
    pub async fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let _ = killpg(self.group, Signal::SIGTERM);
        if tokio::time::timeout(STOP_TIMEOUT, self.child.wait())
            .await
            .is_err()
        {
            let _ = killpg(self.group, Signal::SIGKILL);
            let _ = self.child.wait().await;
        }
        // Roles that outlived `up` (it was killed) go too.
        let _ = killpg(self.group, Signal::SIGKILL);
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

impl Drop for ManagedStore {
    fn drop(&mut self) {
        if !self.stopped {
            let _ = killpg(self.group, Signal::SIGKILL);
        }
    }
}

/// Reads `up`'s banner up to the line naming the gateway; keeps draining
/// its stdout afterwards so it never blocks on a full pipe.
async fn gateway_address(stdout: tokio::process::ChildStdout) -> Option<String> {
    let mut lines = BufReader::new(stdout).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let mut words = line.split_whitespace();
        if words.next() == Some("gateway")
            && let Some(url) = words.next().filter(|w| w.starts_with("http://"))
        {
            let target = url.to_owned();
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return Some(target);
        }
    }
    None
}
