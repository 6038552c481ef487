//! IAM Identity service IDs under `/v1/serviceids` (reference §10): create (optionally with an
//! API key, optionally locked with `Entity-Lock`), get with `Etag` (and `include_history`),
//! list with `pagesize`/`pagetoken`, `name`, `sort`/`order`, update with `If-Match`, delete
//! (its API keys first; a locked one blocks it with 409), lock and unlock (204).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::identity::{bad_request, entity_lock, locked};
use super::state::{ServiceId, State as Store, history_entry, iam_date};
use super::{Sandbox, errors, identity, paging, transaction_id};

fn entity_tag(s: &ServiceId) -> String {
    Store::entity_tag(&s.id, s.version)
}

/// The service ID object, in the key order of IBM's docs sample.
fn render(s: &ServiceId, history: bool) -> Value {
    let mut v = Map::new();
    v.insert("id".into(), s.id.as_str().into());
    v.insert("iam_id".into(), s.iam_id().into());
    v.insert("entity_tag".into(), entity_tag(s).into());
    // UNCONFIRMED: the region segment; IBM's docs sample has it empty.
    let crn = format!(
        "crn:v1:bluemix:public:iam-identity::a/{}::serviceid:{}",
        s.account_id, s.id
    );
    v.insert("crn".into(), crn.into());
    v.insert("locked".into(), s.locked.into());
    v.insert("created_at".into(), s.created_at.as_str().into());
    v.insert("modified_at".into(), s.modified_at.as_str().into());
    v.insert("account_id".into(), s.account_id.as_str().into());
    v.insert("name".into(), s.name.as_str().into());
    if let Some(d) = &s.description {
        v.insert("description".into(), d.as_str().into());
    }
    v.insert("unique_instance_crns".into(), json!(s.unique_instance_crns));
    if history {
        v.insert("history".into(), Value::Array(s.history.clone()));
    }
    Value::Object(v)
}

fn not_found(tid: &str) -> Response {
    // UNCONFIRMED: the body of this 404 (its status rests on IBM's Terraform client).
    errors::identity(
        StatusCode::NOT_FOUND,
        "not_found",
        "BXNIM0502E",
        "Service ID not found.",
        tid,
    )
}

fn include_history(q: &HashMap<String, String>) -> bool {
    q.get("include_history").is_some_and(|v| v == "true")
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    v?.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_owned))
        .collect()
}

pub async fn create(State(sb): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate(&headers, &tid));
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("The request body is not valid JSON.", &tid);
    };
    let text = |k: &str| req.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let (Some(account_id), Some(name)) = (text("account_id"), text("name")) else {
        return bad_request("Properties 'account_id' and 'name' are required.", &tid);
    };
    if account_id != caller.account_id {
        return errors::identity(
            StatusCode::FORBIDDEN,
            "forbidden",
            "BXNIM0513E",
            "You are not authorized to create service IDs in this account.",
            &tid,
        );
    }
    let crns = match req.get("unique_instance_crns") {
        None => Vec::new(),
        v => match strings(v) {
            Some(c) => c,
            None => return bad_request("unique_instance_crns must be a list of CRNs.", &tid),
        },
    };
    let key = req.get("apikey");
    let key_name = key.and_then(|k| k.get("name")).and_then(Value::as_str);
    if key.is_some() && key_name.is_none_or(str::is_empty) {
        return bad_request("Property 'apikey.name' is required.", &tid);
    }
    let mut state = sb.lock();
    let description = text("description").map(str::to_owned);
    let id = state.add_service_id(account_id, name, description, &caller.iam_id);
    let mut created_key = None;
    if let (Some(k), Some(key_name)) = (key, key_name) {
        let value = match k.get("apikey").and_then(Value::as_str) {
            Some(v) if v.len() < 32 || state.apikey_by_value(v).is_some() => {
                state.service_ids.remove(&id);
                return bad_request(
                    "A provided API key value must be unique and at least 32 characters.",
                    &tid,
                );
            }
            Some(v) => v.to_owned(),
            None => state.apikey_value(),
        };
        let desc = k
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let iam_id = format!("iam-{id}");
        let key_id = state.add_apikey(value, key_name, &iam_id, account_id, &caller.iam_id, desc);
        if let Some(stored) = state.apikeys.get_mut(&key_id) {
            stored.store_value = k.get("store_value").and_then(Value::as_bool) == Some(true);
        }
        created_key = Some(key_id);
    }
    let Some(s) = state.service_ids.get_mut(&id) else {
        return not_found(&tid);
    };
    s.unique_instance_crns = crns;
    s.locked = entity_lock(&headers);
    let mut body = render(s, false);
    let etag = entity_tag(s);
    if let Some(key) = created_key.and_then(|k| state.apikeys.get(&k)) {
        body["apikey"] = identity::render(key, true);
    }
    errors::with_etag(StatusCode::CREATED, body, &etag, &tid)
}

pub async fn get(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate(&headers, &tid));
    let state = sb.lock();
    match state
        .service_ids
        .get(&id)
        .filter(|s| s.account_id == caller.account_id)
    {
        Some(s) => errors::with_etag(
            StatusCode::OK,
            render(s, include_history(&q)),
            &entity_tag(s),
            &tid,
        ),
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
    let text = |k: &str| q.get(k).map_or("", String::as_str);
    let page = match paging::Page::from_query(&q) {
        Ok(p) => p,
        Err(message) => return bad_request(message, &tid),
    };
    // `account_id` is required unless a page token (which implies it) is given.
    let account = match q.get("account_id") {
        Some(a) => a.clone(),
        None if q.contains_key("pagetoken") => caller.account_id.clone(),
        None => return bad_request("Property 'account_id' is required.", &tid),
    };
    let sort = text("sort");
    if !matches!(
        sort,
        "" | "name" | "description" | "created_at" | "modified_at"
    ) {
        return bad_request(
            "sort must be name, description, created_at or modified_at.",
            &tid,
        );
    }
    let descending = match text("order") {
        "" | "asc" => false,
        "desc" => true,
        _ => return bad_request("order must be asc or desc.", &tid),
    };
    let state = sb.lock();
    // UNCONFIRMED: `name` matches exactly (the CLI describes substring matching, perhaps
    // client-side).
    let mut matching: Vec<&ServiceId> = state
        .service_ids
        .values()
        .filter(|s| s.account_id == account && s.account_id == caller.account_id)
        .filter(|s| q.get("name").is_none_or(|n| &s.name == n))
        .collect();
    let key = |s: &ServiceId| match sort {
        "name" => s.name.clone(),
        "description" => s.description.clone().unwrap_or_default(),
        "modified_at" => s.modified_at.clone(),
        _ => s.created_at.clone(),
    };
    matching.sort_by_key(|s| key(s));
    if descending {
        matching.reverse();
    }
    let history = include_history(&q);
    let ids: Vec<Value> = page.of(&matching).map(|s| render(s, history)).collect();
    let filters = [
        ("account_id", account.as_str()),
        ("name", text("name")),
        ("sort", sort),
        ("order", text("order")),
        ("include_history", text("include_history")),
    ];
    let mut body = page.body(&headers, "/v1/serviceids/", &filters, matching.len());
    body["serviceids"] = Value::from(ids);
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
    // UNCONFIRMED: a PUT without If-Match is a 400 (the SDKs never send one).
    let Some(if_match) = headers.get("if-match").and_then(|v| v.to_str().ok()) else {
        return bad_request("The If-Match header is required.", &tid);
    };
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("The request body is not valid JSON.", &tid);
    };
    let name = req
        .get("name")
        .map(|n| n.as_str().filter(|n| !n.is_empty()));
    if name == Some(None) {
        return bad_request("Property 'name' must not be empty.", &tid);
    }
    let crns = req.get("unique_instance_crns").map(|c| strings(Some(c)));
    if crns == Some(None) {
        return bad_request("unique_instance_crns must be a list of CRNs.", &tid);
    }
    let mut state = sb.lock();
    let Some(s) = state
        .service_ids
        .get_mut(&id)
        .filter(|s| s.account_id == caller.account_id)
    else {
        return not_found(&tid);
    };
    // UNCONFIRMED: locked and stale-ETag answers (reference §10.11 items 1 and 2); both 409,
    // the stale one as for API keys.
    if s.locked {
        return locked("service ID", &tid);
    }
    if if_match != "*" && if_match.trim_matches('"') != entity_tag(s) {
        return errors::identity(
            StatusCode::CONFLICT,
            "conflict",
            "BXNIM0511E",
            "The entity tag does not match; the service ID was changed.",
            &tid,
        );
    }
    if let Some(Some(n)) = name {
        s.name = n.to_owned();
    }
    if let Some(d) = req.get("description").and_then(Value::as_str) {
        s.description = (!d.is_empty()).then(|| d.to_owned());
    }
    if let Some(Some(c)) = crns {
        s.unique_instance_crns = c;
    }
    s.version += 1;
    s.modified_at = iam_date();
    let entry = history_entry(&caller.iam_id, &caller.account_id, "update", &s.name);
    s.history.push(entry);
    errors::with_etag(StatusCode::OK, render(s, false), &entity_tag(s), &tid)
}

pub async fn delete(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate(&headers, &tid));
    let mut state = sb.lock();
    let Some(s) = state
        .service_ids
        .get(&id)
        .filter(|s| s.account_id == caller.account_id)
    else {
        return not_found(&tid);
    };
    if s.locked {
        return locked("service ID", &tid);
    }
    let iam_id = s.iam_id();
    // Its keys go first; a locked one stops the delete with the captured 409 of reference
    // §10.6 (UNCONFIRMED that a locked key was its cause), and nothing is deleted.
    if let Some(k) = state
        .apikeys
        .values()
        .find(|k| k.iam_id == iam_id && k.locked)
    {
        return errors::identity_details(
            StatusCode::CONFLICT,
            "delete_not_possible",
            "BXNIM0105E",
            "Unable to delete object",
            &format!(
                "Object type 'ApiKey' with ID '{}' could not be deleted: it is locked.",
                k.id
            ),
            &tid,
        );
    }
    state.apikeys.retain(|_, k| k.iam_id != iam_id);
    state.service_ids.remove(&id);
    (StatusCode::NO_CONTENT, [("transaction-id", tid)]).into_response()
}

/// `POST` (lock) or `DELETE` (unlock) `/v1/serviceids/{id}/lock`: 204 without a body.
async fn set_lock(sb: Arc<Sandbox>, id: String, headers: HeaderMap, lock: bool) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate(&headers, &tid));
    let mut state = sb.lock();
    let Some(s) = state
        .service_ids
        .get_mut(&id)
        .filter(|s| s.account_id == caller.account_id)
    else {
        return not_found(&tid);
    };
    // UNCONFIRMED whether locking changes `entity_tag`: it does not here; it is recorded.
    s.locked = lock;
    let action = if lock { "lock" } else { "unlock" };
    let entry = history_entry(&caller.iam_id, &caller.account_id, action, &s.name);
    s.history.push(entry);
    (StatusCode::NO_CONTENT, [("transaction-id", tid)]).into_response()
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
