//! `apiflow sandbox`: the IBM Cloud emulator served on loopback until Ctrl-C.

use std::sync::Arc;

use super::exit;
use crate::cli::SandboxArgs;
use crate::report::output::Output;

pub(super) async fn sandbox(args: SandboxArgs, output: Arc<Output>) -> i32 {
    let parse = || -> Result<crate::sandbox::Config, String> {
        let addr = args
            .addr
            .parse()
            .map_err(|e| format!("--addr `{}`: {e}", args.addr))?;
        let token_ttl =
            crate::duration::parse(&args.token_ttl).map_err(|e| format!("--token-ttl: {e}"))?;
        let latency = args
            .latency
            .as_deref()
            .map(crate::duration::parse)
            .transpose()
            .map_err(|e| format!("--latency: {e}"))?;
        let fail_rate = args.fail_rate.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&fail_rate) {
            return Err("--fail-rate must be from 0 to 1".into());
        }
        let rate_limit = args
            .rate_limit
            .as_deref()
            .map(crate::sandbox::parse_rate_limit)
            .transpose()?;
        if let Some(a) = &args.account_id {
            if a.len() != 32 || !a.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err("--account-id must be 32 hexadecimal characters".into());
            }
        }
        let refresh_ttl = crate::duration::parse(&args.refresh_token_ttl)
            .map_err(|e| format!("--refresh-token-ttl: {e}"))?;
        Ok(crate::sandbox::Config {
            addr,
            apikey: args.apikey.clone(),
            account_id: args.account_id.clone(),
            token_ttl,
            refresh_ttl,
            seed: args.seed,
            latency,
            fail_rate,
            fail_statuses: crate::sandbox::parse_fail_statuses(args.fail_status.as_deref())?,
            rate_limit,
            clients: crate::sandbox::parse_clients(&args.clients)?,
            identity: if args.identity == "user" {
                crate::sandbox::SeedIdentity::User
            } else {
                crate::sandbox::SeedIdentity::Service
            },
        })
    };
    let config = match parse() {
        Ok(c) => c,
        Err(e) => {
            output.err(&format!("error: {e}\n"));
            return exit::INVALID;
        }
    };
    let log_out = Arc::clone(&output);
    let log: crate::sandbox::LogSink =
        Arc::new(move |line: &str| log_out.out(&format!("{line}\n")));
    let handle = match crate::sandbox::start(config, Some(log)).await {
        Ok(h) => h,
        Err(e) => {
            output.err(&format!("error: {e}\n"));
            return match e {
                crate::sandbox::StartError::Invalid(_) => exit::INVALID,
                crate::sandbox::StartError::Bind(_) => exit::FAILED,
            };
        }
    };
    output.out(&format!(
        "apiflow sandbox listening on {}\n",
        handle.base_url
    ));
    output.out(&format!("account id: {}\n", handle.account_id));
    if handle.apikey_generated {
        // Printed once, on purpose: it is a sandbox key the user needs to call the sandbox.
        let mut text = format!("api key (generated): {}\n", handle.apikey);
        text.push_str(&format!(
            "  export IBMCLOUD_API_KEY={} IBMCLOUD_IAM_URL={} IBMCLOUD_SCC_URL={}\n",
            handle.apikey, handle.base_url, handle.base_url
        ));
        // Written past the redactor: this is the one place a sandbox key is meant to be shown.
        use std::io::Write as _;
        let _ = std::io::stdout().write_all(text.as_bytes());
        let _ = std::io::stdout().flush();
    } else {
        output.out("api key: the one given with --apikey (not shown)\n");
    }
    output.secrets().add(&handle.apikey);
    let _ = tokio::signal::ctrl_c().await;
    output.out("stopping\n");
    handle.stop().await;
    exit::OK
}
