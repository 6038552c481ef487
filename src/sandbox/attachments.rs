//! SCC Configuration API rule attachments under `/config/v1/rules/{rule_id}/attachments`
//! (reference §5.8–5.11): create (bulk), list with the paging envelope, get with `Etag`,
//! update with `If-Match` (stale → 400 naming If-Match), delete; unknown IDs are 404 with
//! `trace`. A rule's `number_of_attachments` and the rules list's `attached`/`scopes` filters
//! follow them (scc.rs), and they go with their rule when it is deleted.
//!
//! UNCONFIRMED: create answers 201 or refuses the whole request: the response model (ibm-scc 3.0.0's
//! `CreateRuleAttachmentsResponse`) has no per-item status to carry a 207, and IBM's live test
//! saw a bad scope type refuse the whole request with 400.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::scc::found;
use super::state::{Attachment, TokenInfo};
use super::{Sandbox, errors, paging, transaction_id};

const SCOPE_TYPES: [&str; 5] = [
    "account",
    "account.resource_group",
    "enterprise",
    "enterprise.account",
    "enterprise.account_group",
];
const NOT_FOUND: &str = "The requested resource was not found";
const FORBIDDEN: &str = "The token is not authorized to perform the operation";
const BAD_IF_MATCH: &str = "The provided If-Match value is malformed";

fn etag(a: &Attachment) -> String {
    format!(
        "\"{}-{}\"",
        a.version,
        &a.attachment_id.trim_start_matches("attachment-")[..8]
    )
}

fn render(a: &Attachment, rule_id: &str) -> Value {
    json!({
        "attachment_id": a.attachment_id,
        "rule_id": rule_id,
        "account_id": a.account_id,
        "included_scope": a.included_scope,
        "excluded_scopes": a.excluded_scopes,
    })
}

fn bad(message: &str, tid: &str) -> Response {
    errors::scc(StatusCode::BAD_REQUEST, "bad_request", message, tid)
}

/// A scope `{note?, scope_id, scope_type}`.
fn scope(v: &Value) -> Result<(), String> {
    let id = v.get("scope_id").and_then(Value::as_str);
    let kind = v.get("scope_type").and_then(Value::as_str);
    match (id, kind) {
        (Some(id), Some(kind)) if !id.is_empty() && SCOPE_TYPES.contains(&kind) => Ok(()),
        (Some(_), Some(kind)) if !SCOPE_TYPES.contains(&kind) => Err(format!(
            "`{kind}` is not a valid scope_type; use one of {}",
            SCOPE_TYPES.join(", ")
        )),
        _ => Err("a scope needs `scope_id` and `scope_type`".into()),
    }
}

/// Checks one attachment request; `Ok((included, excluded))` or the error response.
fn request(v: &Value, caller: &TokenInfo, tid: &str) -> Result<(Value, Value), Response> {
    match v.get("account_id") {
        None => {}
        Some(Value::String(a)) if *a == caller.account_id => {}
        Some(Value::String(_)) => {
            return Err(errors::scc(
                StatusCode::FORBIDDEN,
                "forbidden",
                FORBIDDEN,
                tid,
            ));
        }
        Some(_) => return Err(bad("`account_id` must be a string", tid)),
    }
    let included = v.get("included_scope").cloned().unwrap_or(Value::Null);
    scope(&included).map_err(|m| bad(&m, tid))?;
    let excluded = v.get("excluded_scopes").cloned().unwrap_or(json!([]));
    let list = excluded
        .as_array()
        .ok_or_else(|| bad("`excluded_scopes` must be a list", tid))?;
    list.iter().try_for_each(scope).map_err(|m| bad(&m, tid))?;
    Ok((included, excluded))
}

pub async fn create(
    State(sb): State<Arc<Sandbox>>,
    Path(rule_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate_scc(&headers, &tid));
    let Some(items) = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("attachments").and_then(Value::as_array).cloned())
        .filter(|items| !items.is_empty())
    else {
        return bad(
            "The body must be {\"attachments\": [...]} with at least one attachment",
            &tid,
        );
    };
    let mut checked = Vec::with_capacity(items.len());
    for item in &items {
        checked.push(or_respond!(request(item, &caller, &tid)));
    }
    let mut state = sb.lock();
    or_respond!(found(&state, &rule_id, &caller, &tid));
    let mut created = Vec::with_capacity(checked.len());
    for (included_scope, excluded_scopes) in checked {
        let attachment = Attachment {
            attachment_id: format!("attachment-{}", state.uuid()),
            account_id: caller.account_id.clone(),
            included_scope,
            excluded_scopes,
            version: 1,
        };
        created.push(render(&attachment, &rule_id));
        // UNCONFIRMED whether attaching changes the rule's Etag: it does not here, only its
        // `number_of_attachments` moves.
        if let Some(rule) = state.rules.get_mut(&rule_id) {
            rule.attachments.push(attachment);
        }
    }
    errors::with_tid(StatusCode::CREATED, json!({ "attachments": created }), &tid)
}

pub async fn list(
    State(sb): State<Arc<Sandbox>>,
    Path(rule_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate_scc(&headers, &tid));
    let parse = |k: &str, default: usize| q.get(k).map_or(Ok(default), |v| v.parse::<usize>());
    let (Ok(limit), Ok(offset)) = (parse("limit", 100), parse("offset", 0)) else {
        return bad("limit and offset must be whole numbers", &tid);
    };
    if !(1..=1000).contains(&limit) {
        return bad("limit must be from 1 to 1000", &tid);
    }
    let state = sb.lock();
    let rule = or_respond!(found(&state, &rule_id, &caller, &tid));
    let total = rule.attachments.len();
    let page: Vec<Value> = rule
        .attachments
        .iter()
        .skip(offset)
        .take(limit)
        .map(|a| render(a, &rule_id))
        .collect();
    drop(state);
    let last_offset = total.saturating_sub(1) / limit * limit;
    let path = format!("/config/v1/rules/{rule_id}/attachments");
    let limit_text = limit.to_string();
    let href = |offset: usize| {
        let offset = offset.to_string();
        let params = [("limit", limit_text.as_str()), ("offset", &offset)];
        json!({ "href": paging::link(&headers, &path, &params) })
    };
    let body = json!({
        "offset": offset,
        "limit": limit,
        "total_count": total,
        "first": href(0),
        "last": href(last_offset),
        "attachments": page
    });
    errors::with_tid(StatusCode::OK, body, &tid)
}

/// The attachment's index in its rule, or a 404 (403 for another account's rule).
fn position(
    state: &super::state::State,
    rule_id: &str,
    attachment_id: &str,
    caller: &TokenInfo,
    tid: &str,
) -> Result<usize, Response> {
    let rule = found(state, rule_id, caller, tid)?;
    rule.attachments
        .iter()
        .position(|a| a.attachment_id == attachment_id)
        .ok_or_else(|| errors::scc(StatusCode::NOT_FOUND, "not_found", NOT_FOUND, tid))
}

pub async fn get(
    State(sb): State<Arc<Sandbox>>,
    Path((rule_id, attachment_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate_scc(&headers, &tid));
    let state = sb.lock();
    let n = or_respond!(position(&state, &rule_id, &attachment_id, &caller, &tid));
    let a = &state.rules[&rule_id].attachments[n];
    errors::with_etag(StatusCode::OK, render(a, &rule_id), &etag(a), &tid)
}

pub async fn update(
    State(sb): State<Arc<Sandbox>>,
    Path((rule_id, attachment_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate_scc(&headers, &tid));
    let if_match = headers
        .get("if-match")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut state = sb.lock();
    let n = or_respond!(position(&state, &rule_id, &attachment_id, &caller, &tid));
    let current = etag(&state.rules[&rule_id].attachments[n]);
    // UNCONFIRMED: a PUT without If-Match (the SDK never sends one) is refused like a wrong one.
    if if_match.trim_matches('"') != current.trim_matches('"') {
        return bad(BAD_IF_MATCH, &tid);
    }
    let Ok(input) = serde_json::from_slice::<Value>(&body) else {
        return bad("The request body is not valid JSON", &tid);
    };
    let (included, excluded) = or_respond!(request(&input, &caller, &tid));
    let Some(a) = state
        .rules
        .get_mut(&rule_id)
        .and_then(|r| r.attachments.get_mut(n))
    else {
        return errors::scc(StatusCode::NOT_FOUND, "not_found", NOT_FOUND, &tid);
    };
    a.included_scope = included;
    a.excluded_scopes = excluded;
    a.version += 1;
    errors::with_etag(StatusCode::OK, render(a, &rule_id), &etag(a), &tid)
}

pub async fn delete(
    State(sb): State<Arc<Sandbox>>,
    Path((rule_id, attachment_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate_scc(&headers, &tid));
    let mut state = sb.lock();
    let n = or_respond!(position(&state, &rule_id, &attachment_id, &caller, &tid));
    if let Some(rule) = state.rules.get_mut(&rule_id) {
        rule.attachments.remove(n);
    }
    (StatusCode::NO_CONTENT, [("transaction-id", tid)]).into_response()
}
