//! What a heartbeat reply means (OpenClaw's `HEARTBEAT_OK` rule): a reply that starts or ends
//! with `HEARTBEAT_OK` and keeps at most `ackMaxChars` other characters is an acknowledgement
//! and is not delivered; `NO_REPLY` and empty replies are silent too; anything else is
//! delivered (without the token).

/// The acknowledgement token.
pub const HEARTBEAT_OK: &str = "HEARTBEAT_OK";

/// The text to deliver for a heartbeat reply, or `None` when nothing should be sent.
pub fn deliverable(reply: &str, ack_max_chars: usize) -> Option<String> {
    let t = reply.trim();
    if crate::channels::is_silent_reply(t) {
        return None;
    }
    let mut rest = t;
    let mut had_token = false;
    if let Some(r) = rest.strip_prefix(HEARTBEAT_OK) {
        rest = r.trim();
        had_token = true;
    }
    if let Some(r) = rest.strip_suffix(HEARTBEAT_OK) {
        rest = r.trim();
        had_token = true;
    }
    if had_token && rest.chars().count() <= ack_max_chars {
        return None;
    }
    if rest.is_empty() {
        return None;
    }
    Some(rest.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledgements_are_suppressed_and_news_delivered() {
        assert_eq!(deliverable("HEARTBEAT_OK", 300), None);
        assert_eq!(deliverable("  HEARTBEAT_OK\n", 300), None);
        assert_eq!(deliverable("All quiet. HEARTBEAT_OK", 300), None);
        assert_eq!(deliverable("NO_REPLY", 300), None);
        assert_eq!(
            deliverable("Disk is 95% full!", 300).as_deref(),
            Some("Disk is 95% full!")
        );
        assert_eq!(
            deliverable("HEARTBEAT_OK Disk is full", 3).as_deref(),
            Some("Disk is full")
        );
    }
}
