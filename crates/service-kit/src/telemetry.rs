//! Logging, set up once per process: `RUST_LOG` filters, text on a terminal,
//! JSON lines in containers. Logs go to stderr; stdout is kept for the lines
//! other programs read (such as the address a service listens on).
//!
//! Every line written while a request is served ends with that request's
//! `request_id` and `trace_id` ([`storefront_wire::serving`]): in text as
//! two more `key=value` fields, in JSON as two more top-level keys.

use std::fmt::{self, Write as _};
use std::io::IsTerminal;

use serde::{Deserialize, Serialize};
use storefront_wire::serving::Serving;
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::FmtContext;
use tracing_subscriber::fmt::format::{self, FormatEvent, FormatFields, Writer};
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => Err(format!("unknown log format `{other}` (text or json)")),
        }
    }
}

/// Installs the global subscriber; a second call is a no-op.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only on a terminal: escape codes have no place in a log file,
    // and painting every field cost a served request about 1 % of the
    // gateway's CPU (docs/BENCHMARKS.md, "The cost of metrics and request ids").
    let ansi = std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder
            .event_format(WithRequestIds::text(format::format().with_ansi(ansi)))
            .try_init(),
        LogFormat::Json => builder
            .json()
            .event_format(WithRequestIds::json(format::format().json()))
            .try_init(),
    };
}

/// Writes each line as `inner` does, then adds the ids of the request
/// being served, if any (see the module documentation). The line is built
/// in a buffer first, which costs only lines actually written; a span per
/// request, the usual way, cost every request (see [`storefront_wire::serving`]).
pub struct WithRequestIds<F> {
    inner: F,
    format: LogFormat,
}

impl<F> WithRequestIds<F> {
    /// Around a text formatter, whose lines end in a line break.
    pub fn text(inner: F) -> Self {
        Self {
            inner,
            format: LogFormat::Text,
        }
    }

    /// Around a JSON formatter, whose lines are one object and a line break.
    pub fn json(inner: F) -> Self {
        Self {
            inner,
            format: LogFormat::Json,
        }
    }
}

impl<S, N, F> FormatEvent<S, N> for WithRequestIds<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        if Serving::with_current(|_| ()).is_none() {
            return self.inner.format_event(ctx, writer, event);
        }
        let mut line = String::with_capacity(256);
        self.inner
            .format_event(ctx, Writer::new(&mut line), event)?;
        let with = Serving::with_current(|serving| with_ids(&line, serving, self.format));
        writer.write_str(with.as_deref().unwrap_or(&line))
    }
}

/// `line`, as the inner formatter wrote it, with the ids of `serving`
/// added. A line not of the expected shape is left as it is rather than
/// broken.
fn with_ids(line: &str, serving: &Serving, format: LogFormat) -> String {
    let (body, close) = match format {
        LogFormat::Text => (line.strip_suffix('\n'), "\n"),
        LogFormat::Json => (line.strip_suffix("}\n"), "}\n"),
    };
    let Some(body) = body else {
        return line.to_owned();
    };
    let mut out = String::with_capacity(line.len() + 96);
    out.push_str(body);
    let trace_id = serving.trace.trace_id_hex();
    match format {
        LogFormat::Text => {
            if let Some(id) = serving.request_id() {
                let _ = write!(out, " request_id={id}");
            }
            let _ = write!(out, " trace_id={trace_id}");
        }
        LogFormat::Json => {
            if let Some(id) = serving.request_id() {
                // A header value: printable, but it may hold a quote.
                let _ = write!(out, ",\"request_id\":{}", serde_json::Value::from(id));
            }
            let _ = write!(out, ",\"trace_id\":\"{trace_id}\"");
        }
    }
    out.push_str(close);
    out
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use http::HeaderValue;

    use super::*;

    /// What one `info!` line looks like, written while serving a request
    /// with `request_id` (or outside any request).
    async fn written(format: LogFormat, request_id: Option<&str>, serving: bool) -> String {
        let sink = Arc::new(Mutex::new(Vec::new()));
        let make_writer = {
            let sink = sink.clone();
            move || SinkWriter(sink.clone())
        };
        let builder = tracing_subscriber::fmt()
            .with_writer(make_writer)
            .with_ansi(false);
        let _default = match format {
            LogFormat::Text => tracing::subscriber::set_default(
                builder
                    .event_format(WithRequestIds::text(format::format().with_ansi(false)))
                    .finish(),
            ),
            LogFormat::Json => tracing::subscriber::set_default(
                builder
                    .json()
                    .event_format(WithRequestIds::json(format::format().json()))
                    .finish(),
            ),
        };
        let id = request_id.map(|id| HeaderValue::from_str(id).unwrap());
        let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let context = Serving::for_request(Some(traceparent), id.as_ref());
        if serving {
            context
                .scope(async { tracing::info!(status = 200, "served") })
                .await;
        } else {
            tracing::info!(status = 200, "served");
        }
        String::from_utf8(sink.lock().unwrap().clone()).unwrap()
    }

    struct SinkWriter(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for SinkWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

    #[tokio::test]
    async fn a_text_line_written_while_serving_ends_with_both_ids() {
        let line = written(LogFormat::Text, Some("r-1"), true).await;
        assert!(
            line.ends_with(&format!(
                "served status=200 request_id=r-1 trace_id={TRACE_ID}\n"
            )),
            "{line:?}"
        );
        let without_id = written(LogFormat::Text, None, true).await;
        assert!(
            without_id.ends_with(&format!("status=200 trace_id={TRACE_ID}\n")),
            "{without_id:?}"
        );
    }

    #[tokio::test]
    async fn a_json_line_written_while_serving_gains_both_keys_and_stays_json() {
        let line = written(LogFormat::Json, Some(r#"quote"and\back"#), true).await;
        let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["request_id"], r#"quote"and\back"#, "{line}");
        assert_eq!(parsed["trace_id"], TRACE_ID, "{line}");
        assert_eq!(parsed["fields"]["message"], "served", "{line}");
        assert_eq!(parsed["fields"]["status"], 200, "{line}");
        assert_eq!(line.matches('\n').count(), 1, "one line: {line:?}");
    }

    #[tokio::test]
    async fn lines_written_outside_a_request_are_unchanged() {
        for format in [LogFormat::Text, LogFormat::Json] {
            let line = written(format, Some("r-1"), false).await;
            assert!(!line.contains("trace_id"), "{line:?}");
            assert!(line.ends_with('\n'), "{line:?}");
        }
    }

    #[test]
    fn a_line_of_an_unexpected_shape_is_left_alone() {
        let serving = Serving::for_request(None, None);
        assert_eq!(
            with_ids("no line break", &serving, LogFormat::Text),
            "no line break"
        );
        assert_eq!(with_ids("[1]\n", &serving, LogFormat::Json), "[1]\n");
    }
}
