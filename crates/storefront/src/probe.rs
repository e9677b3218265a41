//! `storefront probe [role] [--ready]`: asks the role running beside it
//! (same configuration, so the same listen address) for `GET /health` over
//! loopback, or with `--ready` for `GET /ready` (its database and peers can
//! be used now). The plain probe is the image's `HEALTHCHECK`, so images
//! need no curl; compose's healthchecks use `--ready`, so a service starts
//! only once the ones it calls can serve.
//!
//! One image serves every role, so the health check cannot name the role:
//! without one, the probe reads the command line of the container's main
//! process (pid 1, `storefront serve <role> [--listen …]`) and parses it
//! with the same flags, so it probes exactly the address that process bound.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use storefront_wire::internal::{Health, Ready};
use storefront_wire::{Data, KeepAliveConnection};

use crate::cli::{Cli, Command, Role};
use crate::config::Config;

/// What to probe: a role and the address it listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeTarget {
    pub role: Role,
    pub listen: SocketAddr,
}

/// Which question the probe asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    /// `GET /health`: the process answers.
    Live,
    /// `GET /ready`: its database and peers can be used now.
    Ready,
}

impl Question {
    fn path(self) -> &'static str {
        match self {
            Self::Live => "/health",
            Self::Ready => "/ready",
        }
    }
}

/// The role `pid 1` serves, with its configuration (its `--config` file and
/// `--listen` flag applied on top of this environment).
pub fn served_by_main_process(env: &HashMap<String, String>) -> anyhow::Result<ProbeTarget> {
    let cmdline = std::fs::read("/proc/1/cmdline").context("cannot read /proc/1/cmdline")?;
    served_by(&cmdline, env)?.context(
        "pid 1 is not `storefront serve <role>`: name the role (`storefront probe catalog`)",
    )
}

/// Parses a NUL-separated command line; `None` if it is not `serve <role>`.
pub fn served_by(
    cmdline: &[u8],
    env: &HashMap<String, String>,
) -> anyhow::Result<Option<ProbeTarget>> {
    let args = cmdline
        .split(|byte| *byte == 0)
        .filter(|arg| !arg.is_empty())
        .map(|arg| String::from_utf8_lossy(arg).into_owned());
    let Ok(cli) = Cli::try_parse_from(args) else {
        return Ok(None);
    };
    let Command::Serve(serve) = cli.command else {
        return Ok(None);
    };
    let config = Config::load(cli.config.as_deref().map(Path::new), env)?;
    Ok(Some(ProbeTarget {
        role: serve.role,
        listen: serve.listen.unwrap_or_else(|| config.listen(serve.role)),
    }))
}

/// A health check must answer, not wait: a hung role is an unhealthy one.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Where to reach a role listening on `listen` from the same host: a
/// wildcard address (`0.0.0.0`, `::`) is reached on loopback.
pub fn probe_address(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

/// Ok when `role` answers the question's path with 200 and its own role
/// name (a different service on that port is not this role being healthy).
pub async fn probe(target: ProbeTarget, question: Question) -> anyhow::Result<()> {
    let ProbeTarget { role, listen } = target;
    let address = probe_address(listen);
    let base = format!("http://{address}");
    let mut connection = KeepAliveConnection::connect_with_timeout(&base, PROBE_TIMEOUT).await?;
    let target = format!("{base}{}", question.path());
    let reply = connection.get(question.path()).await?;
    if !reply.status.is_success() {
        anyhow::bail!("{target} answered {}: {}", reply.status, reply.text());
    }
    let (answered_role, status) = match question {
        Question::Live => reply
            .json::<Data<Health>>()
            .map(|h| (h.data.role, h.data.status)),
        Question::Ready => reply
            .json::<Data<Ready>>()
            .map(|r| (r.data.role, r.data.status)),
    }
    .map_err(|e| anyhow::anyhow!("{target}: unexpected body ({e}): {}", reply.text()))?;
    let expected = match question {
        Question::Live => "ok",
        Question::Ready => "ready",
    };
    if answered_role != role.name() || status != expected {
        anyhow::bail!(
            "{target} is role {answered_role:?} status {status:?}, expected {:?} {expected}",
            role.name()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_listen_addresses_are_probed_on_loopback() {
        let v4: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(probe_address(v4), "127.0.0.1:8080".parse().unwrap());
        let v6: SocketAddr = "[::]:8081".parse().unwrap();
        assert_eq!(probe_address(v6), "[::1]:8081".parse().unwrap());
    }

    fn cmdline(args: &[&str]) -> Vec<u8> {
        args.iter().flat_map(|a| a.bytes().chain([0])).collect()
    }

    #[test]
    fn the_main_process_command_line_names_the_role_and_its_listen_flag() {
        let env = HashMap::new();
        let line = cmdline(&["storefront", "serve", "orders", "--listen", "0.0.0.0:9000"]);
        let target = served_by(&line, &env).unwrap().unwrap();
        assert_eq!(target.role, Role::Orders);
        assert_eq!(target.listen, "0.0.0.0:9000".parse().unwrap());
    }

    #[test]
    fn without_a_listen_flag_the_environment_gives_the_address() {
        let env = HashMap::from([(
            "STOREFRONT_CARTS_LISTEN".to_owned(),
            "0.0.0.0:8083".to_owned(),
        )]);
        let line = cmdline(&["/usr/local/bin/storefront", "serve", "carts"]);
        let target = served_by(&line, &env).unwrap().unwrap();
        assert_eq!(target.role, Role::Carts);
        assert_eq!(target.listen, "0.0.0.0:8083".parse().unwrap());
    }

    #[test]
    fn a_main_process_that_serves_no_role_gives_no_target() {
        let env = HashMap::new();
        assert_eq!(
            served_by(&cmdline(&["storefront", "up"]), &env).unwrap(),
            None
        );
        assert_eq!(served_by(&cmdline(&["sleep", "60"]), &env).unwrap(), None);
    }

    #[test]
    fn specific_listen_addresses_are_probed_as_they_are() {
        let addr: SocketAddr = "10.1.2.3:8082".parse().unwrap();
        assert_eq!(probe_address(addr), addr);
    }
}
