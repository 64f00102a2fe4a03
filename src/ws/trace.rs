//! W3C `traceparent` on protocol-4 `req` frames.
//!
//! A request may carry `traceparent` (at most [`MAX_TRACEPARENT_LEN`] characters). A longer
//! value makes the whole frame invalid (`INVALID_REQUEST`, as OpenClaw's schema says); a value
//! that is not a well-formed W3C trace context is ignored, never an error.

/// Longest `traceparent` a request frame may carry.
pub const MAX_TRACEPARENT_LEN: usize = 128;

/// The parsed parts of a well-formed `traceparent` (`version-traceid-parentid-flags`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceParent {
    /// 32 lower-case hex digits, not all zero.
    pub trace_id: String,
    /// 16 lower-case hex digits, not all zero.
    pub parent_id: String,
    /// Trace flags (`01` = sampled).
    pub flags: u8,
}

fn hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Parses a W3C trace context header value; `None` when malformed (the caller ignores it).
pub fn parse_traceparent(value: &str) -> Option<TraceParent> {
    let mut parts = value.split('-');
    let (version, trace_id, parent_id, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let version_ok = hex(version, 2) && version != "ff";
    // Version 00 has exactly four fields; later versions may append more.
    if !version_ok || (version == "00" && parts.next().is_some()) {
        return None;
    }
    let nonzero = |s: &str| s.bytes().any(|b| b != b'0');
    if !hex(trace_id, 32) || !hex(parent_id, 16) || !hex(flags, 2) {
        return None;
    }
    if !nonzero(trace_id) || !nonzero(parent_id) {
        return None;
    }
    Some(TraceParent {
        trace_id: trace_id.to_string(),
        parent_id: parent_id.to_string(),
        flags: u8::from_str_radix(flags, 16).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_and_malformed_values() {
        let t =
            parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
        assert_eq!(t.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(t.parent_id, "00f067aa0ba902b7");
        assert_eq!(t.flags, 1);
        for bad in [
            "",
            "garbage",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        ] {
            assert_eq!(parse_traceparent(bad), None, "{bad}");
        }
    }
}
