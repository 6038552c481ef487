//! One attempt of a step while it runs, and its record once it is done.
//!
//! Exchanges are kept raw until the attempt ends: the captures of a response are registered
//! as secrets before anything about that response is turned into a record.

use std::sync::Arc;
use std::time::Duration;

use crate::http::{Hop, Response};
use crate::record::build::{self, Detail};
use crate::record::{
    AttemptRecord, CaptureRecord, CheckRecord, ErrorRecord, StepRecord, StepStatus,
};
use crate::secrets::{MASK, Redactor};

#[derive(Default)]
pub struct Attempt {
    /// Every hop, with why apiflow sent it when the step did not ask (`auth provider x`).
    pub exchanges: Vec<(Option<String>, Hop)>,
    /// Why a hop of `exchanges` (by index) got no response, or failed after it: a refused
    /// connection, a timeout, too many redirects.
    pub hop_errors: Vec<(usize, String)>,
    pub checks: Vec<CheckRecord>,
    pub captures: Vec<(String, bool, serde_json::Value)>,
    pub error: Option<ErrorRecord>,
    /// The steps of an included workflow, already recorded.
    pub included: Vec<StepRecord>,
    /// The request line as rendered (`GET https://…`), for untitled steps.
    pub request_line: Option<String>,
    pub duration: Duration,
    /// The step's own `timeout` ended the attempt (nothing came back in time).
    pub timed_out: bool,
}

impl Attempt {
    pub fn errored(error: ErrorRecord) -> Self {
        Self {
            error: Some(error),
            ..Self::default()
        }
    }

    pub fn status(&self) -> StepStatus {
        if self.error.is_some() {
            StepStatus::Errored
        } else if self.checks.iter().any(|c| !c.passed) {
            StepStatus::Failed
        } else {
            StepStatus::Passed
        }
    }

    /// Whether the attempt failed because the network did (reference: `retry.on: network`):
    /// its last hop, the step's request or a token request, got no response for a reason
    /// `TransportError::is_network` names, or the attempt outlasted the step's `timeout`.
    /// Not: `max_body`, a redirect refused, an error of the step's own (a template, a
    /// check), an interruption.
    pub fn network_failure(&self) -> bool {
        let last_hop_failed = || {
            self.exchanges
                .last()
                .and_then(|(_, hop)| hop.failure.as_ref())
                .is_some_and(crate::http::TransportError::is_network)
        };
        self.timed_out || (self.error.is_some() && last_hop_failed())
    }

    /// The final response of the step's own request (not a token request's).
    pub fn response(&self) -> Option<&Arc<Response>> {
        self.exchanges
            .iter()
            .rev()
            .find(|(purpose, _)| purpose.is_none())
            .and_then(|(_, hop)| hop.response.as_ref())
    }

    /// The record of this attempt, redacted with every secret known now.
    pub fn finish(self, n: u32, secrets: &Redactor, detail: Detail) -> AttemptRecord {
        let status = self.status();
        let redact_check = |mut c: CheckRecord| {
            c.expected = build::json_owned(c.expected, secrets);
            c.actual = c.actual.map(|a| build::json_owned(a, secrets));
            c.message = c.message.map(|m| build::text_owned(m, secrets));
            c
        };
        let mut exchanges: Vec<_> = self
            .exchanges
            .into_iter()
            .map(|(purpose, hop)| build::hop_owned(hop, purpose, secrets, detail))
            .collect();
        for (i, error) in self.hop_errors {
            if let Some(hop) = exchanges.get_mut(i) {
                hop.error = Some(build::text_owned(error, secrets));
            }
        }
        AttemptRecord {
            attempt: n,
            status: Some(status),
            duration_ms: self.duration.as_secs_f64() * 1000.0,
            exchanges,
            checks: self.checks.into_iter().map(redact_check).collect(),
            captures: self
                .captures
                .into_iter()
                .map(|(name, secret, value)| CaptureRecord {
                    value: if secret {
                        serde_json::Value::String(MASK.into())
                    } else {
                        build::json_owned(value, secrets)
                    },
                    name,
                    secret,
                })
                .collect(),
            error: self.error.map(|e| ErrorRecord {
                message: build::text_owned(e.message, secrets),
                location: e.location,
            }),
            included: self.included,
        }
    }
}
