//! `apiflow init`: the starter validates, passes at once against the sandbox, and is never
//! written over existing files.

mod support;

use support::{Dir, apiflow};

const FILES: [&str; 5] = [
    "workflows/ibm-cloud.yaml",
    ".env.example",
    ".github/workflows/apiflow.yml",
    "README.md",
    "schemas/workflow.schema.json",
];

#[test]
fn the_starter_validates_and_passes_against_the_sandbox() {
    let dir = Dir::new();
    let target = dir.path().join("project");
    let out = apiflow().arg("init").arg(&target).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in FILES {
        assert!(target.join(f).is_file(), "{f} missing");
    }
    let env = std::fs::read_to_string(target.join(".env.example")).unwrap();
    assert!(env.contains("IBMCLOUD_API_KEY="));
    let ci: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(target.join(".github/workflows/apiflow.yml")).unwrap(),
    )
    .unwrap();
    let steps = ci["jobs"]["api"]["steps"].as_sequence().unwrap();
    assert!(steps.iter().any(|s| {
        s["run"]
            .as_str()
            .is_some_and(|r| r.contains("--report junit="))
    }));
    assert!(steps.iter().any(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/upload-artifact"))
    }));

    // The schema the workflow's modeline names is apiflow's own.
    let schema = std::fs::read_to_string(target.join("schemas/workflow.schema.json")).unwrap();
    let printed = apiflow().arg("schema").output().unwrap().stdout;
    assert_eq!(schema.as_bytes(), &printed[..]);
    let workflow = std::fs::read_to_string(target.join(FILES[0])).unwrap();
    assert!(
        workflow.starts_with("# yaml-language-server: $schema=../schemas/workflow.schema.json")
    );

    let out = apiflow().arg("validate").arg(&target).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = dir.path().join("report.json");
    let out = apiflow()
        .args(["run", "--sandbox"])
        .arg(&target)
        .arg("--report")
        .arg(format!("json={}", report.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let text = json.to_string();
    assert!(
        text.contains("IBM Cloud API key to first API call"),
        "{text}"
    );
}

#[test]
fn init_refuses_to_overwrite_and_writes_nothing_then() {
    let dir = Dir::new();
    dir.write("README.md", "mine\n");
    let out = apiflow().arg("init").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("README.md"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("README.md")).unwrap(),
        "mine\n"
    );
    assert!(!dir.path().join("workflows").exists());

    // A second init over a first one changes nothing either.
    let fresh = Dir::new();
    assert!(
        apiflow()
            .arg("init")
            .arg(fresh.path())
            .output()
            .unwrap()
            .status
            .success()
    );
    std::fs::write(fresh.path().join("workflows/ibm-cloud.yaml"), "edited\n").unwrap();
    let out = apiflow().arg("init").arg(fresh.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(fresh.path().join("workflows/ibm-cloud.yaml")).unwrap(),
        "edited\n"
    );
}

#[test]
fn init_defaults_to_the_current_folder() {
    let dir = Dir::new();
    let out = apiflow()
        .arg("init")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(dir.path().join("workflows/ibm-cloud.yaml").is_file());
}
