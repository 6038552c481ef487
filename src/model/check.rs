use std::sync::Arc;

use crate::jsonpath::Query;
use crate::source::Pos;
use crate::template::ValueTemplate;
use crate::xpath::XPath;

/// One expectation: a subject of the response and a matcher it must satisfy.
pub struct Check {
    pub subject: Subject,
    pub matcher: Matcher,
    pub pos: Pos,
}

/// What part of the response a check or a capture looks at.
pub enum Subject {
    Status,
    Header(String),
    Json(Query),
    Body,
    /// The response time, in milliseconds.
    Duration,
    /// `expect.cookies.NAME`: the value of a cookie the response set (nothing when it set none).
    Cookie(String),
    /// `expect.xpath.EXPR`: an XPath 1.0 expression on an XML or HTML body.
    XPath(XPath),
}

/// All operators must hold.
pub struct Matcher {
    pub ops: Vec<(Op, Pos)>,
}

pub enum Op {
    Eq(ValueTemplate),
    Ne(ValueTemplate),
    Gt(ValueTemplate),
    Gte(ValueTemplate),
    Lt(ValueTemplate),
    Lte(ValueTemplate),
    Contains(ValueTemplate),
    NotContains(ValueTemplate),
    Matches(regex::Regex),
    StartsWith(ValueTemplate),
    EndsWith(ValueTemplate),
    Exists(bool),
    Type(JsonType),
    Length(Box<Matcher>),
    OneOf(ValueTemplate),
    Empty(bool),
    /// `2xx`: the hundreds digit of a status code.
    StatusClass(u16),
    Schema(Arc<jsonschema::Validator>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Array,
    Object,
    Null,
}

impl JsonType {
    pub const NAMES: [&'static str; 7] = [
        "string", "number", "integer", "boolean", "array", "object", "null",
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "string" => Self::String,
            "number" => Self::Number,
            "integer" => Self::Integer,
            "boolean" => Self::Boolean,
            "array" => Self::Array,
            "object" => Self::Object,
            "null" => Self::Null,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn of(v: &serde_json::Value) -> Self {
        use serde_json::Value as V;
        match v {
            V::Null => Self::Null,
            V::Bool(_) => Self::Boolean,
            V::Number(n) if n.is_i64() || n.is_u64() => Self::Integer,
            V::Number(_) => Self::Number,
            V::String(_) => Self::String,
            V::Array(_) => Self::Array,
            V::Object(_) => Self::Object,
        }
    }

    pub fn matches(self, v: &serde_json::Value) -> bool {
        let actual = Self::of(v);
        actual == self || (self == Self::Number && actual == Self::Integer)
    }
}

impl Op {
    pub fn name(&self) -> &'static str {
        match self {
            Op::Eq(_) => "eq",
            Op::Ne(_) => "ne",
            Op::Gt(_) => "gt",
            Op::Gte(_) => "gte",
            Op::Lt(_) => "lt",
            Op::Lte(_) => "lte",
            Op::Contains(_) => "contains",
            Op::NotContains(_) => "not_contains",
            Op::Matches(_) => "matches",
            Op::StartsWith(_) => "starts_with",
            Op::EndsWith(_) => "ends_with",
            Op::Exists(_) => "exists",
            Op::Type(_) => "type",
            Op::Length(_) => "length",
            Op::OneOf(_) => "one_of",
            Op::Empty(_) => "empty",
            Op::StatusClass(_) => "class",
            Op::Schema(_) => "schema",
        }
    }
}

/// A value kept from the response under a name.
pub struct Capture {
    pub name: String,
    pub source: CaptureSource,
    pub secret: bool,
    pub optional: bool,
    pub pos: Pos,
}

pub enum CaptureSource {
    Json(Query),
    Header(String),
    Status,
    Body,
    Regex {
        regex: regex::Regex,
        group: RegexGroup,
    },
    Cookie(String),
    XPath(XPath),
}

pub enum RegexGroup {
    Index(usize),
    Name(String),
}
