//! Retry policy: which failures are retried and how long to wait before the next attempt.

use std::time::{Duration, SystemTime};

use super::attempt::Attempt;
use crate::http::Response;
use crate::model::{Backoff, Retry, RetryOn};

/// Whether this failed attempt is one the policy retries (an empty list: any failure).
pub fn applies(on: &[RetryOn], attempt: &Attempt) -> bool {
    if on.is_empty() {
        return true;
    }
    let status = attempt.response().map(|r| r.status);
    on.iter().any(|o| match (o, status) {
        (RetryOn::Network, None) => attempt.network_failure(),
        (RetryOn::Status(code), Some(s)) => s == *code,
        (RetryOn::Class(c), Some(s)) => s / 100 == *c,
        _ => false,
    })
}

/// The wait before attempt `n + 1`: `Retry-After` on a 429 or 503 wins, capped by `max_delay`.
pub fn delay(policy: &Retry, n: u32, response: Option<&Response>) -> Duration {
    if let Some(d) = response
        .filter(|r| matches!(r.status, 429 | 503))
        .and_then(retry_after)
    {
        return d.min(policy.max_delay);
    }
    let base = policy.delay;
    let d = match policy.backoff {
        Backoff::Fixed => base,
        Backoff::Linear => base.saturating_mul(n),
        Backoff::Exponential => {
            base.saturating_mul(2u32.saturating_pow(n.saturating_sub(1).min(30)))
        }
    };
    let d = d.min(policy.max_delay);
    if policy.jitter {
        // Full jitter halves the expected wait but spreads clients that failed together.
        use rand::Rng as _;
        let ms = d.as_millis() as u64;
        Duration::from_millis(rand::rng().random_range(ms / 2..=ms.max(1)))
    } else {
        d
    }
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(r: &Response) -> Option<Duration> {
    let v = r.header("retry-after")?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(backoff: Backoff) -> Retry {
        Retry {
            attempts: 5,
            delay: Duration::from_millis(100),
            backoff,
            jitter: false,
            max_delay: Duration::from_millis(350),
            until: None,
            on: vec![],
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let ms = |b, n| delay(&policy(b), n, None).as_millis();
        assert_eq!((ms(Backoff::Fixed, 1), ms(Backoff::Fixed, 3)), (100, 100));
        assert_eq!(
            (
                ms(Backoff::Linear, 1),
                ms(Backoff::Linear, 3),
                ms(Backoff::Linear, 9)
            ),
            (100, 300, 350)
        );
        assert_eq!(
            (
                ms(Backoff::Exponential, 1),
                ms(Backoff::Exponential, 2),
                ms(Backoff::Exponential, 3)
            ),
            (100, 200, 350)
        );
    }

    #[test]
    fn retry_after_is_honoured_on_429_and_capped() {
        let r = Response::new(
            429,
            "HTTP/1.1".into(),
            vec![("retry-after".into(), "1".into())],
            vec![],
            Duration::ZERO,
        );
        assert_eq!(
            delay(&policy(Backoff::Fixed), 1, Some(&r)),
            Duration::from_millis(350)
        );
        let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(100));
        let r = Response::new(
            503,
            "HTTP/1.1".into(),
            vec![("retry-after".into(), date)],
            vec![],
            Duration::ZERO,
        );
        assert!(retry_after(&r).unwrap() > Duration::from_secs(90));
    }
}
