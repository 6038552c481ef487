//! IAM: `POST /identity/token` (API-key and refresh-token grants, Basic authentication of
//! registered clients, rotating refresh tokens), RS256 access tokens whose claims agree with
//! `expires_in`/`expiration`, and `GET /identity/keys` with the public key.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use serde_json::json;

use super::state::{Identity, RefreshInfo, TokenInfo, now_secs};
use super::{Sandbox, claims, errors};

/// The sandbox's signing key. It is published with apiflow on purpose: sandbox tokens must be
/// verifiable by anyone and trusted by no one.
const SIGNING_KEY: &str = include_str!("signing-key.pem");
/// The modulus of that key, base64url, for `/identity/keys`.
const MODULUS: &str = "ioik-qdN-g06_PEkjsKvcv1EBH48Z_yfAC7I3ytB20yzHd2cR-nVzPmEr50-SI8-A9heC95orEwLUxIZcYX23RinVK2MchQWn_gJgms4Lk_t4tacwAoAClbMjqN6nSeiLHaVTZQCviB6vRYoqqF1O1QT-OsU6iNd6iV38XlvynpR50-1Sg1etA0GolInC66aXTy49R8_-XoDZduoJCa3lyysn_Y3RkwhRGsioxAVsU2Nio-nf_94P4tsgtiC-MYAZBbBAb5giDpgf2flbYy8Uc6WS6WEmFYCJ5Am9RvGs5FQ_iH_zor4p6Bfalt_SBC7j0vUOTHf4DtB3Opc-u3fGw";
pub const KEY_ID: &str = "20261128-sandbox";

pub const APIKEY_GRANT: &str = "urn:ibm:params:oauth:grant-type:apikey";

pub fn signer() -> super::jwt::Signer {
    super::jwt::Signer::from_pem(SIGNING_KEY, KEY_ID)
        .expect("the embedded sandbox key is a valid RSA PEM")
}

pub async fn keys() -> axum::Json<serde_json::Value> {
    axum::Json(json!({
        "keys": [{ "kty": "RSA", "n": MODULUS, "e": "AQAB", "alg": "RS256", "kid": KEY_ID, "use": "sig" }]
    }))
}

/// The well-known client of IBM's CLI, always registered.
pub const DEFAULT_CLIENT: (&str, &str) = ("bx", "bx");

/// UNCONFIRMED: IAM's answer to wrong client credentials is not captured. The sandbox answers
/// as OAuth 2.0 says (RFC 6749 §5.2: 401 for a failed Authorization header), in IAM's shape.
const BAD_CLIENT: (StatusCode, &str, &str) = (
    StatusCode::UNAUTHORIZED,
    "BXNIM0400E",
    "The client id or secret is invalid.",
);

/// The client id of the request's HTTP Basic authentication: `Ok(None)` without an
/// `Authorization` header, `Err(())` when one is sent and names no registered client.
fn client(headers: &HeaderMap, registered: &[(String, String)]) -> Result<Option<String>, ()> {
    if !headers.contains_key("authorization") {
        return Ok(None);
    }
    let encoded = super::credentials(headers, "Basic").ok_or(())?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| ())?;
    let text = String::from_utf8(decoded).map_err(|_| ())?;
    let (id, secret) = text.split_once(':').ok_or(())?;
    let known =
        (id, secret) == DEFAULT_CLIENT || registered.iter().any(|(i, s)| i == id && s == secret);
    if known {
        Ok(Some(id.to_owned()))
    } else {
        Err(())
    }
}

/// Whether the body is declared a form, as IAM requires.
fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

pub async fn token(State(sb): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Response {
    let tid = super::transaction_id(&headers);
    let bad = |code: &str, msg: &str, details: Option<&str>| {
        errors::iam(StatusCode::BAD_REQUEST, code, msg, details, &tid)
    };
    if !is_form(&headers) {
        // UNCONFIRMED: IAM's JAX-RS layer answers other media types with its generic
        // exception, as it does a wrong method (BXNIM0060E with the HTTP status as detail).
        return errors::iam(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BXNIM0060E",
            "Generic web application exception.",
            Some("HTTP 415 Unsupported Media Type"),
            &tid,
        );
    }
    let Ok(client) = client(&headers, &sb.config.clients) else {
        let (status, code, msg) = BAD_CLIENT;
        return errors::iam(status, code, msg, None, &tid);
    };
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    if let Some(rt) = field("response_type") {
        if rt.split(',').any(|t| {
            !matches!(
                t.trim(),
                "cloud_iam" | "uaa" | "ims_portal" | "delegated_refresh_token"
            )
        }) {
            return bad(
                "BXNIM0106E",
                "Validation failed: the response_type parameter is invalid. Valid values are cloud_iam, uaa, ims_portal, delegated_refresh_token.",
                None,
            );
        }
    }
    let mut state = sb.lock();
    state.token_requests += 1;
    let now = now_secs();
    let key_id = match field("grant_type") {
        None => {
            return bad(
                "BXNIM0109E",
                "Property missing or empty.",
                Some("Property 'grant_type' is missing or empty."),
            );
        }
        Some(APIKEY_GRANT) => {
            let Some(apikey) = field("apikey") else {
                return bad(
                    "BXNIM0109E",
                    "Property missing or empty.",
                    Some("Property 'apikey' is missing or empty."),
                );
            };
            match state.apikey_by_value(apikey) {
                Some(k) => k.id.clone(),
                None => return bad("BXNIM0415E", "Provided API key could not be found.", None),
            }
        }
        Some("refresh_token") => {
            let Some(rt) = field("refresh_token") else {
                return bad(
                    "BXNIM0109E",
                    "Property missing or empty.",
                    Some("Property 'refresh_token' is missing or empty."),
                );
            };
            // Bound to the client that obtained it and to a live key; spent once exchanged
            // (IAM rotates them) and dead past its expiry. UNCONFIRMED: the status of
            // BXNIM0407E/BXNIM0408E; 400 like every other token-request error.
            let live_key = |id: &str| state.apikeys.contains_key(id);
            match state.refresh_tokens.get(rt) {
                Some(info)
                    if Some(&info.client) != client.as_ref() || !live_key(&info.apikey_id) =>
                {
                    return bad("BXNIM0407E", "The refresh token is invalid.", None);
                }
                Some(info) if info.spent || info.expires <= now => {
                    return bad("BXNIM0408E", "The refresh token is expired.", None);
                }
                Some(info) => {
                    let id = info.apikey_id.clone();
                    if let Some(info) = state.refresh_tokens.get_mut(rt) {
                        info.spent = true;
                    }
                    id
                }
                None => return bad("BXNIM0407E", "The refresh token is invalid.", None),
            }
        }
        Some(other) => {
            return bad(
                "BXNIM0109E",
                "Property missing or empty.",
                Some(&format!("Unsupported grant_type '{other}'.")),
            );
        }
    };
    let key = &state.apikeys[&key_id];
    let (iam_id, account_id) = (key.iam_id.clone(), key.account_id.clone());
    // A key whose identity is gone (never the case through the API) still names a service ID.
    let who = state
        .identity_in(&iam_id, &account_id)
        .unwrap_or_else(|| Identity::ServiceId {
            id: iam_id.trim_start_matches("iam-").to_owned(),
            name: "apiflow-sandbox".into(),
        });
    let ttl = sb.config.token_ttl.as_secs().max(1);
    let exp = now + ttl;
    let jti = state.uuid();
    // IAM issues usable refresh tokens to clients that authenticate (such as `bx:bx`).
    let refresh_token = match &client {
        Some(client) => {
            state.prune_refresh_tokens();
            let rt = state.opaque(64);
            let expires = now + sb.config.refresh_ttl.as_secs().max(1);
            state.refresh_tokens.insert(
                rt.clone(),
                RefreshInfo {
                    apikey_id: key_id,
                    client: client.clone(),
                    expires,
                    spent: false,
                },
            );
            rt
        }
        None => "not_supported".to_owned(),
    };
    // RSA signing is the expensive part: done without holding the state lock, so concurrent
    // token requests sign in parallel.
    drop(state);
    let client_id = client.as_deref().unwrap_or("default");
    let issue = claims::Issue {
        iam_id: &iam_id,
        account_id: &account_id,
        client_id,
        jti: &jti,
        iat: now,
        exp,
    };
    let access_token = match sb.signer.sign(&claims::claims(&who, &issue)) {
        Ok(t) => t,
        Err(e) => {
            return errors::iam(
                StatusCode::INTERNAL_SERVER_ERROR,
                "BXNIM0001E",
                &format!("signing failed: {e}"),
                None,
                &tid,
            );
        }
    };
    sb.lock().add_token(
        access_token.clone(),
        TokenInfo {
            iam_id,
            account_id,
            expires: exp,
        },
    );
    let body = claims::response(&who, access_token, refresh_token, ttl, exp);
    errors::with_tid(StatusCode::OK, body, &tid)
}
