//! Faults on demand, the way a resilience test needs them: latency, random 5xx from a chosen
//! set (each in the service's own error shape, with `Transaction-Id`), and a rate limit per
//! endpoint and caller answering 429 with `Retry-After`. With `--seed` the draws come from a
//! seeded generator, so the same sequence of requests meets the same faults. `/sandbox/v1/*`
//! is never faulted: tests must be able to reach the controls.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use super::fallback::{self, Service};
use super::{Config, Sandbox, transaction_id};

/// Rate-limit windows kept before old ones are dropped, so that many callers stay bounded.
const MAX_WINDOWS: usize = 10_000;
/// The token request body read to learn the caller (an API key or refresh token).
const MAX_TOKEN_BODY: usize = 64 * 1024;

pub struct Faults {
    rng: Mutex<StdRng>,
    windows: Mutex<HashMap<(String, u64), (Instant, u32)>>,
}

impl Faults {
    pub fn new(config: &Config) -> Self {
        let rng = match config.seed {
            // A stream of its own: faults do not shift the identifiers a seed reproduces.
            Some(s) => StdRng::seed_from_u64(s ^ 0x5eed_fa17),
            None => StdRng::from_os_rng(),
        };
        Self {
            rng: Mutex::new(rng),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// The injected status for the next request, if any.
    fn draw(&self, rate: f64, statuses: &[u16]) -> Option<StatusCode> {
        if rate <= 0.0 || statuses.is_empty() {
            return None;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        let fail = rng.random_bool(rate.clamp(0.0, 1.0));
        let pick = statuses[rng.random_range(0..statuses.len())];
        drop(rng);
        fail.then(|| StatusCode::from_u16(pick).ok()).flatten()
    }

    /// Counts a request in its window; `Some(seconds to wait)` once over `limit`.
    fn over_limit(
        &self,
        endpoint: String,
        caller: u64,
        (limit, window): (u32, Duration),
    ) -> Option<u64> {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > MAX_WINDOWS {
            windows.retain(|_, w| w.0.elapsed() < window);
        }
        let w = windows
            .entry((endpoint, caller))
            .or_insert((Instant::now(), 0));
        if w.0.elapsed() >= window {
            *w = (Instant::now(), 0);
        }
        w.1 += 1;
        let left = window.saturating_sub(w.0.elapsed());
        (w.1 > limit).then(|| left.as_secs_f64().ceil() as u64)
    }
}

fn hash(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// Who is calling: the credentials of the request, hashed (never kept in clear). For the token
/// endpoint that is the API key or refresh token of the form, so the body is read (bounded).
async fn caller(req: Request) -> Result<(Request, u64), Response> {
    if let Some(auth) = req.headers().get("authorization") {
        if req.uri().path() != "/identity/token" {
            let h = hash(auth.as_bytes());
            return Ok((req, h));
        }
    }
    if req.uri().path() != "/identity/token" {
        return Ok((req, 0));
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_TOKEN_BODY).await else {
        let tid = transaction_id(&parts.headers);
        return Err(fallback::error(
            Service::Token,
            StatusCode::PAYLOAD_TOO_LARGE,
            &tid,
        ));
    };
    let who = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "apikey" || k == "refresh_token")
        .map_or(0, |(_, v)| hash(v.as_bytes()));
    Ok((Request::from_parts(parts, Body::from(bytes)), who))
}

/// Route layer: latency, rate limit, then random failures; the handler otherwise.
pub async fn inject(State(sb): State<Arc<Sandbox>>, req: Request, next: Next) -> Response {
    let service = Service::of(req.uri().path());
    if service == Service::Sandbox {
        return next.run(req).await;
    }
    if let Some(d) = sb.config.latency {
        tokio::time::sleep(d).await;
    }
    let mut req = req;
    if let Some(limit) = sb.config.rate_limit {
        let endpoint = format!(
            "{} {}",
            req.method(),
            req.extensions()
                .get::<MatchedPath>()
                .map_or(req.uri().path(), MatchedPath::as_str)
        );
        let (r, who) = or_respond!(caller(req).await);
        req = r;
        if let Some(wait) = sb.faults.over_limit(endpoint, who, limit) {
            let tid = transaction_id(req.headers());
            let r = fallback::error(service, StatusCode::TOO_MANY_REQUESTS, &tid);
            return fallback::with_retry_after(r, wait);
        }
    }
    if let Some(status) = sb
        .faults
        .draw(sb.config.fail_rate, &sb.config.fail_statuses)
    {
        let tid = transaction_id(req.headers());
        let r = fallback::error(service, status, &tid);
        // A drawn 503 or 429 says when to come back, as a real one would; the other statuses
        // carry no Retry-After, so a client's backoff is what a test of them exercises.
        return match status {
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS => {
                fallback::with_retry_after(r, 1)
            }
            _ => r,
        };
    }
    next.run(req).await
}

/// Outer layer: one log line per request (method, path without query, status, time).
pub async fn log(State(sb): State<Arc<Sandbox>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    // The path only: query strings are never logged, whatever they carry.
    let path = req.uri().path().to_owned();
    let response = next.run(req).await;
    if let Some(log) = &sb.log {
        let us = started.elapsed().as_micros();
        log(&format!(
            "{method} {path} {} {}.{:03}ms",
            response.status().as_u16(),
            us / 1000,
            us % 1000
        ));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_reproduces_the_draws() {
        let config = Config {
            seed: Some(3),
            ..Config::default()
        };
        let statuses = [500, 502, 503, 504];
        let draws = |f: &Faults| (0..50).map(|_| f.draw(0.3, &statuses)).collect::<Vec<_>>();
        let a = draws(&Faults::new(&config));
        assert_eq!(a, draws(&Faults::new(&config)));
        assert!(a.iter().any(Option::is_none) && a.iter().any(Option::is_some));
        assert!(a.iter().flatten().all(|s| statuses.contains(&s.as_u16())));
    }

    #[test]
    fn windows_are_per_endpoint_and_caller() {
        let f = Faults::new(&Config::default());
        let one = (1, Duration::from_secs(60));
        assert!(f.over_limit("GET /a".into(), 1, one).is_none());
        assert_eq!(f.over_limit("GET /a".into(), 1, one), Some(60));
        assert!(f.over_limit("GET /a".into(), 2, one).is_none());
        assert!(f.over_limit("GET /b".into(), 1, one).is_none());
    }
}
