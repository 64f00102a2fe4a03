//! Bytes an `AsyncRead` wrapper holds back and releases to its reader later (the socket
//! wrappers that rewrite a request line or a response head).

use tokio::io::ReadBuf;

/// Copies what is left of `out[*pos..]` into `buf`; `true` when it copied anything. Once all
/// of `out` is released it is cleared and `*pos` reset, so `out` can be refilled.
pub fn release_into(out: &mut Vec<u8>, pos: &mut usize, buf: &mut ReadBuf<'_>) -> bool {
    if *pos >= out.len() {
        return false;
    }
    let n = (out.len() - *pos).min(buf.remaining());
    buf.put_slice(&out[*pos..*pos + n]);
    *pos += n;
    if *pos == out.len() {
        out.clear();
        *pos = 0;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_in_pieces_then_resets() {
        let (mut out, mut pos) = (b"hello".to_vec(), 0);
        let mut mem = [0u8; 3];
        let mut buf = ReadBuf::new(&mut mem);
        assert!(release_into(&mut out, &mut pos, &mut buf));
        assert_eq!(buf.filled(), b"hel");
        let mut mem = [0u8; 8];
        let mut buf = ReadBuf::new(&mut mem);
        assert!(release_into(&mut out, &mut pos, &mut buf));
        assert_eq!(buf.filled(), b"lo");
        assert!(out.is_empty() && pos == 0);
        assert!(!release_into(&mut out, &mut pos, &mut buf));
    }
}
