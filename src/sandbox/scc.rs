//! SCC Configuration API rules under `/config/v1/rules`: bulk create (201, or 207 when an item
//! fails), list by account with offset/limit paging and the `labels`, `attached` and `scopes`
//! filters, get with ETag, update with If-Match (a wrong one is a 400, as the real service
//! answers), delete (with its attachments); `Transaction-Id` is echoed as `trace` in errors.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::state::{Rule, TokenInfo, scc_date};
use super::{Sandbox, errors, paging, rule_check, transaction_id};

const NOT_FOUND: &str = "The requested resource was not found";
const FORBIDDEN: &str = "The token is not authorized to perform the operation";
const BAD_IF_MATCH: &str = "The provided If-Match value is malformed";

pub fn etag(rule_id: &str, version: u64) -> String {
    format!(
        "\"{version}-{}\"",
        &rule_id.trim_start_matches("rule-")[..8]
    )
}

/// A rule as the API shows it: `number_of_attachments` follows its attachments.
pub fn render(rule: &Rule) -> Value {
    let mut body = rule.body.clone();
    body["number_of_attachments"] = Value::from(rule.attachments.len());
    body
}

/// The `included_scope.scope_id`s a rule is attached to.
fn attached_scopes(rule: &Rule) -> impl Iterator<Item = &str> {
    rule.attachments
        .iter()
        .filter_map(|a| a.included_scope.get("scope_id").and_then(Value::as_str))
}

fn rule_body(
    input: &Map<String, Value>,
    rule_id: &str,
    account_id: &str,
    caller: &TokenInfo,
    created: Option<(&str, &str)>,
) -> Value {
    let now = scc_date();
    let (creation_date, created_by) = created.unwrap_or((&now, &caller.iam_id));
    json!({
        "account_id": account_id,
        "name": input.get("name"),
        "description": input.get("description"),
        "rule_type": input.get("rule_type").cloned().unwrap_or(Value::from("user_defined")),
        "target": input.get("target"),
        "required_config": input.get("required_config"),
        "enforcement_actions": input.get("enforcement_actions"),
        "labels": input.get("labels").cloned().unwrap_or(json!([])),
        "rule_id": rule_id,
        "creation_date": creation_date,
        "created_by": created_by,
        "modification_date": now,
        "modified_by": caller.iam_id,
        "number_of_attachments": 0
    })
}

pub async fn create(State(sb): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate_scc(&headers, &tid));
    let Some(items) = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("rules").and_then(Value::as_array).cloned())
        .filter(|items| !items.is_empty())
    else {
        return errors::scc(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The body must be {\"rules\": [...]} with at least one rule",
            &tid,
        );
    };
    // A rule for another account refuses the whole request.
    let foreign = items.iter().any(|i| {
        i.pointer("/rule/account_id")
            .and_then(Value::as_str)
            .is_some_and(|a| a != caller.account_id)
    });
    if foreign {
        return errors::scc(StatusCode::FORBIDDEN, "forbidden", FORBIDDEN, &tid);
    }
    let mut state = sb.lock();
    let mut results = Vec::new();
    let mut any_failed = false;
    for (n, item) in items.iter().enumerate() {
        let request_id = item
            .get("request_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| (n + 1).to_string());
        let rule = item.get("rule").cloned().unwrap_or(Value::Null);
        match rule_check::rule(&rule) {
            Ok(()) => {
                let rule_id = format!("rule-{}", state.uuid());
                let body = rule_body(
                    rule.as_object().expect("validated"),
                    &rule_id,
                    &caller.account_id,
                    &caller,
                    None,
                );
                state.rules.insert(
                    rule_id,
                    Rule {
                        body: body.clone(),
                        account_id: caller.account_id.clone(),
                        version: 1,
                        attachments: Vec::new(),
                    },
                );
                results.push(json!({ "request_id": request_id, "status_code": 201, "rule": body }));
            }
            Err(msg) => {
                any_failed = true;
                results.push(json!({ "request_id": request_id, "status_code": 400, "errors": [{ "code": "rule_error", "message": msg }], "trace": tid }));
            }
        }
    }
    let status = if any_failed {
        StatusCode::MULTI_STATUS
    } else {
        StatusCode::CREATED
    };
    errors::with_tid(status, json!({ "rules": results }), &tid)
}

pub async fn list(
    State(sb): State<Arc<Sandbox>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate_scc(&headers, &tid));
    let Some(account) = q.get("account_id") else {
        return errors::scc(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The account_id query parameter is required",
            &tid,
        );
    };
    if *account != caller.account_id {
        return errors::scc(StatusCode::FORBIDDEN, "forbidden", FORBIDDEN, &tid);
    }
    let parse = |k: &str, default: usize| q.get(k).map_or(Ok(default), |v| v.parse::<usize>());
    let (Ok(limit), Ok(offset)) = (parse("limit", 100), parse("offset", 0)) else {
        return errors::scc(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "limit and offset must be whole numbers",
            &tid,
        );
    };
    if !(1..=1000).contains(&limit) {
        return errors::scc(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "limit must be from 1 to 1000",
            &tid,
        );
    }
    let attached = match q.get("attached").map(String::as_str) {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            return errors::scc(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "attached must be true or false",
                &tid,
            );
        }
    };
    let text = |k: &str| q.get(k).map_or("", String::as_str);
    let labels: Vec<&str> = text("labels")
        .split(',')
        .filter(|l| !l.is_empty())
        .collect();
    // UNCONFIRMED: `scopes` is a comma-separated list of scope IDs, and a rule matches when
    // one of its attachments includes one of them.
    let scopes: Vec<&str> = text("scopes")
        .split(',')
        .filter(|s| !s.is_empty())
        .collect();
    let state = sb.lock();
    let matching: Vec<&Rule> = state
        .rules
        .values()
        .filter(|r| &r.account_id == account)
        .filter(|r| {
            let have = r.body["labels"].as_array().cloned().unwrap_or_default();
            labels
                .iter()
                .all(|w| have.iter().any(|h| h.as_str() == Some(w)))
        })
        .filter(|r| attached.is_none_or(|a| a != r.attachments.is_empty()))
        .filter(|r| scopes.is_empty() || attached_scopes(r).any(|s| scopes.contains(&s)))
        .collect();
    let total = matching.len();
    let page: Vec<Value> = matching
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(render)
        .collect();
    let last_offset = if total == 0 {
        0
    } else {
        (total - 1) / limit * limit
    };
    let limit_text = limit.to_string();
    let href = |offset: usize| {
        let offset = offset.to_string();
        let params = [
            ("account_id", account.as_str()),
            ("attached", text("attached")),
            ("labels", text("labels")),
            ("scopes", text("scopes")),
            ("limit", &limit_text),
            ("offset", &offset),
        ];
        json!({ "href": paging::link(&headers, "/config/v1/rules", &params) })
    };
    let body = json!({
        "offset": offset,
        "limit": limit,
        "total_count": total,
        "first": href(0),
        "last": href(last_offset),
        "rules": page
    });
    errors::with_tid(StatusCode::OK, body, &tid)
}

pub fn found<'a>(
    state: &'a super::state::State,
    id: &str,
    caller: &TokenInfo,
    tid: &str,
) -> Result<&'a Rule, Response> {
    match state.rules.get(id) {
        None => Err(errors::scc(
            StatusCode::NOT_FOUND,
            "not_found",
            NOT_FOUND,
            tid,
        )),
        Some(r) if r.account_id != caller.account_id => Err(errors::scc(
            StatusCode::FORBIDDEN,
            "forbidden",
            FORBIDDEN,
            tid,
        )),
        Some(r) => Ok(r),
    }
}

pub async fn get(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate_scc(&headers, &tid));
    let state = sb.lock();
    match found(&state, &id, &caller, &tid) {
        Ok(rule) => errors::with_etag(StatusCode::OK, render(rule), &etag(&id, rule.version), &tid),
        Err(r) => r,
    }
}

pub async fn update(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate_scc(&headers, &tid));
    let mut state = sb.lock();
    let current = or_respond!(found(&state, &id, &caller, &tid));
    let if_match = headers
        .get("if-match")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if if_match != etag(&id, current.version)
        && if_match.trim_matches('"') != etag(&id, current.version).trim_matches('"')
    {
        return errors::scc(StatusCode::BAD_REQUEST, "bad_request", BAD_IF_MATCH, &tid);
    }
    let Ok(input) = serde_json::from_slice::<Value>(&body) else {
        return errors::scc(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The request body is not valid JSON",
            &tid,
        );
    };
    if let Err(msg) = rule_check::rule(&input) {
        return errors::scc(StatusCode::BAD_REQUEST, "rule_error", &msg, &tid);
    }
    let created = (
        current.body["creation_date"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        current.body["created_by"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    );
    let version = current.version + 1;
    let attachments =
        std::mem::take(&mut state.rules.get_mut(&id).expect("found above").attachments);
    let body = rule_body(
        input.as_object().expect("validated"),
        &id,
        &caller.account_id,
        &caller,
        Some((&created.0, &created.1)),
    );
    state.rules.insert(
        id.clone(),
        Rule {
            body,
            account_id: caller.account_id.clone(),
            version,
            attachments,
        },
    );
    let rule = &state.rules[&id];
    errors::with_etag(StatusCode::OK, render(rule), &etag(&id, version), &tid)
}

pub async fn delete(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let tid = transaction_id(&headers);
    let caller = or_respond!(sb.authenticate_scc(&headers, &tid));
    let mut state = sb.lock();
    or_respond!(found(&state, &id, &caller, &tid));
    state.rules.remove(&id);
    (StatusCode::NO_CONTENT, [("transaction-id", tid)]).into_response()
}
