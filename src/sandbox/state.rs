//! The sandbox's in-memory state: identities (service IDs, users), API keys, issued tokens,
//! SCC rules with their attachments, and a seeded generator for identifiers so that `--seed`
//! runs are reproducible.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

pub struct ApiKey {
    pub id: String,
    pub value: String,
    pub name: String,
    pub description: Option<String>,
    pub iam_id: String,
    pub account_id: String,
    pub created_by: String,
    pub created_at: String,
    pub modified_at: String,
    pub version: u64,
    pub locked: bool,
    /// A service-ID key created with `store_value: true` shows its value on later reads.
    pub store_value: bool,
}

/// One entry of an IAM Identity `history` array.
pub type History = Vec<serde_json::Value>;

pub struct ServiceId {
    /// `ServiceId-<uuid>`; its `iam_id` is `iam-` + this.
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub description: Option<String>,
    pub unique_instance_crns: Vec<String>,
    pub created_at: String,
    pub modified_at: String,
    pub version: u64,
    pub locked: bool,
    pub history: History,
}

impl ServiceId {
    pub fn iam_id(&self) -> String {
        format!("iam-{}", self.id)
    }
}

/// An IBMid user of the account (the account owner; the seed identity with `--identity user`).
pub struct User {
    pub account_id: String,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    pub ims_user_id: u64,
}

#[derive(Clone)]
pub struct TokenInfo {
    pub iam_id: String,
    pub account_id: String,
    pub expires: u64,
}

pub struct RefreshInfo {
    pub apikey_id: String,
    pub client: String,
    pub expires: u64,
    /// Set once the token was exchanged: IAM rotates refresh tokens, the old one is spent.
    pub spent: bool,
}

pub struct Rule {
    pub body: Value,
    pub account_id: String,
    pub version: u64,
    /// In creation order; they go with the rule when it is deleted.
    pub attachments: Vec<Attachment>,
}

pub struct Attachment {
    pub attachment_id: String,
    pub account_id: String,
    pub included_scope: Value,
    pub excluded_scopes: Value,
    pub version: u64,
}

pub struct State {
    rng: StdRng,
    pub apikeys: BTreeMap<String, ApiKey>,
    pub tokens: HashMap<String, TokenInfo>,
    pub refresh_tokens: HashMap<String, RefreshInfo>,
    pub rules: BTreeMap<String, Rule>,
    pub service_ids: BTreeMap<String, ServiceId>,
    pub users: BTreeMap<String, User>,
    pub token_requests: u64,
    token_prune_at: usize,
    refresh_prune_at: usize,
}

/// Maps of tokens are not pruned below this size.
const PRUNE_FLOOR: usize = 1024;

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// `2020-07-06T23:18+0000`, the IAM Identity API's date format.
pub fn iam_date() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}+0000",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// `2020-01-10T05:23:19.000Z`, the SCC Configuration API's date format.
pub fn scc_date() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

impl State {
    pub fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_os_rng(),
        };
        Self {
            rng,
            apikeys: BTreeMap::new(),
            tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            rules: BTreeMap::new(),
            service_ids: BTreeMap::new(),
            users: BTreeMap::new(),
            token_requests: 0,
            token_prune_at: PRUNE_FLOOR,
            refresh_prune_at: PRUNE_FLOOR,
        }
    }

    pub fn uuid(&mut self) -> String {
        let bytes: [u8; 16] = self.rng.random();
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    /// A 7-digit IMS user number, like IBM's `ims_user_id`s.
    pub fn ims_user_id(&mut self) -> u64 {
        self.rng.random_range(1_000_000..10_000_000)
    }

    pub fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| format!("{:x}", self.rng.random_range(0..16u8)))
            .collect()
    }

    /// 44 characters of `[A-Za-z0-9_-]`, the shape of real IBM Cloud API keys.
    pub fn apikey_value(&mut self) -> String {
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        (0..44)
            .map(|_| CHARS[self.rng.random_range(0..CHARS.len())] as char)
            .collect()
    }

    pub fn opaque(&mut self, n: usize) -> String {
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..n)
            .map(|_| CHARS[self.rng.random_range(0..CHARS.len())] as char)
            .collect()
    }

    pub fn add_apikey(
        &mut self,
        value: String,
        name: &str,
        iam_id: &str,
        account_id: &str,
        created_by: &str,
        description: Option<String>,
    ) -> String {
        let id = format!("ApiKey-{}", self.uuid());
        let now = iam_date();
        self.apikeys.insert(
            id.clone(),
            ApiKey {
                id: id.clone(),
                value,
                name: name.to_owned(),
                description,
                iam_id: iam_id.to_owned(),
                account_id: account_id.to_owned(),
                created_by: created_by.to_owned(),
                created_at: now.clone(),
                modified_at: now,
                version: 1,
                locked: false,
                store_value: false,
            },
        );
        id
    }

    /// A new service ID, unlocked, with a `create` history entry.
    pub fn add_service_id(
        &mut self,
        account_id: &str,
        name: &str,
        description: Option<String>,
        created_by: &str,
    ) -> String {
        let id = format!("ServiceId-{}", self.uuid());
        let now = iam_date();
        let history = vec![history_entry(created_by, account_id, "create", name)];
        self.service_ids.insert(
            id.clone(),
            ServiceId {
                id: id.clone(),
                account_id: account_id.to_owned(),
                name: name.to_owned(),
                description,
                unique_instance_crns: Vec::new(),
                created_at: now.clone(),
                modified_at: now,
                version: 1,
                locked: false,
                history,
            },
        );
        id
    }

    /// `<version>-<32 hex>`, the shape of IBM's `entity_tag`s, stable per object and version.
    pub fn entity_tag(id: &str, version: u64) -> String {
        let hex: String = id.chars().filter(char::is_ascii_hexdigit).collect();
        format!("{version}-{:0>32}", &hex[hex.len().saturating_sub(32)..])
    }

    /// The identity an IAM ID names, if it belongs to `account_id`.
    pub fn identity_in(&self, iam_id: &str, account_id: &str) -> Option<Identity> {
        if let Some(id) = iam_id.strip_prefix("iam-") {
            let s = self.service_ids.get(id)?;
            return (s.account_id == account_id).then(|| Identity::ServiceId {
                id: s.id.clone(),
                name: s.name.clone(),
            });
        }
        let u = self.users.get(iam_id)?;
        (u.account_id == account_id).then(|| Identity::User {
            email: u.email.clone(),
            given_name: u.given_name.clone(),
            family_name: u.family_name.clone(),
            ims_user_id: u.ims_user_id,
        })
    }

    pub fn apikey_by_value(&self, value: &str) -> Option<&ApiKey> {
        self.apikeys.values().find(|k| k.value == value)
    }

    /// Forgets refresh tokens past their expiry, so that the map stays bounded.
    /// Amortised: a full pass only once the map has doubled since the last one, so that the
    /// token endpoint does constant work under the lock.
    pub fn prune_refresh_tokens(&mut self) {
        if self.refresh_tokens.len() < self.refresh_prune_at {
            return;
        }
        let now = now_secs();
        self.refresh_tokens.retain(|_, r| r.expires > now);
        self.refresh_prune_at = (self.refresh_tokens.len() * 2).max(PRUNE_FLOOR);
    }

    /// Records an access token; expired ones are dropped the same amortised way.
    pub fn add_token(&mut self, token: String, info: TokenInfo) {
        if self.tokens.len() >= self.token_prune_at {
            let now = now_secs();
            self.tokens.retain(|_, t| t.expires > now);
            self.token_prune_at = (self.tokens.len() * 2).max(PRUNE_FLOOR);
        }
        self.tokens.insert(token, info);
    }

    /// The bearer's token, if it is one this sandbox issued and it is still valid.
    pub fn token(&self, token: &str) -> Option<TokenInfo> {
        let now = now_secs();
        self.tokens.get(token).filter(|t| t.expires > now).cloned()
    }
}

/// Who an API key authenticates, as the token's claims describe it.
pub enum Identity {
    ServiceId {
        id: String,
        name: String,
    },
    User {
        email: String,
        given_name: String,
        family_name: String,
        ims_user_id: u64,
    },
}

/// A `history` record as the IAM Identity SDK models it.
pub fn history_entry(iam_id: &str, account_id: &str, action: &str, message: &str) -> Value {
    serde_json::json!({
        "timestamp": iam_date(),
        "iam_id": iam_id,
        "iam_id_account": account_id,
        "action": action,
        "params": [],
        "message": message
    })
}
