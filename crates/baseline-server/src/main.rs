//! The same-run baseline for benchmarks: a minimal hyper HTTP/1.1 server that
//! answers every request with one fixed product as JSON. It does no routing,
//! parsing or I/O beyond the socket, so its throughput is the ceiling that
//! the gateway's figures are compared against on the same machine, in the
//! same run, with the same load generator.
//!
//! Usage: `storefront-baseline-server [ADDR]` (default `127.0.0.1:9090`).

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The one reply, shaped like the gateway's `GET /products/Tux`.
const BODY: &[u8] = br#"{"data":{"name":"Tux","price":15.99,"quantity":100}}"#;

const DEFAULT_ADDR: &str = "127.0.0.1:9090";

fn main() -> std::process::ExitCode {
    let arg = std::env::args().nth(1);
    let text = arg.as_deref().unwrap_or(DEFAULT_ADDR);
    let addr: SocketAddr = match text.parse() {
        Ok(addr) => addr,
        Err(e) => {
            eprintln!("baseline: bad listen address `{text}`: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("baseline: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(addr)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("baseline: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(addr: SocketAddr) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "baseline listening on http://{bound}")?;
        stdout.flush()?;
    }

    let mut http = hyper::server::conn::http1::Builder::new();
    http.keep_alive(true);
    loop {
        let (stream, _peer) = match listener.accept().await {
            Ok(pair) => pair,
            Err(e) => {
                // Usually EMFILE under overload: back off instead of spinning.
                eprintln!("baseline: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let connection = http.serve_connection(TokioIo::new(stream), service_fn(reply));
        tokio::spawn(async move {
            // A client closing its socket mid-request is normal under load.
            let _ = connection.await;
        });
    }
}

async fn reply(_request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut response = Response::new(Full::new(Bytes::from_static(BODY)));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}
