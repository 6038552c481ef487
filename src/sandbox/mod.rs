//! The sandbox: an embedded emulator of the IBM Cloud endpoints the flagship recipes call
//! (IAM tokens, IAM Identity API keys, the SCC Configuration API), in memory, on loopback.
//! It answers on any host name and routes on the path alone, as the recipes' base URLs vary.

// Handlers return early with a ready error response; boxing it would buy nothing.
#![allow(clippy::result_large_err)]

/// The value of an `Ok`, or return the ready error response.
macro_rules! or_respond {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(response) => return response,
        }
    };
}

mod errors;
mod iam;
mod identity;
mod jwt;
mod scc;
mod state;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rand::Rng as _;

use state::TokenInfo;

/// What the sandbox is started with.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    /// The seeded API key; generated when `None`.
    pub apikey: Option<String>,
    pub account_id: Option<String>,
    pub token_ttl: Duration,
    pub seed: Option<u64>,
    pub latency: Option<Duration>,
    pub fail_rate: f64,
    pub rate_limit: Option<u32>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            apikey: None,
            account_id: None,
            token_ttl: Duration::from_secs(3600),
            seed: None,
            latency: None,
            fail_rate: 0.0,
            rate_limit: None,
        }
    }
}

/// Where each request is logged (one line, never a secret).
pub type LogSink = Arc<dyn Fn(&str) + Send + Sync>;

pub struct Sandbox {
    config: Config,
    state: Mutex<state::State>,
    signer: jwt::Signer,
    log: Option<LogSink>,
    window: Mutex<(Instant, u32)>,
}

/// A running sandbox.
pub struct Handle {
    pub base_url: String,
    pub apikey: String,
    pub apikey_generated: bool,
    pub account_id: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Handle {
    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = self.task.await;
    }

    /// The environment variables that point the IBM recipes at this sandbox.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("IBMCLOUD_API_KEY".into(), self.apikey.clone()),
            ("IBMCLOUD_IAM_URL".into(), self.base_url.clone()),
            ("IBMCLOUD_SCC_URL".into(), self.base_url.clone()),
        ]
    }
}

/// Starts the sandbox on the current tokio runtime.
pub async fn start(config: Config, log: Option<LogSink>) -> Result<Handle, String> {
    if !config.addr.ip().is_loopback() {
        return Err(format!(
            "the sandbox listens on loopback only, not {}",
            config.addr.ip()
        ));
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let mut st = state::State::new(config.seed);
    let account_id = config.account_id.clone().unwrap_or_else(|| st.hex(32));
    let apikey_generated = config.apikey.is_none();
    let apikey = config.apikey.clone().unwrap_or_else(|| st.apikey_value());
    let iam_id = format!("iam-ServiceId-{}", st.uuid());
    st.add_apikey(
        apikey.clone(),
        "apiflow-sandbox-seed",
        &iam_id,
        &account_id,
        &iam_id,
        Some("seeded by apiflow sandbox".into()),
    );
    let sandbox = Arc::new(Sandbox {
        config,
        state: Mutex::new(st),
        signer: iam::signer(),
        log,
        window: Mutex::new((Instant::now(), 0)),
    });
    let app = router(Arc::clone(&sandbox));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(Handle {
        base_url: format!("http://{addr}"),
        apikey,
        apikey_generated,
        account_id,
        shutdown: Some(tx),
        task,
    })
}

fn router(sb: Arc<Sandbox>) -> Router {
    Router::new()
        .route("/identity/token", post(iam::token).get(iam::wrong_method))
        .route("/identity/keys", get(iam::keys))
        .route("/v1/apikeys", post(identity::create).get(identity::list))
        .route("/v1/apikeys/details", get(identity::details))
        .route(
            "/v1/apikeys/{id}",
            get(identity::get)
                .put(identity::update)
                .delete(identity::delete),
        )
        .route("/config/v1/rules", post(scc::create).get(scc::list))
        .route(
            "/config/v1/rules/{id}",
            get(scc::get).put(scc::update).delete(scc::delete),
        )
        .route("/sandbox/v1/revoke-tokens", post(revoke_tokens))
        .route("/sandbox/v1/stats", get(stats))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&sb),
            faults_and_log,
        ))
        .with_state(sb)
}

/// The incoming `Transaction-Id`, or a new one.
pub(crate) fn transaction_id(headers: &HeaderMap) -> String {
    headers
        .get("transaction-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("sandbox-{}", uuid::Uuid::new_v4()))
}

/// `http://host` as the client addressed us, for paging links.
pub(crate) fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

impl Sandbox {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, state::State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bearer(&self, headers: &HeaderMap) -> Option<TokenInfo> {
        let value = headers.get("authorization")?.to_str().ok()?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))?;
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .token(token.trim())
    }

    /// IAM REST APIs: a missing or invalid bearer is a 401 BXNIM0308E.
    pub(crate) fn authenticate(
        &self,
        headers: &HeaderMap,
        tid: &str,
    ) -> Result<TokenInfo, Response> {
        self.bearer(headers).ok_or_else(|| {
            let (code, msg) = match headers.get("authorization") {
                None => ("BXNIM0308E", "No authorization header found"),
                Some(_) => ("BXNIM0302E", "The token is invalid or has expired."),
            };
            errors::iam(StatusCode::UNAUTHORIZED, code, msg, None, tid)
        })
    }

    pub(crate) fn authenticate_scc(
        &self,
        headers: &HeaderMap,
        tid: &str,
    ) -> Result<TokenInfo, Response> {
        self.bearer(headers).ok_or_else(|| {
            errors::scc(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "The token is missing, invalid or expired",
                tid,
            )
        })
    }
}

async fn not_found(headers: HeaderMap) -> Response {
    errors::scc(
        StatusCode::NOT_FOUND,
        "not_found",
        "The requested resource was not found",
        &transaction_id(&headers),
    )
}

/// Sandbox-only: invalidates every issued access token, to test recovery from a 401.
async fn revoke_tokens(State(sb): State<Arc<Sandbox>>) -> StatusCode {
    sb.state
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .tokens
        .clear();
    StatusCode::NO_CONTENT
}

/// Sandbox-only: counters for tests.
async fn stats(State(sb): State<Arc<Sandbox>>) -> axum::Json<serde_json::Value> {
    let state = sb.state.lock().unwrap_or_else(|e| e.into_inner());
    axum::Json(serde_json::json!({
        "token_requests": state.token_requests,
        "apikeys": state.apikeys.len(),
        "rules": state.rules.len(),
    }))
}

/// Faults on demand (latency, random 503s, a rate limit with `Retry-After`), then one log line.
async fn faults_and_log(State(sb): State<Arc<Sandbox>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    // The path only: query strings are never logged, whatever they carry.
    let path = req.uri().path().to_owned();
    if let Some(d) = sb.config.latency {
        tokio::time::sleep(d).await;
    }
    let limited = sb.config.rate_limit.is_some_and(|limit| {
        let mut w = sb.window.lock().unwrap_or_else(|e| e.into_inner());
        if w.0.elapsed() >= Duration::from_secs(1) {
            *w = (Instant::now(), 0);
        }
        w.1 += 1;
        w.1 > limit
    });
    let response = if limited {
        let mut r = errors::iam(
            StatusCode::TOO_MANY_REQUESTS,
            "BXNIM0429E",
            "Too many requests.",
            None,
            &transaction_id(req.headers()),
        );
        r.headers_mut()
            .insert("retry-after", HeaderValue::from_static("1"));
        r
    } else if sb.config.fail_rate > 0.0
        && rand::rng().random_bool(sb.config.fail_rate.clamp(0.0, 1.0))
    {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "1")],
            "Service Unavailable",
        )
            .into_response()
    } else {
        next.run(req).await
    };
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
