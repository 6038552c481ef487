//! IBM's own Python SDKs drive the sandbox; every response must parse with their models.

mod support;

#[test]
fn ibm_python_sdks_cannot_tell_the_sandbox_from_ibm_cloud() {
    let binary = assert_cmd::cargo::cargo_bin("apiflow");
    let (ok, out) = support::python_script("ibm_sdk_compat.py", &[binary.as_os_str()]);
    assert!(ok, "{out}");
    assert!(out.contains("7 passed, 0 failed"), "{out}");
}
