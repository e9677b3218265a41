//! W3C Trace Context: the `traceparent` header that ties one client
//! request to everything the services do for it.
//!
//! Each service reads the caller's `traceparent` (or starts a new trace)
//! and keeps the context while the request is served ([`crate::serving`]),
//! so its log lines carry the trace id and [`crate::ServiceClient`] sends
//! every peer call on with the same trace id and this request as the
//! parent, without each handler passing it along.
//!
//! Format (<https://www.w3.org/TR/trace-context/>):
//! `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`, lower case,
//! neither id all zeros. A later version may append fields after the
//! flags; they are ignored, as the specification asks.

use std::fmt;

use crate::serving::Serving;

/// The header's name.
pub const TRACEPARENT_HEADER: &str = "traceparent";

/// One request's place in a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceContext {
    /// The whole trace's id, shared by every service that works on it.
    pub trace_id: u128,
    /// This request's own id: the parent of the calls it makes.
    pub span_id: u64,
    /// The caller's sampling decision (bit 0 of the flags), passed on.
    pub sampled: bool,
}

impl TraceContext {
    /// The context of a request that arrived with `traceparent` (if it is
    /// valid): the caller's trace, with a new id for this request. Without
    /// one, a new trace begins here, sampled.
    pub fn for_request(traceparent: Option<&str>) -> Self {
        let span_id = nonzero(rand::random::<u64>);
        match traceparent.and_then(parse) {
            Some(parent) => Self {
                trace_id: parent.trace_id,
                span_id,
                sampled: parent.sampled,
            },
            None => Self {
                trace_id: nonzero(rand::random::<u128>),
                span_id,
                sampled: true,
            },
        }
    }

    /// The trace id as the header writes it (32 lower-case hex digits),
    /// which is how log lines show it; formatted where it is written, with
    /// no string of its own.
    pub fn trace_id_hex(&self) -> TraceIdHex {
        TraceIdHex(self.trace_id)
    }

    /// The `traceparent` value for a call this request makes.
    pub fn header(&self) -> String {
        self.to_string()
    }

    /// The context of the request being served by this task, if any.
    pub fn current() -> Option<Self> {
        Serving::with_current(|serving| serving.trace)
    }
}

impl fmt::Display for TraceContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{:032x}-{:016x}-{:02x}",
            self.trace_id,
            self.span_id,
            u8::from(self.sampled)
        )
    }
}

/// A trace id, displayed as 32 lower-case hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceIdHex(u128);

impl fmt::Display for TraceIdHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// A valid `traceparent`, or `None` (the request then starts a new trace,
/// as the specification asks of a malformed header).
fn parse(header: &str) -> Option<TraceContext> {
    let mut fields = header.trim().split('-');
    let version = fields.next()?;
    let trace_id = fields.next()?;
    let parent_id = fields.next()?;
    let flags = fields.next()?;
    let well_formed = |field: &str, len: usize| {
        field.len() == len
            && field
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    let known_version = version == "00";
    if !well_formed(version, 2)
        || version == "ff"
        || !well_formed(trace_id, 32)
        || !well_formed(parent_id, 16)
        || !well_formed(flags, 2)
        || (known_version && fields.next().is_some())
    {
        return None;
    }
    let trace_id = u128::from_str_radix(trace_id, 16).ok()?;
    let parent_id = u64::from_str_radix(parent_id, 16).ok()?;
    let flags = u8::from_str_radix(flags, 16).ok()?;
    (trace_id != 0 && parent_id != 0).then_some(TraceContext {
        trace_id,
        span_id: parent_id,
        sampled: flags & 1 == 1,
    })
}

/// A random id that is not zero (zero means "invalid" in the header).
fn nonzero<T: PartialEq + From<u8>>(random: impl Fn() -> T) -> T {
    loop {
        let id = random();
        if id != T::from(0) {
            return id;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_valid_parent_keeps_its_trace_and_sampling_and_gets_a_new_span() {
        let context = TraceContext::for_request(Some(EXAMPLE));
        assert_eq!(
            context.trace_id_hex().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_ne!(context.span_id, 0x00f0_67aa_0ba9_02b7);
        assert!(context.sampled);
        let unsampled = EXAMPLE.replace("-01", "-00");
        assert!(!TraceContext::for_request(Some(&unsampled)).sampled);
    }

    #[test]
    fn the_header_round_trips() {
        let context = TraceContext::for_request(None);
        let header = context.header();
        assert_eq!(header.len(), 55, "{header}");
        assert_eq!(parse(&header), Some(context));
    }

    #[test]
    fn malformed_headers_start_a_new_trace() {
        let zeros = "00-00000000000000000000000000000000-00f067aa0ba902b7-01";
        let zero_parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01";
        let upper = EXAMPLE.to_uppercase();
        let short = "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01";
        let extra_on_00 = format!("{EXAMPLE}-extra");
        let forbidden_version = EXAMPLE.replacen("00", "ff", 1);
        for bad in [
            "",
            "garbage",
            zeros,
            zero_parent,
            &upper,
            short,
            &extra_on_00,
            &forbidden_version,
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_later_version_may_append_fields() {
        let later = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever";
        assert!(parse(later).is_some());
    }
}
