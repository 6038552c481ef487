//! Why a request got no response, from reqwest's error: the typed predicates first, then the
//! error chain (hyper's and I/O errors) for what they do not tell apart (a dropped connection,
//! a refused TLS handshake). The message kept is the innermost cause, for people.

use std::time::Duration;

use super::TransportError;

/// Classifies by reqwest's typed predicates; the message is the innermost cause, for people.
pub(super) fn classify(e: &reqwest::Error, timeout: Duration) -> TransportError {
    let cause = root_cause(e);
    if e.is_timeout() {
        TransportError::Timeout(timeout)
    } else if e.is_connect() && tls_refused(e) {
        TransportError::Tls(cause)
    } else if e.is_connect() {
        TransportError::Connect(cause)
    } else if (e.is_body() || e.is_decode()) && dropped(e) {
        TransportError::Body(cause)
    } else if e.is_body() || e.is_decode() {
        TransportError::Decode(cause)
    } else if dropped(e) {
        TransportError::Dropped(cause)
    } else {
        TransportError::Other(cause)
    }
}

/// The connection ended early: closed before the whole message came, or reset. A response
/// that came whole but malformed (an HTTP parse error) is not this, nor is a compressed body
/// cut inside a complete message: its decoder reports an unexpected end too, so an
/// unexpected end counts only below one of hyper's errors (the connection's).
fn dropped(e: &(dyn std::error::Error + 'static)) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut below_hyper = false;
    while let Some(c) = cause {
        if let Some(h) = c.downcast_ref::<hyper::Error>() {
            if h.is_incomplete_message() {
                return true;
            }
            below_hyper = true;
        }
        if c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| match io.kind() {
                ConnectionReset | ConnectionAborted | BrokenPipe => true,
                UnexpectedEof => below_hyper,
                _ => false,
            })
        {
            return true;
        }
        // (hyper turns h2's I/O errors into I/O errors: the h2 errors left are frames.)
        if c.downcast_ref::<h2::Error>().is_some_and(h2_ended_early) {
            return true;
        }
        cause = c.source();
    }
    false
}

/// An HTTP/2 stream the server ended before the response, for a reason that a later attempt
/// may not meet: RST_STREAM or GOAWAY with `REFUSED_STREAM` (the request was not processed),
/// `NO_ERROR` (a graceful shutdown; the stream was past its last one), `CANCEL`,
/// `ENHANCE_YOUR_CALM` (slow down) or `INTERNAL_ERROR` (as a dropped connection is). Not one:
/// a reason saying that the two sides disagree on the protocol (`PROTOCOL_ERROR`,
/// `FLOW_CONTROL_ERROR`, `HTTP_1_1_REQUIRED`, ...), which another attempt meets again, nor a
/// reset h2 sent itself on finding the server broke the protocol.
fn h2_ended_early(e: &h2::Error) -> bool {
    use h2::Reason;
    e.is_remote()
        && e.reason().is_some_and(|r| {
            [
                Reason::NO_ERROR,
                Reason::REFUSED_STREAM,
                Reason::CANCEL,
                Reason::ENHANCE_YOUR_CALM,
                Reason::INTERNAL_ERROR,
            ]
            .contains(&r)
        })
}

/// A handshake the TLS layer refused (a certificate not trusted, no common protocol): rustls
/// reports it as an `InvalidData` I/O error, where a refused or reset connection has a kind
/// of its own. The connector wraps that error in another I/O error, whose `source` skips it,
/// so wrapped I/O errors are opened with `get_ref`.
fn tls_refused(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::InvalidData {
                return true;
            }
            if let Some(inner) = io.get_ref() {
                cause = Some(inner);
                continue;
            }
        }
        cause = c.source();
    }
    false
}

pub(super) fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(s) = cause.source() {
        cause = s;
    }
    cause.to_string()
}
