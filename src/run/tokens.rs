//! Token providers: fetched on first use, one fetch for many concurrent askers (single-flight),
//! shared by every workflow of the run that declares the same provider, renewed once the
//! configured share of the lifetime has passed (with the refresh-token grant when one was
//! issued), and renewed once more when a request comes back 401.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use sha2::Digest as _;

use crate::http::{Hop, PreparedBody, PreparedRequest, Response, SendPolicy, Session, Transport};
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

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Token {
    access: String,
    refresh: Option<String>,
    #[serde(with = "unix_seconds")]
    renew_after: Option<SystemTime>,
}

/// The run's tokens, keyed by provider identity; optionally kept on disk between runs.
#[derive(Default)]
pub struct TokenStore {
    entries: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Token>>>>>,
    cache_dir: Option<std::path::PathBuf>,
}

impl TokenStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps tokens in `dir` (one file per provider identity, mode 0600) so that repeated runs
    /// within a token's lifetime do not ask the token endpoint again.
    pub fn with_cache(dir: std::path::PathBuf) -> Self {
        Self {
            cache_dir: Some(dir),
            ..Self::default()
        }
    }

    fn cache_path(&self, key: &str) -> Option<std::path::PathBuf> {
        self.cache_dir
            .as_ref()
            .map(|d| d.join(format!("{key}.json")))
    }

    fn read_cache(&self, key: &str, secrets: &Redactor) -> Option<Token> {
        let path = self.cache_path(key)?;
        // A regular file of a sane size only: the cache folder may be shared or tampered with.
        let meta = std::fs::symlink_metadata(&path).ok()?;
        if !meta.is_file() || meta.len() > 1024 * 1024 {
            return None;
        }
        let text = std::fs::read_to_string(&path).ok()?;
        let token: Token = serde_json::from_str(&text).ok()?;
        secrets.add(&token.access);
        if let Some(r) = &token.refresh {
            secrets.add(r);
        }
        Some(token)
    }

    /// Best effort: a cache that cannot be written only costs a token request next time.
    fn write_cache(&self, key: &str, token: &Token) {
        let Some(path) = self.cache_path(key) else {
            return;
        };
        let Ok(text) = serde_json::to_string(token) else {
            return;
        };
        let Some(dir) = path.parent() else { return };
        // The folder is private (0700) and the file is written under a random name created
        // exclusively (0600), then renamed: a link planted at a predictable name is never
        // followed.
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt as _;
            builder.mode(0o700);
        }
        if builder.create(dir).is_err() {
            return;
        }
        let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) else {
            return;
        };
        use std::io::Write as _;
        if tmp.write_all(text.as_bytes()).is_ok() {
            let _ = tmp.persist(&path);
        }
    }

    fn entry(&self, key: &str) -> Arc<tokio::sync::Mutex<Option<Token>>> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(entries.entry(key.to_owned()).or_default())
    }

    /// A valid token; `stale` is a token a server just refused with 401, to be replaced
    /// (unless another request already replaced it).
    pub async fn token(
        &self,
        session: &Session,
        secrets: &Redactor,
        provider: &ProviderRequest,
        stale: Option<&str>,
        hops: &mut Vec<Hop>,
    ) -> Result<String, String> {
        let key = provider.key();
        let entry = self.entry(&key);
        // Held across the fetch: concurrent askers wait for the one fetch in flight.
        let mut slot = entry.lock().await;
        if slot.is_none() {
            *slot = self.read_cache(&key, secrets);
        }
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
                    .fetch(session, secrets, &grant, provider.refresh_at, hops)
                    .await
                {
                    let access = t.access.clone();
                    self.write_cache(&key, &t);
                    *slot = Some(t);
                    return Ok(access);
                }
            }
        }
        let token = self
            .fetch(session, secrets, provider, provider.refresh_at, hops)
            .await?;
        let access = token.access.clone();
        self.write_cache(&key, &token);
        *slot = Some(token);
        Ok(access)
    }

    async fn fetch(
        &self,
        session: &Session,
        secrets: &Redactor,
        p: &ProviderRequest,
        refresh_at: f64,
        hops: &mut Vec<Hop>,
    ) -> Result<Token, String> {
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
        let sent = SystemTime::now();
        // The token endpoint gets no cookies from the jar, and its redirects are followed with
        // the session's rules (a 307 to another origin never re-posts the key).
        let policy = SendPolicy {
            follow_redirects: true,
            max_redirects: crate::model::DEFAULT_MAX_REDIRECTS,
            max_body: 1024 * 1024,
            send_jar_cookies: false,
        };
        let response = match session.send(&request, &policy, secrets).await {
            Ok(exchange) => {
                let response = exchange.response().cloned();
                hops.extend(exchange.hops);
                match response {
                    Some(r) => r,
                    None => return Err(format!("auth provider `{}`: no response", p.name)),
                }
            }
            Err(e) => {
                hops.extend(e.exchange.hops);
                return Err(format!(
                    "auth provider `{}`: token request failed: {}",
                    p.name, e.error
                ));
            }
        };
        register_token_fields(&response, secrets);
        parse_token(&p.name, &response, sent, refresh_at, secrets)
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
    secrets: &Redactor,
) -> Result<Token, String> {
    let json = response.json();
    if !(200..300).contains(&response.status) {
        // Redacted before the cut: a cut secret would show its first characters.
        let detail = json
            .map(|j| provider_error(j, secrets))
            .unwrap_or_else(|| crate::check::excerpt(&secrets.redact(&response.text()), 200));
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
fn provider_error(json: &serde_json::Value, secrets: &Redactor) -> String {
    let s = |k: &str| json.get(k).and_then(|v| v.as_str());
    match (
        s("errorCode"),
        s("errorMessage"),
        s("error"),
        s("error_description"),
    ) {
        (Some(code), msg, _, _) => format!("{code} {}", msg.unwrap_or("")).trim().to_owned(),
        (None, _, Some(err), desc) => format!("{err} {}", desc.unwrap_or("")).trim().to_owned(),
        _ => crate::check::excerpt(&secrets.redact(&json.to_string()), 200),
    }
}

mod unix_seconds {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    pub fn serialize<S: serde::Serializer>(
        t: &Option<SystemTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let secs = t
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_secs());
        serde::Serialize::serialize(&secs, s)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<SystemTime>, D::Error> {
        let secs: Option<u64> = serde::Deserialize::deserialize(d)?;
        Ok(secs.map(|s| UNIX_EPOCH + Duration::from_secs(s)))
    }
}
