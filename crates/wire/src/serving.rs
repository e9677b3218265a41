//! What a task knows of the request it is serving: its W3C trace context
//! and the `x-request-id` the gateway gave it, kept in a task-local while
//! the request is served.
//!
//! Two readers, so no handler passes either along: [`crate::ServiceClient`]
//! sends `traceparent` on every peer call, and the services' log formatter
//! adds both ids to every line written while serving.
//!
//! Why a task-local and not a `tracing` span: a span's fields are formatted
//! by the log subscriber when it opens, for every request, and the span is
//! entered and left on every poll; together that cost about 14 % of the
//! gateway's query throughput. The task-local costs a copy per poll, and
//! the ids are formatted only into lines actually written
//! (docs/BENCHMARKS.md, "The cost of metrics and request ids").
//!
//! A task spawned while serving starts without it: work that outlives a
//! request (the group-commit writer, the reconciler) is not that request's.
//! Work spawned for the request itself takes it along with [`Serving::carry`].

use std::future::Future;

use http::HeaderValue;
use tokio::task::futures::TaskLocalFuture;

use crate::trace_context::TraceContext;

/// The longest `x-request-id` logged; the gateway's own are 32 characters.
pub const MAX_LOGGED_REQUEST_ID: usize = 128;

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct Serving {
    /// This request's place in its trace.
    pub trace: TraceContext,
    /// The request's id as the caller sent it, if it sent one that is
    /// printable and at most [`MAX_LOGGED_REQUEST_ID`] long. A header
    /// value, so taking it from the request copies no bytes.
    pub request_id: Option<HeaderValue>,
}

tokio::task_local! {
    static SERVING: Serving;
}

impl Serving {
    /// What is known of a request from its `traceparent` and `x-request-id`.
    pub fn for_request(traceparent: Option<&str>, request_id: Option<&HeaderValue>) -> Self {
        let request_id = request_id
            .filter(|id| id.len() <= MAX_LOGGED_REQUEST_ID && id.to_str().is_ok())
            .cloned();
        Self {
            trace: TraceContext::for_request(traceparent),
            request_id,
        }
    }

    /// The request id as text (checked printable when it was taken).
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_ref().and_then(|id| id.to_str().ok())
    }

    /// Runs `work` as serving this request.
    pub fn scope<F: Future>(self, work: F) -> TaskLocalFuture<Self, F> {
        SERVING.scope(self, work)
    }

    /// `work`, to be spawned on behalf of the request this task is serving
    /// (if any), as serving it too: its log lines and peer calls carry the
    /// request's ids.
    pub fn carry<F: Future>(work: F) -> impl Future<Output = F::Output> {
        let current = Self::with_current(Self::clone);
        async move {
            match current {
                Some(serving) => serving.scope(work).await,
                None => work.await,
            }
        }
    }

    /// `read` applied to the request this task is serving, if it is
    /// serving one.
    pub fn with_current<R>(read: impl FnOnce(&Self) -> R) -> Option<R> {
        SERVING.try_with(read).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_current_request_is_the_scoped_one() {
        assert!(Serving::with_current(|_| ()).is_none());
        let id = HeaderValue::from_static("abc");
        let serving = Serving::for_request(None, Some(&id));
        let trace = serving.trace;
        let seen = serving
            .scope(async {
                Serving::with_current(|s| (s.trace, s.request_id().map(str::to_owned)))
            })
            .await;
        assert_eq!(seen, Some((trace, Some("abc".to_owned()))));
        assert_eq!(TraceContext::current(), None, "only inside the scope");
    }

    #[tokio::test]
    async fn a_task_spawned_with_carry_serves_the_same_request() {
        let serving = Serving::for_request(None, None);
        let trace = serving.trace;
        let (carried, bare) = serving
            .scope(async {
                let carried = tokio::spawn(Serving::carry(async { TraceContext::current() }));
                let bare = tokio::spawn(async { TraceContext::current() });
                (carried.await.unwrap(), bare.await.unwrap())
            })
            .await;
        assert_eq!(carried, Some(trace));
        assert_eq!(bare, None);
        let outside = Serving::carry(async { TraceContext::current() }).await;
        assert_eq!(outside, None);
    }

    #[test]
    fn an_overlong_or_unprintable_request_id_is_not_kept() {
        let long = HeaderValue::from_str(&"x".repeat(MAX_LOGGED_REQUEST_ID + 1)).unwrap();
        let unprintable = HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap();
        let fits = HeaderValue::from_str(&"x".repeat(MAX_LOGGED_REQUEST_ID)).unwrap();
        assert_eq!(Serving::for_request(None, Some(&long)).request_id(), None);
        assert_eq!(
            Serving::for_request(None, Some(&unprintable)).request_id(),
            None
        );
        assert!(
            Serving::for_request(None, Some(&fits))
                .request_id()
                .is_some()
        );
    }
}
