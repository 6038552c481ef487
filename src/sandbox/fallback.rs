//! Which emulated service a path belongs to, and the errors every service answers in its own
//! shape: unknown paths (404), wrong methods (405), injected faults (5xx) and rate limits (429).

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::{errors, transaction_id};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// `/identity/*`: the token endpoint's `{errorCode, errorMessage, context}` body.
    Token,
    /// `/v1/*`: the IAM Identity API's `ExceptionResponse` body.
    Identity,
    /// `/config/*`: the SCC Configuration API's `{trace, errors}` body.
    Scc,
    /// `/sandbox/*`: the sandbox's own controls, never faulted.
    Sandbox,
}

impl Service {
    pub fn of(path: &str) -> Self {
        if path.starts_with("/config/") {
            Self::Scc
        } else if path.starts_with("/sandbox/") {
            Self::Sandbox
        } else if path.starts_with("/v1/") {
            Self::Identity
        } else {
            // Anything else is answered by the IAM host's generic web-application handler,
            // which is what the token endpoint's 405 shows (UNCONFIRMED for other paths).
            Self::Token
        }
    }
}

/// A generic error of `service` for `status`, with `Transaction-Id`.
pub fn error(service: Service, status: StatusCode, tid: &str) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    let details = format!("HTTP {} {reason}", status.as_u16());
    // UNCONFIRMED: IBM's codes for 429 and 5xx are not captured; 405 is (BXNIM0060E with an
    // `HTTP 405 Method Not Allowed` detail), and the others follow its pattern.
    let (iam_code, iam_message) = if status == StatusCode::TOO_MANY_REQUESTS {
        ("BXNIM0429E", "Too many requests.")
    } else {
        ("BXNIM0060E", "Generic web application exception.")
    };
    let code = reason.to_ascii_lowercase().replace([' ', '-'], "_");
    match service {
        Service::Token => errors::iam(status, iam_code, iam_message, Some(&details), tid),
        Service::Identity => errors::identity(status, &code, iam_code, &details, tid),
        Service::Scc | Service::Sandbox => {
            let message = match status {
                StatusCode::NOT_FOUND => "The requested resource was not found".to_owned(),
                _ => details,
            };
            errors::scc(status, &code, &message, tid)
        }
    }
}

/// A 429 or 503 with `Retry-After` (whole seconds).
pub fn with_retry_after(mut response: Response, seconds: u64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&seconds.max(1).to_string()) {
        response.headers_mut().insert("retry-after", v);
    }
    response
}

pub async fn not_found(req: Request) -> Response {
    let tid = transaction_id(req.headers());
    error(Service::of(req.uri().path()), StatusCode::NOT_FOUND, &tid)
}

pub async fn method_not_allowed(req: Request) -> Response {
    let tid = transaction_id(req.headers());
    error(
        Service::of(req.uri().path()),
        StatusCode::METHOD_NOT_ALLOWED,
        &tid,
    )
}

/// Outer layer: a request the extractors refuse (a path or query that is not UTF-8, say) gets
/// axum's plain-text 400; it is answered in the service's own shape instead, like every other
/// error. The handlers themselves never answer in plain text.
pub async fn shape_rejections(req: Request, next: Next) -> Response {
    let service = Service::of(req.uri().path());
    let tid = transaction_id(req.headers());
    let response = next.run(req).await;
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if plain && response.status().is_client_error() {
        return error(service, response.status(), &tid);
    }
    response
}
