//! The keys each mapping of a workflow file accepts, with the help text editors show. The
//! loader checks files against these tables and the JSON Schema is generated from them, so
//! the two cannot drift apart.

pub struct Key {
    pub name: &'static str,
    pub doc: &'static str,
}

const fn k(name: &'static str, doc: &'static str) -> Key {
    Key { name, doc }
}

pub fn names(table: &'static [Key]) -> Vec<&'static str> {
    table.iter().map(|k| k.name).collect()
}

pub fn has(table: &[Key], name: &str) -> bool {
    table.iter().any(|k| k.name == name)
}

pub const TOP: &[Key] = &[
    k("version", "The format version: 1."),
    k("name", "A human title, shown in every report."),
    k("description", "Free text."),
    k("inputs", "The parameters the workflow takes, by name."),
    k(
        "vars",
        "Named values computed once, in order, before the first step; later ones may use earlier ones.",
    ),
    k(
        "auth",
        "Named token providers: fetched on first use, shared, renewed before they expire.",
    ),
    k(
        "defaults",
        "Fields applied to every request step unless the step sets them.",
    ),
    k("steps", "The steps, run in order."),
    k(
        "finally",
        "Steps that always run after `steps`, even after a failure or an interrupt: clean-up.",
    ),
    k(
        "outputs",
        "Named templates evaluated at the end; shown in the JSON report and returned to an including workflow.",
    ),
    k("timeout", "A bound on the whole workflow, e.g. `5m`."),
    k(
        "cookies",
        "`false` turns the workflow's cookie jar off (no cookie is kept or sent from it).",
    ),
];

pub const INPUT: &[Key] = &[
    k("description", "What the input is for."),
    k(
        "env",
        "The environment variable to read when the input is not given on the command line.",
    ),
    k("secret", "Never printed: redacted in every output."),
    k(
        "required",
        "The run stops before sending anything when no value is found.",
    ),
    k("default", "The value when no other source gives one."),
];

pub const PROVIDER: &[Key] = &[
    k(
        "token_url",
        "The token endpoint, e.g. `{{ inputs.iam_url }}/identity/token`.",
    ),
    k(
        "grant_type",
        "`urn:ibm:params:oauth:grant-type:apikey`, `client_credentials`, `password` or `refresh_token`.",
    ),
    k(
        "params",
        "Extra form fields of the grant (e.g. `apikey`, `username`, `password`).",
    ),
    k(
        "client",
        "HTTP Basic client authentication at the token endpoint.",
    ),
    k("scope", "The `scope` form field."),
    k(
        "refresh_at",
        "Renew once this share of the token's lifetime has passed: `0.8` or `80%` (default).",
    ),
];

pub const CLIENT: &[Key] = &[k("id", "The client id."), k("secret", "The client secret.")];

pub const DEFAULTS: &[Key] = &[k(
    "request",
    "Request fields for every request step: headers and query merge, the rest replace.",
)];

pub const STEP: &[Key] = &[
    k(
        "id",
        "`[a-z_][a-z0-9_]*`, unique in the file; needed to refer to the step as `steps.ID`.",
    ),
    k(
        "name",
        "The title shown in reports; may hold templates (inside `for_each` they see `item` and `index`).",
    ),
    k(
        "if",
        "A bare expression: the step is skipped unless it is true.",
    ),
    k(
        "for_each",
        "A bare expression giving a list, or `{ file: PATH }` (CSV, JSON, YAML): the step runs once per item (`item`, `index`), every item even when one fails.",
    ),
    k(
        "retry",
        "Run again until the step passes (or `until` holds).",
    ),
    k("timeout", "A bound on one attempt of the step, e.g. `30s`."),
    k(
        "continue_on_error",
        "A failure is reported but the workflow goes on.",
    ),
    k("request", "Send an HTTP request."),
    k("expect", "Checks on the response of a `request` step."),
    k(
        "capture",
        "Values kept from the response, visible to later steps by name.",
    ),
    k(
        "set",
        "Names given values, visible to later steps like captures.",
    ),
    k("assert", "Bare expressions that must be true."),
    k(
        "include",
        "Run another workflow file (a path relative to this one).",
    ),
    k("with", "The included workflow's inputs."),
    k("sleep", "Wait, e.g. `2s`."),
];

pub const FOR_EACH: &[Key] = &[k(
    "file",
    "A data file, relative to the workflow file: `.csv` (a header row, then one map of strings per row), or a list in `.json`, `.yaml`/`.yml`.",
)];

pub const RETRY: &[Key] = &[
    k(
        "attempts",
        "At most this many attempts, counting the first (default 3).",
    ),
    k("delay", "The wait before the second attempt (default 1s)."),
    k(
        "backoff",
        "How the wait grows: `fixed` (default), `linear` or `exponential`.",
    ),
    k(
        "jitter",
        "Spread each wait randomly between half and all of it.",
    ),
    k(
        "max_delay",
        "The longest wait, also capping `Retry-After` (default 60s).",
    ),
    k(
        "until",
        "A bare expression: retry until it is true (else until the expectations pass).",
    ),
    k(
        "on",
        "Which failures are retried: `network`, status codes such as `503`, classes such as `5xx`.",
    ),
];

pub const ASSERT_ITEM: &[Key] = &[
    k("that", "A bare expression that must be true."),
    k("message", "What the failure report says."),
];

pub const REQUEST: &[Key] = &[
    k("method", "The HTTP method (default GET)."),
    k("url", "The URL."),
    k("query", "Query parameters, added to the URL."),
    k("headers", "Request headers."),
    k("json", "A JSON body: any YAML value, templated throughout."),
    k("form", "An application/x-www-form-urlencoded body."),
    k(
        "body",
        "A raw text body (give its content type in `headers`), or `{ file: path, content_type: … }`: a file's bytes, streamed.",
    ),
    k(
        "multipart",
        "A multipart/form-data body: `field: value` or `field: { file: path, content_type: … }`.",
    ),
    k(
        "auth",
        "A provider name, `{ bearer: … }`, `{ basic: { username, password } }` or `none`.",
    ),
    k("timeout", "A bound on the request (default 30s)."),
    k("follow_redirects", "Follow redirects (default true)."),
    k(
        "max_redirects",
        "The most redirects followed (default 10, at most 100); more fail the step.",
    ),
    k(
        "max_body",
        "A bound on the decoded response body: `64MiB`, `512KiB`, `1GB` or bytes (default 64 MiB).",
    ),
    k(
        "cookies",
        "Cookies to add, `NAME: value` (on top of the jar's), or `false`: none from the jar.",
    ),
    k("verify_tls", "Verify TLS certificates (default true)."),
    k(
        "ca_file",
        "A PEM file of extra trusted certificates, relative to the workflow.",
    ),
];

pub const MULTIPART_FILE: &[Key] = &[
    k("file", "The file to send, relative to the workflow."),
    k(
        "content_type",
        "Its content type (default: guessed from the name).",
    ),
];

/// `body: { file, content_type }`.
pub const BODY_FILE: &[Key] = &[
    k(
        "file",
        "The file to send, relative to the workflow; streamed.",
    ),
    k(
        "content_type",
        "Its content type (default: guessed from the name).",
    ),
];

pub const AUTH: &[Key] = &[
    k("bearer", "A bearer token: sends `Authorization: Bearer …`."),
    k("basic", "HTTP Basic authentication."),
];

pub const BASIC: &[Key] = &[
    k("username", "The user name."),
    k("password", "The password (secret)."),
];

pub const EXPECT: &[Key] = &[
    k(
        "status",
        "A code, a list of codes, a class such as `2xx`, or a matcher.",
    ),
    k("headers", "Header name (any case) to matcher."),
    k(
        "cookies",
        "Cookie name to matcher: a cookie the response set (`{ exists: false }`: it set none).",
    ),
    k("json", "JSONPath (RFC 9535) to matcher."),
    k(
        "xpath",
        "XPath 1.0 (on an XML or HTML body) to matcher; a node-set is the list of its nodes' text.",
    ),
    k("body", "The body as text, a matcher."),
    k(
        "schema",
        "The JSON body against a JSON Schema, inline or `{ file: path }`.",
    ),
    k(
        "max_duration",
        "The longest acceptable response time, e.g. `500ms`.",
    ),
];

pub const OPERATORS: &[Key] = &[
    k("eq", "Equal (JSON-typed: `200` is not `\"200\"`)."),
    k("ne", "Not equal."),
    k("gt", "Greater than."),
    k("gte", "Greater than or equal."),
    k("lt", "Less than."),
    k("lte", "Less than or equal."),
    k("contains", "A substring, a list element or an object key."),
    k("not_contains", "Does not contain."),
    k("matches", "Matches a regular expression."),
    k("starts_with", "Starts with."),
    k("ends_with", "Ends with."),
    k("exists", "Whether the value exists."),
    k(
        "type",
        "string, number, integer, boolean, array, object or null.",
    ),
    k(
        "length",
        "A matcher on the length of a string, list or object.",
    ),
    k("one_of", "Equal to one of a list."),
    k(
        "empty",
        "Whether the value is empty (\"\", [], {} or null).",
    ),
];

pub const CAPTURE: &[Key] = &[
    k("json", "A JSONPath into the JSON body."),
    k("header", "A response header."),
    k("status", "The status code (`status: true`)."),
    k("body", "The body as text (`body: true`)."),
    k(
        "regex",
        "A regular expression on the body; the group given by `group` (default 1).",
    ),
    k("cookie", "A cookie set by the response."),
    k(
        "xpath",
        "An XPath 1.0 expression on an XML or HTML body; a node-set gives the list of its nodes' text.",
    ),
    k("group", "The `regex` group, by number or name."),
    k("secret", "Redact the captured value everywhere."),
    k(
        "optional",
        "Selecting nothing leaves the name undefined instead of failing the step.",
    ),
];

pub const CAPTURE_SOURCES: [&str; 7] = [
    "json", "header", "status", "body", "regex", "cookie", "xpath",
];
