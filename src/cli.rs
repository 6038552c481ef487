//! The command line (clap). Parsing only: `app` decides what to do with it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "apiflow", version, about = "Run declarative HTTP API workflows and check every response", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run workflow files (or folders of them) and check every response.
    Run(RunArgs),
    /// Check workflow files without sending anything.
    Validate {
        /// Workflow files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        select: Select,
    },
    /// List workflows, their steps and the inputs they need.
    List {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        select: Select,
    },
    /// Serve the IBM Cloud emulator (IAM, API keys, SCC Configuration API) on loopback.
    Sandbox(SandboxArgs),
    /// Print the JSON Schema of workflow files (or, with --report, of the JSON report).
    Schema {
        /// The schema of `--report json=FILE` instead.
        #[arg(long)]
        report: bool,
    },
    /// Print shell completions.
    Completions { shell: clap_complete::Shell },
    /// Turn a command from documentation into a workflow step.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Print a workflow's request steps as commands of another tool.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Write a starter folder: a workflow, `.env.example` and a CI example.
    Init {
        /// The folder to write into (created if missing; default: the current folder).
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// A curl command, as arguments after `--` or pasted on stdin, printed as a step.
    Curl(ImportCurlArgs),
}

#[derive(Args, Debug)]
pub struct ImportCurlArgs {
    /// Print a whole, valid workflow instead of one step.
    #[arg(long)]
    pub workflow: bool,
    /// curl's arguments (after `--`); without them the command is read from stdin.
    #[arg(last = true, allow_hyphen_values = true, value_name = "CURL-ARGS")]
    pub args: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Each request step as a curl command (secrets as "$NAME" shell references).
    Curl(ExportCurlArgs),
}

#[derive(Args, Debug)]
pub struct ExportCurlArgs {
    /// A workflow file (or a folder of them).
    pub path: PathBuf,
    /// Only the request step with this id.
    #[arg(long, value_name = "ID")]
    pub step: Option<String>,
    /// An input value, NAME=VALUE (repeatable); secret inputs stay references.
    #[arg(long = "input", short = 'i', value_name = "NAME=VALUE")]
    pub inputs: Vec<String>,
}

/// Which of the files found in folders are taken (`validate` and `list`).
#[derive(Args, Debug, Clone, Default)]
pub struct Select {
    /// Skip files whose path matches GLOB (`*`, `?`, `**`; repeatable).
    #[arg(long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Also list the files that were skipped, and why.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    Junit,
    Json,
    Html,
}

fn parse_report(s: &str) -> Result<(ReportKind, PathBuf), String> {
    let (kind, path) = s
        .split_once('=')
        .ok_or("expected KIND=FILE, e.g. junit=report.xml")?;
    let kind = match kind {
        "junit" => ReportKind::Junit,
        "json" => ReportKind::Json,
        "html" => ReportKind::Html,
        other => {
            return Err(format!(
                "unknown report kind `{other}`: use junit, json or html"
            ));
        }
    };
    if path.is_empty() {
        return Err("the report file name is empty".into());
    }
    Ok((kind, PathBuf::from(path)))
}

fn parse_size(s: &str) -> Result<u64, String> {
    crate::size::parse(s)
}

fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("`{s}`: expected K/N with 1 <= K <= N, e.g. 2/4");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (u32, u32) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Workflow files, or folders searched for *.yaml / *.yml.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Skip files whose path matches GLOB (`*`, `?`, `**`; repeatable).
    #[arg(long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// An input value, NAME=VALUE (repeatable).
    #[arg(long = "input", short = 'i', value_name = "NAME=VALUE")]
    pub inputs: Vec<String>,
    /// A YAML or .env file of input values (repeatable).
    #[arg(long = "input-file", value_name = "FILE")]
    pub input_files: Vec<PathBuf>,
    /// A .env file whose variables the workflows see as environment variables.
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// How many workflow files run at once.
    #[arg(long, short = 'j', value_name = "N", default_value_t = 8)]
    pub jobs: usize,
    /// Stop starting new workflow files after the first failure.
    #[arg(long)]
    pub fail_fast: bool,
    /// Keep provider tokens in this folder between runs (files are private to the user).
    #[arg(long, value_name = "DIR")]
    pub token_cache: Option<PathBuf>,
    /// Run only shard K of N (1-based): a stable split of the files by path, for CI matrices.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u32, u32)>,
    /// Write a report: `junit=FILE`, `json=FILE` or `html=FILE` (repeatable).
    #[arg(long = "report", value_name = "KIND=FILE", value_parser = parse_report)]
    pub reports: Vec<(ReportKind, PathBuf)>,
    /// Run the embedded IBM Cloud sandbox and point the recipes at it.
    #[arg(long)]
    pub sandbox: bool,
    /// Bound on each decoded response body, e.g. `64MiB`, `512KiB`, `1GB` or bytes.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_body: Option<u64>,
    /// Load cookies from FILE (Netscape format, as curl and Hurl write it) before the run and
    /// write them back after it.
    #[arg(long, value_name = "FILE")]
    pub cookie_jar: Option<PathBuf>,
    /// Print every request and response (secrets redacted).
    #[arg(long, short = 'v', conflicts_with = "quiet")]
    pub verbose: bool,
    /// Print only failures and the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Args, Debug, Clone)]
pub struct SandboxArgs {
    /// Address to listen on (loopback by default; port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub addr: String,
    /// The API key to seed (generated and printed when not given).
    #[arg(long, env = "APIFLOW_SANDBOX_APIKEY", hide_env_values = true)]
    pub apikey: Option<String>,
    /// The account ID of the seeded key (32 hex characters).
    #[arg(long)]
    pub account_id: Option<String>,
    /// Lifetime of issued access tokens.
    #[arg(long, default_value = "1h")]
    pub token_ttl: String,
    /// Seed for generated identifiers, for reproducible runs.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Added delay before every answer.
    #[arg(long)]
    pub latency: Option<String>,
    /// Share of requests answered with a server error (0 to 1), drawn from --fail-status.
    #[arg(long)]
    pub fail_rate: Option<f64>,
    /// The statuses --fail-rate draws from, e.g. `503,504` (default 500,502,503,504).
    #[arg(long, value_name = "LIST")]
    pub fail_status: Option<String>,
    /// Requests per endpoint and caller before answering 429 with Retry-After: `20/s` or `100/m`.
    #[arg(long)]
    pub rate_limit: Option<String>,
    /// An HTTP Basic client the token endpoint accepts besides `bx:bx` (repeatable).
    #[arg(long = "client", value_name = "ID:SECRET")]
    pub clients: Vec<String>,
    /// Whose API key is seeded: a service ID, or the account owner's IBMid user.
    #[arg(long, value_parser = ["service", "user"], default_value = "service")]
    pub identity: String,
    /// Lifetime of refresh tokens (they also stop working once exchanged).
    #[arg(long, default_value = "720h")]
    pub refresh_token_ttl: String,
}
