//! The lab client: N concurrent sessions, each on one keep-alive connection,
//! that query products and buy them, then check that every order they were
//! given reads back exactly as placed.
//!
//! Modes: `mixed` (query a random product, buy it with probability `p` if in
//! stock), `query` (a series of queries of one product) and `buy` (a series
//! of buys of one product).

mod session;
mod stats;

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use storefront_wire::KeepAliveConnection;
use storefront_wire::api::ProductListing;

pub use stats::{Report, RequestKind, SessionStats};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Query a random product; if in stock, buy it with probability `p`.
    Mixed,
    /// Query one product repeatedly.
    Query,
    /// Buy one product repeatedly.
    Buy,
}

#[derive(Debug, Clone, Args)]
pub struct ClientOptions {
    /// The gateway to talk to.
    #[arg(
        long,
        default_value = "http://127.0.0.1:8080",
        env = "STOREFRONT_TARGET"
    )]
    pub target: String,
    /// Concurrent sessions, each on its own keep-alive connection.
    #[arg(long, default_value_t = 5)]
    pub sessions: usize,
    /// Iterations per session (one query, maybe a buy, in `mixed` mode).
    #[arg(long, default_value_t = 100)]
    pub iterations: u64,
    /// Probability of buying after a query that shows stock (`mixed` mode).
    /// Also read from the variable `p`, as the lab's own client did.
    #[arg(long, env = "p", default_value_t = 0.5, value_parser = probability)]
    pub p: f64,
    #[arg(long, value_enum, default_value_t = Mode::Mixed)]
    pub mode: Mode,
    /// Product for the `query` and `buy` modes.
    #[arg(long, default_value = "Tux")]
    pub product: String,
    /// Units per buy: `N`, or `LO..HI` for a number drawn for each buy (the
    /// lab's client bought a random quantity).
    #[arg(long, default_value = "1", value_parser = BuyQuantity::parse)]
    pub quantity: BuyQuantity,
    /// Random seed, for a repeatable sequence of choices.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Longest wait for one reply (e.g. 500ms, 10s); a slower one counts as failed.
    #[arg(long, default_value = "10s", value_parser = seconds)]
    pub timeout: Duration,
}

/// How many units each buy asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuyQuantity {
    low: u32,
    high: u32,
}

impl BuyQuantity {
    /// `N` or `LO..HI` (both ends in), each at least 1.
    fn parse(text: &str) -> Result<Self, String> {
        let number = |n: &str| {
            n.trim()
                .parse::<u32>()
                .ok()
                .filter(|&n| n >= 1)
                .ok_or_else(|| format!("`{text}`: a quantity is a whole number from 1, or LO..HI"))
        };
        let (low, high) = match text.split_once("..") {
            Some((low, high)) => (number(low)?, number(high)?),
            None => (number(text)?, number(text)?),
        };
        if low > high {
            return Err(format!("`{text}`: the low end is above the high end"));
        }
        Ok(Self { low, high })
    }

    /// The quantity of one buy.
    pub fn pick(&self, rng: &mut impl rand::Rng) -> u32 {
        rng.random_range(self.low..=self.high)
    }
}

/// `250ms`, `10s` or a plain number of seconds.
fn seconds(text: &str) -> Result<Duration, String> {
    let parse = |n: &str| n.parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0);
    let value = if let Some(ms) = text.strip_suffix("ms") {
        parse(ms).map(|v| v / 1000.0)
    } else {
        parse(text.strip_suffix('s').unwrap_or(text))
    };
    value
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("`{text}` is not a duration such as 500ms or 10s"))
}

fn probability(text: &str) -> Result<f64, String> {
    let p: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err("p must be from 0 to 1".into())
    }
}

/// Runs every session to the end and returns the combined report.
pub async fn run(options: ClientOptions) -> anyhow::Result<Report> {
    if options.sessions == 0 {
        bail!("--sessions must be at least 1");
    }
    let names = product_names(&options.target, options.timeout).await?;
    if names.is_empty() && options.mode == Mode::Mixed {
        bail!("the store has no products to query");
    }
    let seed = options.seed.unwrap_or_else(rand::random);
    let started = Instant::now();
    let tasks: Vec<_> = (0..options.sessions)
        .map(|i| {
            let options = options.clone();
            let names = names.clone();
            tokio::spawn(session::run(options, names, seed.wrapping_add(i as u64)))
        })
        .collect();
    let mut report = Report::new(&options);
    for task in tasks {
        report.absorb(task.await.context("a session panicked")?);
    }
    report.finish(started.elapsed());
    Ok(report)
}

async fn product_names(target: &str, timeout: Duration) -> anyhow::Result<Vec<String>> {
    let mut connection = KeepAliveConnection::connect_with_timeout(target, timeout).await?;
    let response = connection.get("/products").await?;
    if !response.status.is_success() {
        bail!(
            "GET /products answered {}: {}",
            response.status,
            response.text()
        );
    }
    let listing: storefront_wire::Data<Vec<ProductListing>> =
        response.json().context("GET /products: unexpected reply")?;
    Ok(listing.data.into_iter().map(|p| p.name).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_one_number_or_a_range() {
        assert_eq!(BuyQuantity::parse("3"), Ok(BuyQuantity { low: 3, high: 3 }));
        assert_eq!(
            BuyQuantity::parse("1..10"),
            Ok(BuyQuantity { low: 1, high: 10 })
        );
        for bad in ["0", "", "2..1", "1..", "a..b", "-1", "0..3"] {
            assert!(BuyQuantity::parse(bad).is_err(), "{bad}");
        }
        let range = BuyQuantity::parse("2..4").unwrap();
        let mut rng = rand::rng();
        let picks: std::collections::BTreeSet<u32> =
            (0..200).map(|_| range.pick(&mut rng)).collect();
        assert_eq!(picks, [2, 3, 4].into());
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(seconds("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(seconds("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(seconds("2").unwrap(), Duration::from_secs(2));
        for bad in ["", "0", "-1s", "ten", "1h"] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn p_must_be_a_probability() {
        assert_eq!(probability("0.3").unwrap(), 0.3);
        assert!(probability("1.5").is_err());
        assert!(probability("x").is_err());
    }
}
