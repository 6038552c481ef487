//! The two XPath 1.0 core functions sxd-xpath lacks: `lang()` and `id()`.

use sxd_xpath::context::Evaluation;
use sxd_xpath::function::{Args, Error, Function};
use sxd_xpath::nodeset::{Node, Nodeset};
use sxd_xpath::{Context, Value};

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

pub fn register(ctx: &mut Context<'_>) {
    ctx.set_function("lang", Lang);
    ctx.set_function("id", Id);
}

/// `lang(s)`: whether the context node's language (the nearest `xml:lang`, or `lang` in an
/// HTML page) is `s` or a sub-language of it, ignoring case.
struct Lang;

impl Function for Lang {
    fn evaluate<'c, 'd>(
        &self,
        context: &Evaluation<'c, 'd>,
        args: Vec<Value<'d>>,
    ) -> Result<Value<'d>, Error> {
        let mut args = Args(args);
        args.exactly(1)?;
        let wanted = args.pop_string()?.to_ascii_lowercase();
        let mut node = Some(context.node);
        while let Some(n) = node {
            if let Node::Element(e) = n {
                let declared = e
                    .attribute_value((XML_NS, "lang"))
                    .or_else(|| e.attribute_value("lang"));
                if let Some(lang) = declared {
                    let lang = lang.to_ascii_lowercase();
                    let holds = lang == wanted
                        || lang
                            .strip_prefix(&wanted)
                            .is_some_and(|rest| rest.starts_with('-'));
                    return Ok(Value::Boolean(holds));
                }
            }
            node = n.parent();
        }
        Ok(Value::Boolean(false))
    }
}

/// `id(x)`: the elements whose ID is one of the whitespace-separated tokens of `x` (of each
/// node's string value, for a node-set). Without a DTD's attribute types, an `id` or `xml:id`
/// attribute is an ID, as HTML has it.
struct Id;

impl Function for Id {
    fn evaluate<'c, 'd>(
        &self,
        context: &Evaluation<'c, 'd>,
        args: Vec<Value<'d>>,
    ) -> Result<Value<'d>, Error> {
        let mut args = Args(args);
        args.exactly(1)?;
        let text = match args.0.pop() {
            Some(Value::Nodeset(nodes)) => nodes
                .document_order()
                .iter()
                .map(Node::string_value)
                .collect::<Vec<_>>()
                .join(" "),
            Some(v) => v.into_string(),
            None => String::new(),
        };
        let wanted: Vec<&str> = text.split_whitespace().collect();
        let mut found = Nodeset::new();
        if wanted.is_empty() {
            return Ok(Value::Nodeset(found));
        }
        let mut stack: Vec<Node<'d>> = vec![context.node.document().root().into()];
        while let Some(n) = stack.pop() {
            if let Node::Element(e) = n {
                let id = e
                    .attribute_value("id")
                    .or_else(|| e.attribute_value((XML_NS, "id")));
                if id.is_some_and(|id| wanted.contains(&id)) {
                    found.add(e);
                }
            }
            stack.extend(n.children().into_iter().rev());
        }
        Ok(Value::Nodeset(found))
    }
}
