//! `apiflow init [DIR]`: a starter folder that passes at once with `apiflow run --sandbox DIR`.
//! Nothing is overwritten: when any of the files exists, nothing is written.

use std::path::{Path, PathBuf};

use super::exit;
use crate::report::output::Output;

const WORKFLOW: &str = r#"# yaml-language-server: $schema=../schemas/workflow.schema.json
#
# IBM Cloud's "preparing to use the API": exchange an API key for an IAM access token, then
# call an API with it. Try it against the embedded IBM Cloud sandbox (no account needed):
#   apiflow run --sandbox .
# and against IBM Cloud:
#   IBMCLOUD_API_KEY=... apiflow run .
version: 1
name: IBM Cloud API key to first API call
inputs:
  apikey: { env: IBMCLOUD_API_KEY, secret: true, required: true, description: IBM Cloud API key }
  iam_url: { env: IBMCLOUD_IAM_URL, default: "https://iam.cloud.ibm.com" }
steps:
  - id: token
    name: Exchange the API key for an IAM access token
    request:
      method: POST
      url: "{{ inputs.iam_url }}/identity/token"
      headers: { Accept: application/json }
      form:
        grant_type: urn:ibm:params:oauth:grant-type:apikey
        apikey: "{{ inputs.apikey }}"
    expect:
      status: 200
      json:
        $.token_type: Bearer
        $.expires_in: { gt: 0 }
    capture:
      access_token: { json: $.access_token, secret: true }

  - id: account
    name: Read the account ID from the token
    set:
      account_id: "{{ (access_token | jwt_claims).account.bss }}"

  - id: key_details
    name: Look up the API key's details with the token
    request:
      url: "{{ inputs.iam_url }}/v1/apikeys/details"
      headers: { IAM-ApiKey: "{{ inputs.apikey }}" }
      auth: { bearer: "{{ access_token }}" }
    expect:
      status: 200
      json:
        $.account_id: "{{ account_id }}"
"#;

const ENV_EXAMPLE: &str = "# Copy to .env and fill in; never commit .env.
# Create a key: https://cloud.ibm.com/iam/apikeys
IBMCLOUD_API_KEY=
# Optional: another IAM endpoint (for example the sandbox's, printed by `apiflow sandbox`).
# IBMCLOUD_IAM_URL=https://iam.cloud.ibm.com
";

const CI: &str = r#"# Runs the workflows on every push and keeps the JUnit report.
name: apiflow
on: [push, pull_request]
jobs:
  api:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Install apiflow
        # Set the repository variable APIFLOW_GIT to the apiflow repository your team uses.
        run: cargo install --locked --git "${{ vars.APIFLOW_GIT }}" apiflow
      - name: Run the workflows
        env:
          IBMCLOUD_API_KEY: ${{ secrets.IBMCLOUD_API_KEY }}
        # Without the secret, run against the embedded sandbox instead.
        run: |
          if [ -n "$IBMCLOUD_API_KEY" ]; then sandbox=""; else sandbox="--sandbox"; fi
          apiflow run $sandbox --report junit=apiflow-junit.xml workflows
      - name: Upload the JUnit report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: apiflow-junit
          path: apiflow-junit.xml
"#;

const README: &str = "# API workflows

Written for apiflow.

- `workflows/ibm-cloud.yaml`: API key → IAM token → a call that uses it.
- `apiflow run --sandbox workflows` runs it against the embedded IBM Cloud sandbox.
- `cp .env.example .env`, fill in `IBMCLOUD_API_KEY`, then
  `apiflow run --env-file .env workflows` runs it against IBM Cloud.
- `apiflow import curl --workflow` turns a curl command from API documentation (pasted on
  stdin) into a new workflow; `apiflow export curl workflows/ibm-cloud.yaml` goes back.
- `.github/workflows/apiflow.yml` runs the workflows in GitHub Actions and uploads JUnit.
- `schemas/workflow.schema.json` lets editors check the workflows as you type
  (`apiflow schema` prints the current one).
";

/// The starter's files, relative to the folder.
pub fn files() -> Vec<(&'static str, String)> {
    vec![
        ("workflows/ibm-cloud.yaml", WORKFLOW.to_owned()),
        (".env.example", ENV_EXAMPLE.to_owned()),
        (".github/workflows/apiflow.yml", CI.to_owned()),
        ("README.md", README.to_owned()),
        (
            "schemas/workflow.schema.json",
            crate::schema::workflow_schema_text() + "\n",
        ),
    ]
}

pub fn init(dir: Option<PathBuf>, output: &Output) -> i32 {
    let dir = dir.unwrap_or_else(|| PathBuf::from("."));
    let existing: Vec<String> = files()
        .iter()
        .map(|(name, _)| dir.join(name))
        .filter(|p| p.exists() || p.is_symlink())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        output.err(&format!(
            "error: not overwriting {}: nothing was written\n",
            existing.join(", ")
        ));
        return exit::INVALID;
    }
    for (name, text) in files() {
        if let Err(e) = write_new(&dir.join(name), &text) {
            output.err(&format!("error: {e}\n"));
            return exit::FAILED;
        }
    }
    let shown = dir.display();
    output.out(&format!(
        "Wrote a starter to {shown}:\n  {}\nTry it against the sandbox:  apiflow run --sandbox {shown}/workflows\n",
        files()
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join("\n  ")
    ));
    exit::OK
}

/// Creates the file; fails if anything appeared at the path meanwhile (never follows a link).
fn write_new(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write as _;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| format!("cannot create `{}`: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}
