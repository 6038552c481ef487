//! The reqwest-backed client: one connection pool per distinct transport setting, created on
//! first use and reused by every request of the run.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{PreparedBody, PreparedPart, PreparedRequest, Response, Transport, TransportError};

/// Default bound on one request when neither the step nor the defaults set `timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct HttpClient {
    clients: Mutex<HashMap<Transport, reqwest::Client>>,
}

impl HttpClient {
    pub fn new() -> Self {
        Self::default()
    }

    fn client(&self, t: &Transport) -> Result<reqwest::Client, TransportError> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = clients.get(t) {
            return Ok(c.clone());
        }
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("apiflow/", env!("CARGO_PKG_VERSION")))
            .redirect(if t.follow_redirects {
                reqwest::redirect::Policy::limited(10)
            } else {
                reqwest::redirect::Policy::none()
            })
            .danger_accept_invalid_certs(!t.verify_tls)
            .pool_idle_timeout(Duration::from_secs(30))
            .tcp_nodelay(true);
        if let Some(path) = &t.ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                TransportError::Tls(format!("cannot read `{}`: {e}", path.display()))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                TransportError::Tls(format!(
                    "`{}` is not a PEM certificate bundle: {e}",
                    path.display()
                ))
            })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder
            .build()
            .map_err(|e| TransportError::Other(root_cause(&e)))?;
        clients.insert(t.clone(), client.clone());
        Ok(client)
    }

    pub async fn send(&self, req: &PreparedRequest) -> Result<Response, TransportError> {
        let client = self.client(&req.transport)?;
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| TransportError::Other(format!("invalid HTTP method `{}`", req.method)))?;
        let timeout = req.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let mut builder = client.request(method, req.url.clone()).timeout(timeout);
        for (name, value) in &req.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let has_content_type = req
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
        builder = match &req.body {
            PreparedBody::None => builder,
            PreparedBody::Bytes {
                bytes,
                content_type,
            } => {
                if let (Some(ct), false) = (content_type, has_content_type) {
                    builder = builder.header("content-type", *ct);
                }
                builder.body(bytes.clone())
            }
            PreparedBody::Multipart(parts) => builder.multipart(multipart(parts).await?),
            PreparedBody::File { .. } => {
                return Err(TransportError::Other(
                    "file bodies are sent by the session".into(),
                ));
            }
        };
        let started = Instant::now();
        let response = builder.send().await.map_err(|e| classify(&e, timeout))?;
        let status = response.status().as_u16();
        let version = format!("{:?}", response.version());
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response.bytes().await.map_err(|e| classify(&e, timeout))?;
        let duration = started.elapsed();
        Ok(Response::new(
            status,
            version,
            headers,
            body.to_vec(),
            duration,
        ))
    }
}

async fn multipart(parts: &[PreparedPart]) -> Result<reqwest::multipart::Form, TransportError> {
    let mut form = reqwest::multipart::Form::new();
    for part in parts {
        form = match part {
            PreparedPart::Text { name, value } => form.text(name.clone(), value.clone()),
            PreparedPart::File {
                name,
                path,
                content_type,
            } => {
                let bytes = tokio::fs::read(path).await.map_err(|e| {
                    TransportError::Other(format!("cannot read `{}`: {e}", path.display()))
                })?;
                let file_name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let mime = content_type.clone().unwrap_or_else(|| {
                    mime_guess::from_path(path)
                        .first_or_octet_stream()
                        .to_string()
                });
                let p = reqwest::multipart::Part::bytes(bytes)
                    .file_name(file_name)
                    .mime_str(&mime)
                    .map_err(|e| {
                        TransportError::Other(format!("invalid content type `{mime}`: {e}"))
                    })?;
                form.part(name.clone(), p)
            }
        };
    }
    Ok(form)
}

/// Classifies by reqwest's typed predicates; the message is the innermost cause, for people.
fn classify(e: &reqwest::Error, timeout: Duration) -> TransportError {
    let cause = root_cause(e);
    if e.is_timeout() {
        TransportError::Timeout(timeout)
    } else if e.is_redirect() {
        TransportError::TooManyRedirects
    } else if e.is_connect() {
        // Certificate problems surface here too; the innermost cause names them.
        TransportError::Connect(cause)
    } else if e.is_body() || e.is_decode() {
        TransportError::Body(cause)
    } else {
        TransportError::Other(cause)
    }
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(s) = cause.source() {
        cause = s;
    }
    cause.to_string()
}
