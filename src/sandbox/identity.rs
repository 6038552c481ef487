//! IAM Identity API keys: create (the value is returned only then, unless `store_value`),
//! get with ETag, list with `pagesize`/`pagetoken`, update with `If-Match`, delete, lock and
//! unlock (`Entity-Lock` creates a locked key), and details by `IAM-ApiKey`. A key's `iam_id`
//! must be a service ID or user of the caller's account.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::state::{ApiKey, State as Store, iam_date};
use super::{Sandbox, errors, paging, transaction_id};

fn entity_tag(k: &ApiKey) -> String {
    Store::entity_tag(&k.id, k.version)
}

/// UNCONFIRMED: IAM's answer to changing a locked entity is not captured; the sandbox answers
/// 409 like the captured `delete_not_possible`, with a code of its own.
pub fn locked(what: &str, tid: &str) -> Response {
    errors::identity(
        StatusCode::CONFLICT,
        "entity_locked",
        "BXNIM0510E",
        &format!("The {what} is locked; unlock it to change or delete it."),
        tid,
    )
}

/// Whether the request's `Entity-Lock` header asks for a locked entity.
pub fn entity_lock(headers: &HeaderMap) -> bool {
    headers
        .get("entity-lock")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

pub fn render(k: &ApiKey, with_value: bool) -> Value {
    let with_value = with_value || k.store_value;
    let mut v = json!({
        "id": k.id,
        "entity_tag": entity_tag(k),
        "crn": format!("crn:v1:bluemix:public:iam-identity::a/{}::apikey:{}", k.account_id, k.id),
        "locked": k.locked,
        "created_at": k.created_at,
        "created_by": k.created_by,
        "modified_at": k.modified_at,
        "name": k.name,
        "iam_id": k.iam_id,
        "account_id": k.account_id,
        // IBM's SDK model requires the property; the value itself is only shown at creation.
        "apikey": if with_value { k.value.as_str() } else { "" },
    });
    if let Some(d) = &k.description {
        v["description"] = Value::from(d.as_str());
    }
    v
}

fn not_found(tid: &str) -> Response {
    errors::identity(
        StatusCode::NOT_FOUND,
        "not_found",
        "BXNIM0502E",
        "API key not found.",
        tid,
    )
}

pub fn bad_request(message: &str, tid: &str) -> Response {
    errors::identity(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "BXNIM0109E",
        message,
        tid,
    )
}

pub async fn create(State(sb): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate(&headers, &tid));
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("The request body is not valid JSON.", &tid);
    };
    let text = |k: &str| req.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let (Some(name), Some(iam_id)) = (text("name"), text("iam_id")) else {
        return bad_request("Properties 'name' and 'iam_id' are required.", &tid);
    };
    let account_id = text("account_id").unwrap_or(&caller.account_id).to_owned();
    if account_id != caller.account_id {
        return errors::identity(
            StatusCode::FORBIDDEN,
            "forbidden",
            "BXNIM0513E",
            "You are not authorized to create API keys in this account.",
            &tid,
        );
    }
    let store_value = req.get("store_value").and_then(Value::as_bool) == Some(true);
    let mut state = sb.lock();
    // UNCONFIRMED: the status for an unknown `iam_id`; 400, as for other invalid properties.
    if state.identity_in(iam_id, &account_id).is_none() {
        return bad_request(
            "The iam_id does not name a service ID or user of the account.",
            &tid,
        );
    }
    if store_value && !iam_id.starts_with("iam-ServiceId-") {
        return bad_request(
            "store_value can only be true for API keys of service IDs.",
            &tid,
        );
    }
    let value = match text("apikey") {
        Some(v) if v.len() < 32 => {
            return bad_request(
                "A provided API key value must be at least 32 characters.",
                &tid,
            );
        }
        Some(v) if state.apikey_by_value(v).is_some() => {
            return errors::identity(
                StatusCode::CONFLICT,
                "conflict",
                "BXNIM0514E",
                "The API key value is already in use.",
                &tid,
            );
        }
        Some(v) => v.to_owned(),
        None => state.apikey_value(),
    };
    let description = text("description").map(str::to_owned);
    let id = state.add_apikey(
        value,
        name,
        iam_id,
        &account_id,
        &caller.iam_id,
        description,
    );
    let Some(key) = state.apikeys.get_mut(&id) else {
        return not_found(&tid);
    };
    key.store_value = store_value;
    key.locked = entity_lock(&headers);
    errors::with_etag(
        StatusCode::CREATED,
        render(key, true),
        &entity_tag(key),
        &tid,
    )
}

pub async fn get(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate(&headers, &tid));
    let state = sb.lock();
    match state
        .apikeys
        .get(&id)
        .filter(|k| k.account_id == caller.account_id)
    {
        Some(k) => errors::with_etag(StatusCode::OK, render(k, false), &entity_tag(k), &tid),
        None => not_found(&tid),
    }
}

pub async fn details(State(sb): State<Arc<Sandbox>>, headers: HeaderMap) -> Response {
    let tid = transaction_id(&headers);
    let Some(value) = headers.get("iam-apikey").and_then(|v| v.to_str().ok()) else {
        return bad_request("The IAM-ApiKey header is required.", &tid);
    };
    let state = sb.lock();
    match state.apikey_by_value(value) {
        Some(k) => errors::with_etag(StatusCode::OK, render(k, false), &entity_tag(k), &tid),
        None => not_found(&tid),
    }
}

pub async fn list(
    State(sb): State<Arc<Sandbox>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate(&headers, &tid));
    let page = match paging::Page::from_query(&q) {
        Ok(p) => p,
        Err(message) => return bad_request(message, &tid),
    };
    let account = q
        .get("account_id")
        .cloned()
        .unwrap_or(caller.account_id.clone());
    let state = sb.lock();
    let matching: Vec<&ApiKey> = state
        .apikeys
        .values()
        .filter(|k| k.account_id == account && k.account_id == caller.account_id)
        .filter(|k| q.get("iam_id").is_none_or(|i| &k.iam_id == i))
        .filter(|k| match q.get("type").map(String::as_str) {
            Some("serviceid") => k.iam_id.starts_with("iam-ServiceId-"),
            Some("user") => !k.iam_id.starts_with("iam-"),
            _ => true,
        })
        .collect();
    let keys: Vec<Value> = page.of(&matching).map(|k| render(k, false)).collect();
    let text = |k: &str| q.get(k).map_or("", String::as_str);
    let filters = [
        ("account_id", account.as_str()),
        ("iam_id", text("iam_id")),
        ("type", text("type")),
    ];
    let mut body = page.body(&headers, "/v1/apikeys", &filters, matching.len());
    body["apikeys"] = Value::from(keys);
    errors::with_tid(StatusCode::OK, body, &tid)
}

pub async fn update(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate(&headers, &tid));
    let Some(if_match) = headers.get("if-match").and_then(|v| v.to_str().ok()) else {
        return bad_request("The If-Match header is required.", &tid);
    };
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("The request body is not valid JSON.", &tid);
    };
    let mut state = sb.lock();
    let Some(key) = state
        .apikeys
        .get_mut(&id)
        .filter(|k| k.account_id == caller.account_id)
    else {
        return not_found(&tid);
    };
    if key.locked {
        return locked("API key", &tid);
    }
    if if_match != "*" && if_match.trim_matches('"') != entity_tag(key) {
        return errors::identity(
            StatusCode::CONFLICT,
            "conflict",
            "BXNIM0511E",
            "The entity tag does not match; the API key was changed.",
            &tid,
        );
    }
    if let Some(name) = req.get("name").and_then(Value::as_str) {
        key.name = name.to_owned();
    }
    if let Some(d) = req.get("description").and_then(Value::as_str) {
        key.description = Some(d.to_owned());
    }
    key.version += 1;
    key.modified_at = iam_date();
    errors::with_etag(StatusCode::OK, render(key, false), &entity_tag(key), &tid)
}

pub async fn delete(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate(&headers, &tid));
    let mut state = sb.lock();
    match state.apikeys.get(&id) {
        Some(k) if k.account_id == caller.account_id && k.locked => locked("API key", &tid),
        Some(k) if k.account_id == caller.account_id => {
            state.apikeys.remove(&id);
            (StatusCode::NO_CONTENT, [("transaction-id", tid)]).into_response()
        }
        _ => not_found(&tid),
    }
}

/// `POST` (lock) or `DELETE` (unlock) `/v1/apikeys/{id}/lock`: 204 without a body.
async fn set_lock(sb: Arc<Sandbox>, id: String, headers: HeaderMap, lock: bool) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate(&headers, &tid));
    let mut state = sb.lock();
    match state
        .apikeys
        .get_mut(&id)
        .filter(|k| k.account_id == caller.account_id)
    {
        Some(k) => {
            // UNCONFIRMED whether locking changes `entity_tag`/`modified_at`: it does not here.
            k.locked = lock;
            (StatusCode::NO_CONTENT, [("transaction-id", tid)]).into_response()
        }
        None => not_found(&tid),
    }
}

pub async fn lock(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    set_lock(sb, id, headers, true).await
}

pub async fn unlock(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    set_lock(sb, id, headers, false).await
}
