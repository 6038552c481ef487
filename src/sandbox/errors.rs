//! The error bodies of the emulated services, in their own shapes.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// IAM's `{errorCode, errorMessage, context}` body (token endpoint, missing bearer).
pub fn iam(
    status: StatusCode,
    code: &str,
    message: &str,
    details: Option<&str>,
    tid: &str,
) -> Response {
    let now = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{:02}.{:02}.{:04} {:02}:{:02}:{:02}:{:03} UTC",
        now.day(),
        u8::from(now.month()),
        now.year(),
        now.hour(),
        now.minute(),
        now.second(),
        now.millisecond()
    );
    let mut body = json!({
        "errorCode": code,
        "errorMessage": message,
        "context": {
            "requestId": tid,
            "requestType": "incoming.Identity_Token",
            "userAgent": "",
            "url": "https://iam.cloud.ibm.com",
            "instanceId": "iamid-sandbox",
            "threadId": "1",
            "host": "iamid-sandbox",
            "startTime": stamp,
            "endTime": stamp,
            "elapsedTime": "0",
            "locale": "en_US",
            "clusterName": "iam-id-sandbox"
        }
    });
    if let Some(d) = details {
        body["errorDetails"] = Value::from(d);
    }
    with_tid(status, body, tid)
}

/// The IAM Identity API's `ExceptionResponse` body.
pub fn identity(
    status: StatusCode,
    code: &str,
    message_code: &str,
    message: &str,
    tid: &str,
) -> Response {
    let body = json!({
        "context": { "transaction_id": tid, "operation": "", "user_agent": "", "url": "", "instance_id": "", "thread_id": "", "host": "", "start_time": "", "end_time": "", "elapsed_time": "", "cluster_name": "" },
        "status_code": status.as_u16().to_string(),
        "errors": [{ "code": code, "message_code": message_code, "message": message }],
        "trace": tid
    });
    with_tid(status, body, tid)
}

/// An `ExceptionResponse` whose error carries `details`, as IAM's captured 409 does.
pub fn identity_details(
    status: StatusCode,
    code: &str,
    message_code: &str,
    message: &str,
    details: &str,
    tid: &str,
) -> Response {
    let body = json!({
        "context": { "transaction_id": tid },
        "status_code": status.as_u16().to_string(),
        "errors": [{ "code": code, "message_code": message_code, "message": message, "details": details }],
        "trace": tid
    });
    with_tid(status, body, tid)
}

/// The SCC Configuration API's `{trace, errors: [{code, message}]}` body.
pub fn scc(status: StatusCode, code: &str, message: &str, tid: &str) -> Response {
    let body = json!({ "trace": tid, "errors": [{ "code": code, "message": message }] });
    with_tid(status, body, tid)
}

pub fn with_tid(status: StatusCode, body: Value, tid: &str) -> Response {
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(tid) {
        headers.insert("transaction-id", v);
    }
    (status, headers, axum::Json(body)).into_response()
}

/// A JSON body with the `Etag` header of the resource's current version.
pub fn with_etag(status: StatusCode, body: Value, etag: &str, tid: &str) -> Response {
    let mut resp = with_tid(status, body, tid);
    if let Ok(v) = HeaderValue::from_str(etag) {
        resp.headers_mut().insert("etag", v);
    }
    resp
}
