//! TLS: certificates are verified by default, `verify_tls: false` and `ca_file` work, against a
//! real HTTPS server on 127.0.0.1 with a certificate made for the test.

mod support;

use std::io::BufRead as _;

use support::{Dir, run};

#[test]
fn certificates_are_verified_unless_told_otherwise() {
    let dir = Dir::new();
    // A CA, and a certificate for 127.0.0.1 that it signed.
    let support::tls::Certificates { cert, key, .. } = support::tls::certificates(dir.path());
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/https_server.py");
    let mut server = KillOnDrop(
        std::process::Command::new("python3")
            .arg(script)
            .arg(&cert)
            .arg(&key)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    std::io::BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .strip_prefix("listening ")
        .expect("the server printed its port")
        .to_owned();
    let url = format!("https://127.0.0.1:{port}/x");
    let step = |extra: &str| {
        format!(
            "version: 1\nname: tls\nsteps:\n  - request: {{ url: \"{url}\"{extra} }}\n    expect: {{ json: {{ $.tls: true }} }}\n"
        )
    };

    let strict = dir.write("strict.yaml", &step(""));
    let (code, out, _) = run(&["run", strict.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.to_lowercase().contains("certificate"), "{out}");

    let lax = dir.write("lax.yaml", &step(", verify_tls: false"));
    let (code, out, err) = run(&["run", lax.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");

    let trusted = dir.write("trusted.yaml", &step(", ca_file: ca.pem"));
    let (code, out, err) = run(&["run", trusted.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");

    let missing = dir.write("missing.yaml", &step(", ca_file: nope.pem"));
    let (code, _, err) = run(&["validate", missing.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("`ca_file`: no file at"), "{err}");
}

/// Stops the server even when an assertion fails.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
