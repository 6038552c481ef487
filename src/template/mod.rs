//! Templating: the process-wide environment, compiled templates and the variable scope.

pub mod bounds;
pub mod compiled;
pub mod env;
mod render_error;
pub mod scope;

pub use compiled::{Expr, RenderError, StrTemplate, Text, ValueTemplate};
pub use scope::Scope;

/// Converts any serializable value (JSON bodies, captures) into a template value.
pub fn to_value<T: serde::Serialize>(value: T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(value))
}
