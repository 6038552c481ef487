//! Token providers: fetched on first use, one fetch for many concurrent askers (single-flight),
//! shared by every workflow of the run that declares the same provider, renewed once the
//! configured share of the lifetime has passed (with the refresh-token grant when one was
//! issued), and renewed once more when a request comes back 401.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use sha2::Digest as _;

use super::outcome::Exchange;
use crate::http::{HttpClient, PreparedBody, PreparedRequest, Response, Transport};
use crate::secrets::Redactor;

/// A provider with its templates rendered: what identifies it and how to ask for a token.
#[derive(Clone, Debug)]
pub struct ProviderRequest {
    pub name: String,
    pub token_url: String,
    pub grant_type: String,
    pub params: Vec<(String, String)>,
    pub client: Option<(String, String)>,
    pub scope: Option<String>,
    pub refresh_at: f64,
}

impl ProviderRequest {
    /// A hash of everything that identifies the provider; never the raw key.
    pub fn key(&self) -> String {
        let mut h = sha2::Sha256::new();
        for part in [&self.token_url, &self.grant_type] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        for (k, v) in &self.params {
            h.update(k.as_bytes());
            h.update([1]);
            h.update(v.as_bytes());
            h.update([0]);
        }
        if let Some((id, secret)) = &self.client {
            h.update(id.as_bytes());
            h.update([1]);
            h.update(secret.as_bytes());
        }
        h.update(self.scope.as_deref().unwrap_or("").as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[derive(Clone, Debug)]
struct Token {
    access: String,
    refresh: Option<String>,
    renew_after: Option<SystemTime>,
}

/// The run's tokens, keyed by provider identity.
#[derive(Default)]
pub struct TokenStore {
    entries: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Token>>>>>,
    fetches: std::sync::atomic::AtomicUsize,
}

impl TokenStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many token requests were sent (for tests and reports).
    pub fn fetch_count(&self) -> usize {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn entry(&self, key: &str) -> Arc<tokio::sync::Mutex<Option<Token>>> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(entries.entry(key.to_owned()).or_default())
    }

    /// A valid token; `stale` is a token a server just refused with 401, to be replaced
    /// (unless another request already replaced it).
    pub async fn token(
        &self,
        http: &HttpClient,
        secrets: &Redactor,
        provider: &ProviderRequest,
        stale: Option<&str>,
        on_exchange: &(dyn Fn(&Exchange, Option<&str>) + Send + Sync),
    ) -> Result<String, String> {
        let entry = self.entry(&provider.key());
        // Held across the fetch: concurrent askers wait for the one fetch in flight.
        let mut slot = entry.lock().await;
        if let Some(token) = slot.as_ref() {
            let refused = stale == Some(token.access.as_str());
            let fresh = token.renew_after.is_none_or(|t| SystemTime::now() < t);
            if !refused && fresh {
                return Ok(token.access.clone());
            }
            if let Some(refresh) = token.refresh.clone() {
                let mut grant = provider.clone();
                grant.grant_type = "refresh_token".into();
                grant.params = vec![("refresh_token".into(), refresh)];
                if let Ok(t) = self
                    .fetch(http, secrets, &grant, provider.refresh_at, on_exchange)
                    .await
                {
                    let access = t.access.clone();
                    *slot = Some(t);
                    return Ok(access);
                }
            }
        }
        let token = self
            .fetch(http, secrets, provider, provider.refresh_at, on_exchange)
            .await?;
        let access = token.access.clone();
        *slot = Some(token);
        Ok(access)
    }

    async fn fetch(
        &self,
        http: &HttpClient,
        secrets: &Redactor,
        p: &ProviderRequest,
        refresh_at: f64,
        on_exchange: &(dyn Fn(&Exchange, Option<&str>) + Send + Sync),
    ) -> Result<Token, String> {
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let url = url::Url::parse(&p.token_url).map_err(|e| {
            format!(
                "auth provider `{}`: invalid token_url `{}`: {e}",
                p.name, p.token_url
            )
        })?;
        // Built in its own scope: the serializer is not `Send` and must not live across an await.
        let form = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", &p.grant_type);
            for (k, v) in &p.params {
                secrets.add(v);
                form.append_pair(k, v);
            }
            if let Some(scope) = &p.scope {
                form.append_pair("scope", scope);
            }
            form.finish()
        };
        let mut headers = vec![("Accept".to_owned(), "application/json".to_owned())];
        if let Some((id, secret)) = &p.client {
            secrets.add(secret);
            headers.push((
                "Authorization".into(),
                super::prepare::basic_header(id, secret, secrets),
            ));
        }
        let request = PreparedRequest {
            method: "POST".into(),
            url,
            headers,
            body: PreparedBody::Bytes {
                bytes: form.into_bytes(),
                content_type: Some("application/x-www-form-urlencoded"),
            },
            timeout: Some(Duration::from_secs(30)),
            transport: Transport::default(),
        };
        let request = Arc::new(request);
        let sent = SystemTime::now();
        let response = match http.send(&request).await {
            Ok(r) => Arc::new(r),
            Err(e) => {
                let msg = format!("auth provider `{}`: token request failed: {e}", p.name);
                on_exchange(
                    &Exchange {
                        request,
                        response: None,
                    },
                    Some(&msg),
                );
                return Err(msg);
            }
        };
        register_token_fields(&response, secrets);
        on_exchange(
            &Exchange {
                request,
                response: Some(Arc::clone(&response)),
            },
            None,
        );
        parse_token(&p.name, &response, sent, refresh_at)
    }
}

/// Token responses carry secrets in well-known fields: register them before anything prints.
pub fn register_token_fields(response: &Response, secrets: &Redactor) {
    if let Some(serde_json::Value::Object(map)) = response.json() {
        for (k, v) in map {
            if crate::secrets::is_sensitive_field(k) {
                // `not_supported` is IAM's placeholder for "no refresh token", not a secret.
                if let Some(s) = v.as_str().filter(|s| *s != "not_supported") {
                    secrets.add(s);
                }
            }
        }
    }
}

fn parse_token(
    name: &str,
    response: &Response,
    sent: SystemTime,
    refresh_at: f64,
) -> Result<Token, String> {
    let json = response.json();
    if !(200..300).contains(&response.status) {
        let detail = json
            .map(provider_error)
            .unwrap_or_else(|| crate::run::check::excerpt(&response.text(), 200));
        return Err(format!(
            "auth provider `{name}`: the token endpoint answered {}: {detail}",
            response.status
        ));
    }
    let json =
        json.ok_or_else(|| format!("auth provider `{name}`: the token response is not JSON"))?;
    let access = json
        .get("access_token")
        .and_then(|v| v.as_str())
        .ok_or_else(|| format!("auth provider `{name}`: the token response has no `access_token`"))?
        .to_owned();
    let refresh = json
        .get("refresh_token")
        .and_then(|v| v.as_str())
        .filter(|r| !r.is_empty() && *r != "not_supported")
        .map(str::to_owned);
    let lifetime = json
        .get("expires_in")
        .and_then(|v| v.as_u64())
        .map(Duration::from_secs)
        .or_else(|| {
            let exp = json.get("expiration")?.as_u64()?;
            let at = SystemTime::UNIX_EPOCH + Duration::from_secs(exp);
            at.duration_since(sent).ok()
        });
    Ok(Token {
        access,
        refresh,
        renew_after: lifetime.map(|l| sent + l.mul_f64(refresh_at)),
    })
}

/// The provider's own words: IAM's `errorCode`/`errorMessage`, OAuth2's `error`/`error_description`.
fn provider_error(json: &serde_json::Value) -> String {
    let s = |k: &str| json.get(k).and_then(|v| v.as_str());
    match (
        s("errorCode"),
        s("errorMessage"),
        s("error"),
        s("error_description"),
    ) {
        (Some(code), msg, _, _) => format!("{code} {}", msg.unwrap_or("")).trim().to_owned(),
        (None, _, Some(err), desc) => format!("{err} {}", desc.unwrap_or("")).trim().to_owned(),
        _ => crate::run::check::excerpt(&json.to_string(), 200),
    }
}
