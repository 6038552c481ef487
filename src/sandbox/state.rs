//! The sandbox's in-memory state: API keys, issued tokens, SCC rules, and a seeded generator
//! for identifiers so that `--seed` runs are reproducible.

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
}

pub struct Rule {
    pub body: Value,
    pub account_id: String,
    pub version: u64,
}

pub struct State {
    rng: StdRng,
    pub apikeys: BTreeMap<String, ApiKey>,
    pub tokens: HashMap<String, TokenInfo>,
    pub refresh_tokens: HashMap<String, RefreshInfo>,
    pub rules: BTreeMap<String, Rule>,
    pub token_requests: u64,
}

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
            token_requests: 0,
        }
    }

    pub fn uuid(&mut self) -> String {
        let bytes: [u8; 16] = self.rng.random();
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
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
            },
        );
        id
    }

    pub fn apikey_by_value(&self, value: &str) -> Option<&ApiKey> {
        self.apikeys.values().find(|k| k.value == value)
    }

    /// The bearer's token, if it is one this sandbox issued and it is still valid.
    pub fn token(&mut self, token: &str) -> Option<TokenInfo> {
        let now = now_secs();
        self.tokens.retain(|_, t| t.expires > now);
        self.tokens.get(token).cloned()
    }
}
