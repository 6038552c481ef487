//! What templates can see: inputs, vars, env, earlier steps' results and captured names.
//!
//! The scope is shared behind an `Arc` and exposed to minijinja as an object, so rendering a
//! field costs a pointer copy rather than rebuilding a context map.

use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::Value;
use minijinja::value::{Enumerator, Object};

#[derive(Clone, Debug, Default)]
struct ScopeData {
    // `inputs`, `vars` and `steps` are kept as ready template values: they change once per
    // var or step, but are read by every render.
    inputs: Value,
    vars: BTreeMap<String, Value>,
    vars_value: Value,
    steps: BTreeMap<String, Value>,
    steps_value: Value,
    names: BTreeMap<String, Value>,
    locals: BTreeMap<&'static str, Value>,
}

/// The variables of one running workflow.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    data: Arc<ScopeData>,
}

impl Scope {
    pub fn new(inputs: BTreeMap<String, Value>) -> Self {
        Self {
            data: Arc::new(ScopeData {
                inputs: Value::from(inputs),
                vars_value: Value::from(BTreeMap::<String, Value>::new()),
                steps_value: Value::from(BTreeMap::<String, Value>::new()),
                ..ScopeData::default()
            }),
        }
    }

    fn data(&mut self) -> &mut ScopeData {
        Arc::make_mut(&mut self.data)
    }

    pub fn set_var(&mut self, name: &str, value: Value) {
        let d = self.data();
        d.vars.insert(name.to_owned(), value);
        d.vars_value = Value::from(d.vars.clone());
    }

    /// A captured or `set` name, visible to later steps.
    pub fn set_name(&mut self, name: &str, value: Value) {
        self.data().names.insert(name.to_owned(), value);
    }

    pub fn set_step(&mut self, id: &str, value: Value) {
        let d = self.data();
        d.steps.insert(id.to_owned(), value);
        d.steps_value = Value::from(d.steps.clone());
    }

    /// `item`, `index` or `attempt`.
    pub fn set_local(&mut self, name: &'static str, value: Value) {
        self.data().locals.insert(name, value);
    }

    pub fn clear_local(&mut self, name: &'static str) {
        if self.data.locals.contains_key(name) {
            self.data().locals.remove(name);
        }
    }

    /// The value handed to templates.
    pub fn context(&self) -> Value {
        Value::from_dyn_object(Arc::new(ScopeView(Arc::clone(&self.data))))
    }
}

#[derive(Debug)]
struct ScopeView(Arc<ScopeData>);

impl Object for ScopeView {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        let d = &self.0;
        match key {
            "inputs" => Some(d.inputs.clone()),
            "vars" => Some(d.vars_value.clone()),
            "steps" => Some(d.steps_value.clone()),
            "env" => Some(Value::from_object(EnvView)),
            _ => d.locals.get(key).or_else(|| d.names.get(key)).cloned(),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<Value> = ["inputs", "vars", "steps", "env"].map(Value::from).to_vec();
        keys.extend(self.0.locals.keys().map(|k| Value::from(*k)));
        keys.extend(self.0.names.keys().map(|k| Value::from(k.as_str())));
        Enumerator::Values(keys)
    }
}

/// `env.NAME`: read on use, so an unset variable is undefined (and so an error).
#[derive(Debug)]
struct EnvView;

impl Object for EnvView {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        crate::environment::var(key.as_str()?).map(Value::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_see_every_layer() {
        let mut scope = Scope::new(BTreeMap::from([("region".to_owned(), Value::from("us"))]));
        scope.set_var("base", Value::from("http://x"));
        scope.set_name("token", Value::from("t"));
        scope.set_step(
            "login",
            crate::template::to_value(serde_json::json!({"response": {"status": 200}})),
        );
        let ctx = scope.context();
        let env = &crate::template::env::ENV;
        let out = env
            .render_str(
                "{{ inputs.region }} {{ vars.base }} {{ token }} {{ steps.login.response.status }}",
                ctx,
            )
            .unwrap();
        assert_eq!(out, "us http://x t 200");
    }
}
