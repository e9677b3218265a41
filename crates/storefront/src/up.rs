//! `storefront up`: every role as its own OS process on loopback. Starts
//! them in dependency order (catalog, orders, carts, gateway), prints where
//! they are and the admin token, restarts any that dies, and stops them all
//! on Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use storefront_service_kit::shutdown;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;

use storefront_gateway::CustomerAuth;

use crate::cli::Role;
use crate::config::Config;

/// Prints a line to stdout, ignoring a closed pipe: `up` keeps supervising
/// even if whoever read its banner has gone (`storefront up | head`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// How long a role has to announce itself before `up` gives up on it.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// A role that stays up this long is considered healthy again.
const STABLE_AFTER: Duration = Duration::from_secs(10);

/// How to (re)start one role.
#[derive(Debug, Clone)]
struct RoleSpec {
    role: Role,
    listen: SocketAddr,
    config_file: Option<PathBuf>,
    data_dir: PathBuf,
    catalog_url: String,
    orders_url: String,
    carts_url: String,
    seed_file: Option<PathBuf>,
    admin_token: String,
    /// Set for the gateway when the configuration names none.
    token_secret: Option<String>,
}

pub async fn up(config: Config, config_file: Option<PathBuf>) -> anyhow::Result<()> {
    let started = Instant::now();
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data folder {}", config.data_dir.display()))?;
    let data_dir = std::fs::canonicalize(&config.data_dir)?;
    let shutdown = shutdown::on_signal();
    let generated_token = config.gateway.admin_token.is_none();
    let admin_token = config
        .gateway
        .admin_token
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    // The admin token may change from one `up` to the next; customers'
    // secrets must not, so they get a key of their own kept with the data.
    let token_secret = match &config.auth.token_secret {
        Some(_) => None,
        None => Some(token_secret_in(&data_dir)?),
    };

    let mut spec = RoleSpec {
        role: Role::Catalog,
        listen: config.catalog.listen,
        config_file,
        data_dir: data_dir.clone(),
        catalog_url: config.catalog.url.clone(),
        orders_url: config.orders.url.clone(),
        carts_url: config.carts.url.clone(),
        seed_file: config.catalog.seed_file.clone(),
        admin_token,
        token_secret,
    };
    let mut running = Vec::new();
    for role in Role::ALL {
        spec.role = role;
        spec.listen = config.listen(role);
        let (child, address) = match start(&spec).await {
            Ok(started) => started,
            Err(e) => {
                stop_all(running).await;
                return Err(e);
            }
        };
        // Restarts reuse the address actually bound, so peers keep finding it.
        spec.listen = address;
        match role {
            Role::Catalog => spec.catalog_url = format!("http://{address}"),
            Role::Orders => spec.orders_url = format!("http://{address}"),
            Role::Carts => spec.carts_url = format!("http://{address}"),
            Role::Gateway => {}
        }
        running.push((spec.clone(), child));
    }

    say!("Storefront is up in {} ms:", started.elapsed().as_millis());
    for (spec, child) in &running {
        say!(
            "  {:<8} http://{}  (pid {})",
            spec.role.name(),
            spec.listen,
            child.id().unwrap_or_default()
        );
    }
    if let Some((gateway, _)) = running.iter().find(|(spec, _)| spec.role == Role::Gateway) {
        say!("  shop     http://{}/shop  (in a browser)", gateway.listen);
        say!(
            "  admin    http://{}/admin  (sign in with the admin token)",
            gateway.listen
        );
    }
    match &config.database_url {
        Some(url) => say!(
            "  data     {}",
            storefront_service_kit::database::redact_password(url)
        ),
        None => say!("  data     {}", data_dir.display()),
    }
    if generated_token {
        say!(
            "  admin    token {} (set STOREFRONT_ADMIN_TOKEN to choose one)",
            spec.admin_token
        );
    }
    match config.auth.customers {
        CustomerAuth::Tokens => {
            say!("  customers need a token for their carts and orders (POST /customers makes one)")
        }
        CustomerAuth::Open => say!(
            "  WARNING: auth.customers = \"open\": anyone can read and change any customer's cart and orders"
        ),
    }
    say!("Clients use the gateway. Press Ctrl-C to stop.");

    let supervisors: Vec<_> = running
        .into_iter()
        .map(|(spec, child)| tokio::spawn(supervise(spec, child, shutdown.clone())))
        .collect();
    shutdown.cancelled().await;
    // Children got the signal too when it came from a terminal; SIGTERM makes
    // sure of it. The gateway stops first so no new buys start.
    for supervisor in supervisors.into_iter().rev() {
        let _ = supervisor.await;
    }
    say!("Storefront stopped.");
    Ok(())
}

/// The key `up`'s gateway signs customer tokens and secrets with: made at
/// random the first time, then kept in the data folder (readable by its
/// owner only), so customers' secrets outlive a restart.
fn token_secret_in(data_dir: &std::path::Path) -> anyhow::Result<String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = data_dir.join("token-secret");
    match std::fs::read_to_string(&path) {
        Ok(secret) if !secret.trim().is_empty() => return Ok(secret.trim().to_owned()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(secret.as_bytes())?;
    file.sync_all()?;
    Ok(secret)
}

/// Starts a role and waits for its announcement line.
async fn start(spec: &RoleSpec) -> anyhow::Result<(Child, SocketAddr)> {
    let exe = std::env::current_exe().context("cannot find the storefront executable")?;
    let mut command = Command::new(exe);
    if let Some(file) = &spec.config_file {
        command.arg("--config").arg(file);
    }
    command
        .arg("--data-dir")
        .arg(&spec.data_dir)
        .args([
            "serve",
            spec.role.name(),
            "--listen",
            &spec.listen.to_string(),
        ])
        .args([
            "--catalog-url",
            &spec.catalog_url,
            "--orders-url",
            &spec.orders_url,
            "--carts-url",
            &spec.carts_url,
        ])
        .env("STOREFRONT_ADMIN_TOKEN", &spec.admin_token);
    if let Some(secret) = &spec.token_secret {
        command.env("STOREFRONT_TOKEN_SECRET", secret);
    }
    if let Some(seed) = &spec.seed_file {
        command.arg("--seed-file").arg(seed);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", spec.role.name()))?;

    let stdout = child.stdout.take().context("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let prefix = format!("storefront {} listening on http://", spec.role.name());
    let announced = tokio::time::timeout(START_TIMEOUT, async {
        while let Some(line) = lines.next_line().await? {
            if let Some(address) = line.strip_prefix(&prefix) {
                return Ok(Some(address.parse::<SocketAddr>()?));
            }
        }
        Ok::<_, anyhow::Error>(None)
    })
    .await;
    let address = match announced {
        Ok(Ok(Some(address))) => address,
        Ok(Ok(None)) => {
            let status = child.wait().await?;
            bail!("{} exited before it was ready ({status})", spec.role.name());
        }
        Ok(Err(e)) => return Err(e),
        Err(_) => bail!(
            "{} did not start within {:?}",
            spec.role.name(),
            START_TIMEOUT
        ),
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, address))
}

/// Watches one role: restarts it when it dies, stops it on shutdown.
async fn supervise(spec: RoleSpec, mut child: Child, shutdown: CancellationToken) {
    let mut backoff = Duration::from_millis(100);
    let mut since = Instant::now();
    loop {
        tokio::select! {
            status = child.wait() => {
                if shutdown.is_cancelled() {
                    return;
                }
                let status = status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                if since.elapsed() > STABLE_AFTER {
                    backoff = Duration::from_millis(100);
                }
                tracing::warn!(role = spec.role.name(), %status, ?backoff, "role exited; restarting");
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = shutdown.cancelled() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
                match start(&spec).await {
                    Ok((restarted, _)) => {
                        tracing::info!(role = spec.role.name(), pid = restarted.id().unwrap_or_default(), "role restarted");
                        child = restarted;
                        since = Instant::now();
                    }
                    Err(e) => tracing::error!(role = spec.role.name(), error = format!("{e:#}"), "cannot restart role"),
                }
            }
            () = shutdown.cancelled() => {
                terminate(&mut child).await;
                return;
            }
        }
    }
}

async fn stop_all(running: Vec<(RoleSpec, Child)>) {
    for (_, mut child) in running.into_iter().rev() {
        terminate(&mut child).await;
    }
}

/// SIGTERM, a grace period to drain, then SIGKILL.
async fn terminate(child: &mut Child) {
    if let Some(pid) = child.id() {
        let _ = kill(Pid::from_raw(pid as i32), Signal::SIGTERM);
    }
    if tokio::time::timeout(Duration::from_secs(8), child.wait())
        .await
        .is_err()
    {
        let _ = child.kill().await;
    }
}
