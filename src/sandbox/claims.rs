//! The claims of an access token and the extra fields of a token response, by identity:
//! a service ID's token (reference §2.2, first table) or an IBMid user's (§2.2, second list).

use serde_json::{Map, Value, json};

use super::iam::APIKEY_GRANT;
use super::state::Identity;

pub struct Issue<'a> {
    pub iam_id: &'a str,
    pub account_id: &'a str,
    pub client_id: &'a str,
    pub jti: &'a str,
    pub iat: u64,
    pub exp: u64,
}

pub fn claims(who: &Identity, t: &Issue<'_>) -> Value {
    let mut c = Map::new();
    c.insert("iam_id".into(), t.iam_id.into());
    c.insert("id".into(), t.iam_id.into());
    match who {
        Identity::ServiceId { id, name } => {
            c.insert("realmid".into(), "iam".into());
            c.insert("jti".into(), t.jti.into());
            c.insert("identifier".into(), id.as_str().into());
            c.insert("name".into(), name.as_str().into());
            c.insert("sub".into(), id.as_str().into());
            c.insert("sub_type".into(), "ServiceId".into());
            c.insert(
                "authn".into(),
                json!({ "sub": id, "iam_id": t.iam_id, "sub_type": "ServiceId", "name": name }),
            );
            c.insert(
                "account".into(),
                json!({ "valid": true, "bss": t.account_id, "frozen": true }),
            );
        }
        Identity::User {
            email,
            given_name,
            family_name,
            ..
        } => {
            let name = format!("{given_name} {family_name}");
            c.insert("realmid".into(), "IBMid".into());
            c.insert("jti".into(), t.jti.into());
            c.insert(
                "identifier".into(),
                t.iam_id.trim_start_matches("IBMid-").into(),
            );
            c.insert("given_name".into(), given_name.as_str().into());
            c.insert("family_name".into(), family_name.as_str().into());
            c.insert("name".into(), name.into());
            c.insert("email".into(), email.as_str().into());
            c.insert("sub".into(), email.as_str().into());
            // UNCONFIRMED: `sub_type`, `account.ims` and `account.frozen` for users; the
            // sandbox sends what the captures show (`valid`, `bss`) and nothing more.
            c.insert(
                "account".into(),
                json!({ "valid": true, "bss": t.account_id }),
            );
        }
    }
    c.insert("iat".into(), t.iat.into());
    c.insert("exp".into(), t.exp.into());
    c.insert("iss".into(), "https://iam.cloud.ibm.com/identity".into());
    c.insert("grant_type".into(), APIKEY_GRANT.into());
    c.insert("scope".into(), "ibm openid".into());
    c.insert("client_id".into(), t.client_id.into());
    c.insert("acr".into(), 1.into());
    c.insert("amr".into(), json!(["pwd"]));
    Value::Object(c)
}

/// The token response, in the order of IAM's captures; `ims_user_id` only for users
/// (UNCONFIRMED whether IAM sends it for service IDs: the sandbox does not).
pub fn response(
    who: &Identity,
    access_token: String,
    refresh_token: String,
    ttl: u64,
    exp: u64,
) -> Value {
    let mut r = Map::new();
    r.insert("access_token".into(), access_token.into());
    r.insert("refresh_token".into(), refresh_token.into());
    if let Identity::User { ims_user_id, .. } = who {
        r.insert("ims_user_id".into(), (*ims_user_id).into());
    }
    r.insert("token_type".into(), "Bearer".into());
    r.insert("expires_in".into(), ttl.into());
    r.insert("expiration".into(), exp.into());
    r.insert("scope".into(), "ibm openid".into());
    Value::Object(r)
}
