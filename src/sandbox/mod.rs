//! The sandbox: an embedded emulator of the IBM Cloud endpoints the flagship recipes call
//! (IAM tokens, IAM Identity API keys and service IDs, the SCC Configuration API rules and
//! their attachments), in memory, on loopback. It answers on any host name and routes on the
//! path alone, as the recipes' base URLs vary. docs/sandbox.md lists what it emulates.

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

mod attachments;
mod claims;
mod errors;
mod fallback;
mod faults;
mod iam;
mod identity;
mod jwt;
mod options;
mod paging;
mod rule_check;
mod scc;
mod service_ids;
mod state;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};

pub use options::{parse_clients, parse_fail_statuses, parse_rate_limit};
use state::TokenInfo;

/// Whose API key the sandbox seeds: a service ID (the default, the recommended owner of an
/// automation key) or the account owner's IBMid user.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SeedIdentity {
    #[default]
    Service,
    User,
}

/// What the sandbox is started with.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    /// The seeded API key; generated when `None`.
    pub apikey: Option<String>,
    pub account_id: Option<String>,
    pub token_ttl: Duration,
    /// Lifetime of refresh tokens (they also stop working once exchanged).
    pub refresh_ttl: Duration,
    pub seed: Option<u64>,
    pub latency: Option<Duration>,
    pub fail_rate: f64,
    /// The statuses `fail_rate` draws from.
    pub fail_statuses: Vec<u16>,
    /// Requests per window (a second or a minute) per endpoint and caller.
    pub rate_limit: Option<(u32, Duration)>,
    /// HTTP Basic clients the token endpoint accepts, besides `bx:bx`.
    pub clients: Vec<(String, String)>,
    pub identity: SeedIdentity,
}

/// The statuses `--fail-rate` draws from unless `--fail-status` says otherwise.
pub const DEFAULT_FAIL_STATUSES: [u16; 4] = [500, 502, 503, 504];

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            apikey: None,
            account_id: None,
            token_ttl: Duration::from_secs(3600),
            // UNCONFIRMED: IBM does not document the lifetime of API-key refresh tokens; 30
            // days is what IAM documents for login sessions' refresh tokens.
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            seed: None,
            latency: None,
            fail_rate: 0.0,
            fail_statuses: DEFAULT_FAIL_STATUSES.to_vec(),
            rate_limit: None,
            clients: Vec::new(),
            identity: SeedIdentity::Service,
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
    faults: faults::Faults,
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

/// Why the sandbox did not start: the configuration is refused (a usage error) or the
/// address cannot be bound (an environment failure).
#[derive(Debug)]
pub enum StartError {
    Invalid(String),
    Bind(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Invalid(m) | Self::Bind(m) => f.write_str(m),
        }
    }
}

/// Starts the sandbox on the current tokio runtime.
pub async fn start(config: Config, log: Option<LogSink>) -> Result<Handle, StartError> {
    if !config.addr.ip().is_loopback() {
        return Err(StartError::Invalid(format!(
            "the sandbox listens on loopback only, not {}",
            config.addr.ip()
        )));
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| StartError::Bind(format!("cannot listen on {}: {e}", config.addr)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Bind(e.to_string()))?;
    let mut st = state::State::new(config.seed);
    let account_id = config.account_id.clone().unwrap_or_else(|| st.hex(32));
    let apikey_generated = config.apikey.is_none();
    let apikey = config.apikey.clone().unwrap_or_else(|| st.apikey_value());
    let seed_iam_id = seed_identities(&mut st, &account_id, config.identity);
    st.add_apikey(
        apikey.clone(),
        "apiflow-sandbox-seed",
        &seed_iam_id,
        &account_id,
        &seed_iam_id,
        Some("seeded by apiflow sandbox".into()),
    );
    let faults = faults::Faults::new(&config);
    let sandbox = Arc::new(Sandbox {
        config,
        state: Mutex::new(st),
        signer: iam::signer(),
        log,
        faults,
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

/// The account owner (an IBMid user) and a service ID named `apiflow-sandbox`; returns the
/// IAM ID the seed key authenticates.
fn seed_identities(st: &mut state::State, account_id: &str, who: SeedIdentity) -> String {
    let owner = format!("IBMid-{}", st.hex(10).to_uppercase());
    let ims_user_id = st.ims_user_id();
    st.users.insert(
        owner.clone(),
        state::User {
            account_id: account_id.to_owned(),
            email: "owner@sandbox.example.com".into(),
            given_name: "Sandbox".into(),
            family_name: "Owner".into(),
            ims_user_id,
        },
    );
    let service = st.add_service_id(
        account_id,
        "apiflow-sandbox",
        Some("seeded by apiflow sandbox".into()),
        &owner,
    );
    match who {
        SeedIdentity::Service => format!("iam-{service}"),
        SeedIdentity::User => owner,
    }
}

fn router(sb: Arc<Sandbox>) -> Router {
    let serviceids = post(service_ids::create).get(service_ids::list);
    Router::new()
        .route("/identity/token", post(iam::token))
        .route("/identity/keys", get(iam::keys))
        .route("/v1/apikeys", post(identity::create).get(identity::list))
        .route("/v1/apikeys/details", get(identity::details))
        .route(
            "/v1/apikeys/{id}",
            get(identity::get)
                .put(identity::update)
                .delete(identity::delete),
        )
        .route(
            "/v1/apikeys/{id}/lock",
            post(identity::lock).delete(identity::unlock),
        )
        .route("/v1/serviceids", serviceids.clone())
        .route("/v1/serviceids/", serviceids)
        .route(
            "/v1/serviceids/{id}",
            get(service_ids::get)
                .put(service_ids::update)
                .delete(service_ids::delete),
        )
        .route(
            "/v1/serviceids/{id}/lock",
            post(service_ids::lock).delete(service_ids::unlock),
        )
        .route("/config/v1/rules", post(scc::create).get(scc::list))
        .route(
            "/config/v1/rules/{id}",
            get(scc::get).put(scc::update).delete(scc::delete),
        )
        .route(
            "/config/v1/rules/{id}/attachments",
            post(attachments::create).get(attachments::list),
        )
        .route(
            "/config/v1/rules/{id}/attachments/{attachment_id}",
            get(attachments::get)
                .put(attachments::update)
                .delete(attachments::delete),
        )
        .route("/sandbox/v1/revoke-tokens", post(revoke_tokens))
        .route("/sandbox/v1/stats", get(stats))
        .method_not_allowed_fallback(fallback::method_not_allowed)
        .fallback(fallback::not_found)
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::clone(&sb),
            faults::inject,
        ))
        .layer(axum::middleware::from_fn(fallback::shape_rejections))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&sb),
            faults::log,
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

/// The credentials of an `Authorization: <scheme> <credentials>` header; scheme names are
/// case-insensitive (RFC 9110 §11.1).
pub(crate) fn credentials<'h>(headers: &'h HeaderMap, scheme: &str) -> Option<&'h str> {
    let value = headers.get("authorization")?.to_str().ok()?.trim();
    let (name, rest) = value.split_once(' ')?;
    name.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

impl Sandbox {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, state::State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bearer(&self, headers: &HeaderMap) -> Option<TokenInfo> {
        let token = credentials(headers, "Bearer")?;
        self.lock().token(token)
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

/// Sandbox-only: invalidates every issued access token, to test recovery from a 401.
async fn revoke_tokens(State(sb): State<Arc<Sandbox>>) -> StatusCode {
    sb.lock().tokens.clear();
    StatusCode::NO_CONTENT
}

/// Sandbox-only: counters for tests, and the account owner's IAM ID (to create user keys).
async fn stats(State(sb): State<Arc<Sandbox>>) -> axum::Json<serde_json::Value> {
    let state = sb.lock();
    axum::Json(serde_json::json!({
        "token_requests": state.token_requests,
        "apikeys": state.apikeys.len(),
        "service_ids": state.service_ids.len(),
        "rules": state.rules.len(),
        "attachments": state.rules.values().map(|r| r.attachments.len()).sum::<usize>(),
        "users": state.users.keys().collect::<Vec<_>>(),
    }))
}
