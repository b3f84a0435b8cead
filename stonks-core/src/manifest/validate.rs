//! The diagnostic path: every structural and per-field problem of a manifest,
//! found by walking the document against the JSON Schema generated from the
//! manifest types.
//!
//! It understands the subset of JSON Schema that `schemars` emits for these
//! types: `$ref`, `type`, `properties`, `required`, `additionalProperties`,
//! `items`, `enum`, `const`, `oneOf`/`anyOf`, `format`, `minimum`/`maximum`
//! and the integer formats.

use serde_json::Value;

use super::Problem;
use super::node::Node;
use super::text::check_format;

/// Every problem in `text`. `serde_err` is what the typed parse said; it is
/// reported when the walk finds nothing (which would mean the schema and the
/// types disagree).
pub(super) fn diagnose(text: &str, serde_err: &serde_json::Error) -> Vec<Problem> {
    let node: Node = match serde_json::from_str(text) {
        Ok(n) => n,
        Err(e) => {
            return vec![Problem {
                path: "$".into(),
                message: format!("not valid JSON: {e}"),
            }];
        }
    };
    let schema = super::schema();
    let mut walker = Walker {
        root: schema,
        problems: Vec::new(),
    };
    walker.walk(schema, &node, &mut String::new(), None);
    if walker.problems.is_empty() {
        walker.problems.push(Problem {
            path: "$".into(),
            message: serde_err.to_string(),
        });
    }
    walker.problems
}

struct Walker<'s> {
    root: &'s Value,
    problems: Vec<Problem>,
}

fn shown_path(path: &str) -> String {
    if path.is_empty() {
        "$".into()
    } else {
        path.to_owned()
    }
}

fn push_key(path: &mut String, key: &str) {
    let simple = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if simple {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push_str(&format!("[{:?}]", crate::error::excerpt_of(key, 40)));
    }
}

/// "PluginType" -> "plugin type".
fn words_of(def_name: &str) -> String {
    let mut out = String::new();
    for (i, c) in def_name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

fn type_phrase(ty: &str) -> &str {
    match ty {
        "object" => "an object",
        "array" => "an array",
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean",
        other => other,
    }
}

fn show_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The allowed values when every branch of a `oneOf`/`anyOf` is a constant.
fn constant_choices(branches: &[Value]) -> Option<Vec<&Value>> {
    let mut out = Vec::new();
    for b in branches {
        if let Some(c) = b.get("const") {
            out.push(c);
        } else if let Some(Value::Array(e)) = b.get("enum") {
            out.extend(e.iter());
        } else {
            return None;
        }
    }
    Some(out)
}

impl<'s> Walker<'s> {
    fn problem(&mut self, path: &str, message: String) {
        self.problems.push(Problem {
            path: shown_path(path),
            message,
        });
    }

    fn resolve(&self, reference: &str) -> Option<(&'s Value, &'s str)> {
        let name = reference.strip_prefix("#/$defs/")?;
        let (key, schema) = self.root.get("$defs")?.as_object()?.get_key_value(name)?;
        Some((schema, key.as_str()))
    }

    fn walk(&mut self, schema: &'s Value, node: &Node, path: &mut String, name: Option<&'s str>) {
        let obj = match schema {
            Value::Bool(true) => return,
            Value::Object(o) => o,
            _ => {
                self.problem(path, "no value is allowed here".into());
                return;
            }
        };
        if let Some(Value::String(r)) = obj.get("$ref") {
            match self.resolve(r) {
                Some((target, def)) => self.walk(target, node, path, Some(def)),
                None => self.problem(path, format!("internal: unresolvable schema reference {r}")),
            }
            return;
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = obj.get(key) {
                self.walk_choice(branches, node, path, name);
                return;
            }
        }
        if let Some(ty) = obj.get("type") {
            let types: Vec<&str> = match ty {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            if !types.iter().any(|t| node.is_type(t)) {
                let expected: Vec<&str> = types.iter().map(|t| type_phrase(t)).collect();
                self.problem(
                    path,
                    format!(
                        "expected {}, found {}",
                        expected.join(" or "),
                        node.type_phrase()
                    ),
                );
                return;
            }
        }
        if let Some(c) = obj.get("const") {
            if &node.to_value() != c {
                self.problem(path, format!("expected {}", show_value(c)));
            }
            return;
        }
        if let Some(Value::Array(choices)) = obj.get("enum") {
            let choices: Vec<&Value> = choices.iter().collect();
            self.check_choice(&choices, node, path, name);
            return;
        }
        match node {
            Node::String(s) => {
                if let Some(Value::String(f)) = obj.get("format")
                    && let Some(msg) = check_format(f, s)
                {
                    self.problem(path, msg);
                }
            }
            Node::Number(n) => self.check_number(obj, n, path),
            Node::Array(items) => {
                if let Some(item_schema) = obj.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        let len = path.len();
                        path.push_str(&format!("[{i}]"));
                        self.walk(item_schema, item, path, None);
                        path.truncate(len);
                    }
                }
            }
            Node::Object(entries) => self.walk_object(obj, entries, path),
            Node::Null | Node::Bool(_) => {}
        }
    }

    fn check_number(
        &mut self,
        obj: &serde_json::Map<String, Value>,
        n: &serde_json::Number,
        path: &str,
    ) {
        let bounds: Option<(i128, i128)> = match obj.get("format").and_then(Value::as_str) {
            Some("uint32") => Some((0, u32::MAX.into())),
            Some("uint64") => Some((0, u64::MAX.into())),
            Some("int32") => Some((i32::MIN.into(), i32::MAX.into())),
            Some("int64") => Some((i64::MIN.into(), i64::MAX.into())),
            _ => None,
        };
        let as_int = n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from));
        if let (Some((lo, hi)), Some(v)) = (bounds, as_int)
            && (v < lo || v > hi)
        {
            self.problem(path, format!("{v} is out of range: expected {lo} to {hi}"));
            return;
        }
        if let (Some(min), Some(v)) = (obj.get("minimum").and_then(Value::as_f64), n.as_f64())
            && v < min
        {
            self.problem(path, format!("{n} is below the minimum {min}"));
        }
        if let (Some(max), Some(v)) = (obj.get("maximum").and_then(Value::as_f64), n.as_f64())
            && v > max
        {
            self.problem(path, format!("{n} is above the maximum {max}"));
        }
    }

    fn walk_object(
        &mut self,
        obj: &'s serde_json::Map<String, Value>,
        entries: &[(String, Node)],
        path: &mut String,
    ) {
        let properties = obj.get("properties").and_then(Value::as_object);
        let additional = obj.get("additionalProperties");
        let mut seen: Vec<&str> = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let len = path.len();
            push_key(path, key);
            if seen.contains(&key.as_str()) {
                self.problem(path, "duplicate key".into());
                path.truncate(len);
                continue;
            }
            seen.push(key);
            match properties.and_then(|p| p.get(key)) {
                Some(prop) => self.walk(prop, value, path, None),
                None => match additional {
                    Some(Value::Bool(false)) => {
                        let expected: Vec<&str> = properties
                            .map(|p| p.keys().map(String::as_str).collect())
                            .unwrap_or_default();
                        let message = if expected.is_empty() {
                            "unknown key: no keys are allowed here".to_owned()
                        } else {
                            format!("unknown key; expected one of {}", expected.join(", "))
                        };
                        self.problem(path, message);
                    }
                    Some(extra) => {
                        if let Some(names) = obj.get("propertyNames") {
                            self.walk(names, &Node::String(key.clone()), path, None);
                        }
                        self.walk(extra, value, path, None);
                    }
                    None => {}
                },
            }
            path.truncate(len);
        }
        if let Some(Value::Array(required)) = obj.get("required") {
            for r in required.iter().filter_map(Value::as_str) {
                if !seen.contains(&r) {
                    self.problem(path, format!("missing required key {r:?}"));
                }
            }
        }
    }

    fn walk_choice(
        &mut self,
        branches: &'s [Value],
        node: &Node,
        path: &mut String,
        name: Option<&'s str>,
    ) {
        if let Some(choices) = constant_choices(branches) {
            self.check_choice(&choices, node, path, name);
            return;
        }
        // Keep the branches whose declared type fits; `Option<T>` becomes
        // `anyOf [T, null]`, so a non-null value gets T's precise problems.
        let fits = |b: &Value| {
            let b = match b
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| self.resolve(r))
            {
                Some((t, _)) => t,
                None => b,
            };
            match b.get("type") {
                Some(Value::String(t)) => node.is_type(t),
                Some(Value::Array(ts)) => {
                    ts.iter().filter_map(Value::as_str).any(|t| node.is_type(t))
                }
                _ => true,
            }
        };
        let candidates: Vec<&'s Value> = branches.iter().filter(|b| fits(b)).collect();
        match candidates.as_slice() {
            [] => self.problem(path, format!("unexpected {}", node.type_phrase())),
            [only] => self.walk(only, node, path, name),
            several => {
                let mut first_problems = None;
                for b in several {
                    let mut sub = Walker {
                        root: self.root,
                        problems: Vec::new(),
                    };
                    sub.walk(b, node, path, name);
                    if sub.problems.is_empty() {
                        return;
                    }
                    first_problems.get_or_insert(sub.problems);
                }
                self.problems.extend(first_problems.unwrap_or_default());
            }
        }
    }

    fn check_choice(&mut self, choices: &[&Value], node: &Node, path: &str, name: Option<&str>) {
        let value = node.to_value();
        if choices.contains(&&value) {
            return;
        }
        let what = name.map(words_of).unwrap_or_else(|| "value".into());
        let expected: Vec<String> = choices.iter().map(|c| show_value(c)).collect();
        let message = match &value {
            Value::String(s) => format!(
                "unknown {what} {:?}; expected one of {}",
                crate::error::excerpt_of(s, 60),
                expected.join(", ")
            ),
            _ => format!(
                "expected {what} as one of {}, found {}",
                expected.join(", "),
                node.type_phrase()
            ),
        };
        self.problem(path, message);
    }
}
