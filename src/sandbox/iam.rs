//! IAM: `POST /identity/token` (API-key and refresh-token grants, optional Basic client
//! authentication), RS256 access tokens whose claims agree with `expires_in`/`expiration`,
//! and `GET /identity/keys` with the public key.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use serde_json::json;

use super::Sandbox;
use super::errors;
use super::state::{RefreshInfo, TokenInfo, now_secs};

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

pub async fn wrong_method(headers: HeaderMap) -> Response {
    let tid = super::transaction_id(&headers);
    errors::iam(
        StatusCode::METHOD_NOT_ALLOWED,
        "BXNIM0060E",
        "Generic web application exception.",
        Some("HTTP 405 Method Not Allowed"),
        &tid,
    )
}

/// The client id of an HTTP Basic client authentication, if one was sent and is well-formed.
fn basic_client(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    (!id.is_empty() && !secret.is_empty()).then(|| id.to_owned())
}

pub async fn token(State(sb): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Response {
    let tid = super::transaction_id(&headers);
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let bad = |code: &str, msg: &str, details: Option<&str>| {
        errors::iam(StatusCode::BAD_REQUEST, code, msg, details, &tid)
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
    let client = basic_client(&headers);
    let mut state = sb.state.lock().unwrap_or_else(|e| e.into_inner());
    state.token_requests += 1;
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
            // A refresh token is bound to the client that obtained it, and to a live key.
            match state.refresh_tokens.get(rt) {
                Some(info)
                    if Some(&info.client) == client.as_ref()
                        && state.apikeys.contains_key(&info.apikey_id) =>
                {
                    info.apikey_id.clone()
                }
                _ => return bad("BXNIM0407E", "The refresh token is invalid.", None),
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
    let iat = now_secs();
    let ttl = sb.config.token_ttl.as_secs().max(1);
    let exp = iat + ttl;
    let jti = state.uuid();
    let sub = iam_id.trim_start_matches("iam-").to_owned();
    let client_id = client.clone().unwrap_or_else(|| "default".to_owned());
    let claims = json!({
        "iam_id": iam_id,
        "id": iam_id,
        "realmid": "iam",
        "jti": jti,
        "identifier": sub,
        "name": "apiflow-sandbox",
        "sub": sub,
        "sub_type": "ServiceId",
        "authn": { "sub": sub, "iam_id": iam_id, "sub_type": "ServiceId", "name": "apiflow-sandbox" },
        "account": { "valid": true, "bss": account_id, "frozen": true },
        "iat": iat,
        "exp": exp,
        "iss": "https://iam.cloud.ibm.com/identity",
        "grant_type": APIKEY_GRANT,
        "scope": "ibm openid",
        "client_id": client_id,
        "acr": 1,
        "amr": ["pwd"]
    });
    // RSA signing is the expensive part: done without holding the state lock, so concurrent
    // token requests sign in parallel.
    drop(state);
    let access_token = match sb.signer.sign(&claims) {
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
    let mut state = sb.state.lock().unwrap_or_else(|e| e.into_inner());
    state.tokens.insert(
        access_token.clone(),
        TokenInfo {
            iam_id,
            account_id,
            expires: exp,
        },
    );
    // IAM issues usable refresh tokens to clients that authenticate (such as `bx:bx`).
    let refresh_token = match client {
        Some(client) => {
            let rt = state.opaque(64);
            state.refresh_tokens.insert(
                rt.clone(),
                RefreshInfo {
                    apikey_id: key_id,
                    client,
                },
            );
            rt
        }
        None => "not_supported".to_owned(),
    };
    let body = json!({
        "access_token": access_token,
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "expires_in": ttl,
        "expiration": exp,
        "scope": "ibm openid"
    });
    errors::with_tid(StatusCode::OK, body, &tid)
}
