//! The floor apiflow is measured against: a plain async reqwest loop doing what the bench
//! workflow does (one form-encoded token request, then N GETs with a bearer, a capture and two
//! checks each) and nothing else: a current-thread tokio runtime (what apiflow uses for one
//! file), one `reqwest::Client`, `serde_json::from_slice` of each body.
//!
//! usage: cargo bench --bench plain_loop -- BASE_URL N   (bench/run.sh runs the built binary)

use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let base = args
        .first()
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:18080".into());
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(500);
    // The workload speaks only http://: no root certificates are loaded (a client that may
    // need them loads them on first https use, which is what apiflow aims at).
    let client = reqwest::Client::builder()
        .tls_certs_only([])
        .build()
        .expect("client");
    let started = Instant::now();
    let token = client
        .post(format!("{base}/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("token request")
        .bytes()
        .await
        .expect("token body");
    let token: serde_json::Value = serde_json::from_slice(&token).expect("token JSON");
    let token = token["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();
    let mut captured = Vec::with_capacity(n);
    for i in 0..n {
        let resp = client
            .get(format!("{base}/items/{i}"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("GET");
        let status = resp.status().as_u16();
        let body: serde_json::Value =
            serde_json::from_slice(&resp.bytes().await.expect("body")).expect("JSON");
        assert_eq!(status, 200);
        assert_eq!(body["state"], "active");
        captured.push(body["id"].as_str().unwrap_or_default().to_owned());
    }
    let elapsed = started.elapsed();
    println!(
        "plain reqwest loop: {n} GETs in {:.1} ms, {:.1} µs per request",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e6 / (n + 1) as f64
    );
}
