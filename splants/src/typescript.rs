//! TypeScript declarations of every shape the Node binding exposes, generated from the core's
//! types with ts-rs, and a JSON description of the same shapes (their field names) that the
//! Python binding's stub is checked against. Feature `typescript`; nothing here runs in an
//! engine.
//!
//! Node's results are the core's `Serialize` output (snake_case), so they are declared as
//! ts-rs derives them. Its arguments are written in camelCase (the binding renames keys to
//! snake_case before the core parses them), so argument shapes are declared with camelCase
//! names. A shape that is both (a brief is an argument and is echoed in every piece) gets both
//! declarations; in its argument form the fields a caller may leave out are exactly those the
//! core fills in, found by parsing a sample without each field.
//!
//! The committed `bindings/node/types/header.d.ts` (the head of `index.d.ts`) holds
//! [`declarations`] between [`BEGIN`] and [`END`], and `bindings/shared/shapes.json` is
//! [`description`]; `tests/binding_shapes.rs` fails when either is stale (`SPLANTS_BLESS=1`
//! rewrites them).

use crate::analytics::{
    DayStat, EngagementCounts, EngagementReport, EventKind, HourRank, NewEvent, Overview, PlatformCount,
    PlatformEngagement, ReportRange, RoiPeriod, RoiReport, RoiTypeLine, TypeRank, TypeStat, UsageTotals,
};
use crate::auth::{ApiKeyInfo, IssuedKey, KeyRole, KeyStatus, NewKey, RotatedKey};
use crate::budget::BudgetStatus;
use crate::content::Usage;
use crate::content::{
    Assessment, ContentMetadata, ContentRequest, ContentType, GeneratedContent, Light, Platform, Readability,
    RepairMethod, RepairNote, TemplateRef, Tone,
};
use crate::engine::{
    AccountInfo, BatchError, BatchItem, BatchResult, BatchStatus, ComponentHealth, ComponentStatus, Health,
    PublishRequest, Quote, QuoteTarget, ShutdownReport, SystemHealth,
};
use crate::error::{Error, ErrorCode, Result};
use crate::publish::{PostedPart, PublisherKind};
use crate::schedule::{PostStatus, SchedulePage, ScheduleQuery, ScheduledPost};
use crate::shapes::CallerContext;
use crate::storage::{ContentPage, ContentQuery};
use crate::template::{Template, TemplateOverrides, TemplateVariable, VariableKind};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::fmt::Write as _;
use ts_rs::{Config, TS};

/// The line that opens the generated declarations in `types/header.d.ts`.
pub const BEGIN: &str =
    "// <shapes generated from the core by splants::typescript::declarations() (ts-rs): do not edit>";
/// The line that closes them.
pub const END: &str = "// </shapes>";

/// How Node sees a shape.
enum View {
    /// A result: the core's `Serialize` output, snake_case.
    Output,
    /// An argument: camelCase keys.
    Input,
    /// Both: the result under its ts-rs name, and the argument form `name`, whose optional fields
    /// are those the core fills in (`defaulted`) and whose field types `types` replaces.
    Both { name: &'static str, defaulted: Vec<String>, types: &'static [(&'static str, &'static str)] },
}

/// One shape: its core name, its ts-rs declaration and how Node sees it.
struct Entry {
    shape: &'static str,
    ts_name: String,
    docs: Vec<String>,
    body: Body,
    uses: Vec<String>,
    view: View,
}

/// A parsed ts-rs declaration.
enum Body {
    /// `{ field: type, … }`
    Fields(Vec<Field>),
    /// Anything else (a union of strings).
    Alias(String),
}

/// One field of a declaration.
struct Field {
    docs: Vec<String>,
    name: String,
    optional: bool,
    ty: String,
}

fn config() -> Config {
    // u64 / i64 / usize are JSON numbers (JSON.parse never makes a bigint).
    Config::new().with_large_int("number")
}

fn entry<T: TS + 'static>(cfg: &Config, view: View) -> Result<Entry> {
    let shape = std::any::type_name::<T>().rsplit("::").next().unwrap_or_default();
    let decl = T::decl(cfg);
    let (ts_name, body) = parse_decl(&decl).ok_or_else(|| {
        Error::internal(format!("splants::typescript cannot read the ts-rs declaration of {shape}: {decl}"))
    })?;
    let docs = T::docs().map(|d| doc_lines(&d)).unwrap_or_default();
    let uses = T::dependencies(cfg).into_iter().map(|d| d.ts_name).collect();
    Ok(Entry { shape, ts_name, docs, body, uses, view })
}

/// The fields of `sample`'s shape that parse when left out: those the core fills in.
fn defaulted<T: Serialize + DeserializeOwned>(sample: &T) -> Result<Vec<String>> {
    let bad = |e: serde_json::Error| {
        Error::internal(format!("the sample of {} does not round-trip: {e}", std::any::type_name::<T>()))
    };
    let Value::Object(full) = serde_json::to_value(sample).map_err(bad)? else {
        return Err(Error::internal(format!("{} is not a JSON object", std::any::type_name::<T>())));
    };
    serde_json::from_value::<T>(Value::Object(full.clone())).map_err(bad)?;
    Ok(full
        .keys()
        .filter(|key| {
            let mut without = full.clone();
            without.remove(*key);
            serde_json::from_value::<T>(Value::Object(without)).is_ok()
        })
        .cloned()
        .collect())
}

/// Every shape Node exposes, in the order they are declared.
fn entries() -> Result<Vec<Entry>> {
    let cfg = &config();
    let template = Template {
        name: "sample".into(),
        version: "1".into(),
        description: String::new(),
        content_type: ContentType::Blog,
        default_tone: Tone::default(),
        default_length: None,
        default_platform: None,
        variables: Vec::new(),
        keywords: Vec::new(),
        topic: "t".into(),
        prompt: "p".into(),
    };
    Ok(vec![
        entry::<ContentType>(cfg, View::Output)?,
        entry::<Tone>(cfg, View::Output)?,
        entry::<Platform>(cfg, View::Output)?,
        entry::<ErrorCode>(cfg, View::Output)?,
        entry::<CallerContext>(cfg, View::Input)?,
        entry::<ContentRequest>(
            cfg,
            View::Both {
                name: "ContentRequest",
                defaulted: defaulted(&ContentRequest::new(ContentType::Blog, "t"))?,
                types: &[],
            },
        )?,
        entry::<GeneratedContent>(cfg, View::Output)?,
        entry::<ContentMetadata>(cfg, View::Output)?,
        entry::<Readability>(cfg, View::Output)?,
        entry::<Assessment>(cfg, View::Output)?,
        entry::<Light>(cfg, View::Output)?,
        entry::<RepairNote>(cfg, View::Output)?,
        entry::<RepairMethod>(cfg, View::Output)?,
        entry::<Usage>(cfg, View::Output)?,
        entry::<TemplateRef>(cfg, View::Output)?,
        entry::<Quote>(cfg, View::Output)?,
        entry::<QuoteTarget>(cfg, View::Output)?,
        entry::<BatchResult>(cfg, View::Output)?,
        entry::<BatchItem>(cfg, View::Output)?,
        entry::<BatchStatus>(cfg, View::Output)?,
        entry::<BatchError>(cfg, View::Output)?,
        entry::<ContentQuery>(cfg, View::Input)?,
        entry::<ContentPage>(cfg, View::Output)?,
        entry::<EventKind>(cfg, View::Output)?,
        entry::<NewEvent>(cfg, View::Input)?,
        entry::<ReportRange>(cfg, View::Input)?,
        entry::<Overview>(cfg, View::Output)?,
        entry::<PlatformCount>(cfg, View::Output)?,
        entry::<TypeStat>(cfg, View::Output)?,
        entry::<DayStat>(cfg, View::Output)?,
        entry::<UsageTotals>(cfg, View::Output)?,
        entry::<EngagementReport>(cfg, View::Output)?,
        entry::<EngagementCounts>(cfg, View::Output)?,
        entry::<PlatformEngagement>(cfg, View::Output)?,
        entry::<TypeRank>(cfg, View::Output)?,
        entry::<HourRank>(cfg, View::Output)?,
        entry::<RoiPeriod>(cfg, View::Output)?,
        entry::<RoiReport>(cfg, View::Output)?,
        entry::<RoiTypeLine>(cfg, View::Output)?,
        entry::<BudgetStatus>(cfg, View::Output)?,
        entry::<Template>(
            cfg,
            View::Both {
                name: "TemplateInput",
                defaulted: defaulted(&template)?,
                types: &[("variables", "Array<TemplateVariableInput>")],
            },
        )?,
        entry::<TemplateVariable>(
            cfg,
            View::Both {
                name: "TemplateVariableInput",
                defaulted: defaulted(&TemplateVariable::new("sample", ""))?,
                types: &[],
            },
        )?,
        entry::<VariableKind>(cfg, View::Output)?,
        entry::<TemplateOverrides>(cfg, View::Input)?,
        entry::<ApiKeyInfo>(cfg, View::Output)?,
        entry::<KeyRole>(cfg, View::Output)?,
        entry::<KeyStatus>(cfg, View::Output)?,
        entry::<NewKey>(cfg, View::Input)?,
        entry::<IssuedKey>(cfg, View::Output)?,
        entry::<RotatedKey>(cfg, View::Output)?,
        entry::<Health>(cfg, View::Output)?,
        entry::<ComponentHealth>(cfg, View::Output)?,
        entry::<ComponentStatus>(cfg, View::Output)?,
        entry::<SystemHealth>(cfg, View::Output)?,
        entry::<ShutdownReport>(cfg, View::Output)?,
        entry::<PublisherKind>(cfg, View::Output)?,
        entry::<PostStatus>(cfg, View::Output)?,
        entry::<PostedPart>(cfg, View::Output)?,
        entry::<ScheduledPost>(cfg, View::Output)?,
        entry::<SchedulePage>(cfg, View::Output)?,
        entry::<ScheduleQuery>(cfg, View::Input)?,
        entry::<PublishRequest>(cfg, View::Input)?,
        entry::<AccountInfo>(cfg, View::Output)?,
    ])
}

/// The TypeScript of every shape Node exposes, between [`BEGIN`] and [`END`] (what
/// `bindings/node/types/header.d.ts` holds). Fails when a shape uses a type that is not declared.
pub fn declarations() -> Result<String> {
    let entries = entries()?;
    let declared: Vec<&str> = entries.iter().map(|e| e.ts_name.as_str()).collect();
    for e in &entries {
        if let Some(missing) = e.uses.iter().find(|u| !declared.contains(&u.as_str())) {
            return Err(Error::internal(format!(
                "{} uses {missing}, which splants::typescript does not declare: add it to `entries()`",
                e.shape
            )));
        }
    }
    let mut out = format!(
        "{BEGIN}\n// Results are the core's JSON output (snake_case, as the HTTP API answers); arguments are\n\
         // written in camelCase (snake_case keys are accepted too).\n"
    );
    for e in &entries {
        out.push('\n');
        match (&e.body, &e.view) {
            (Body::Alias(rhs), _) => {
                out.push_str(&jsdoc(&e.docs, ""));
                let _ = writeln!(out, "export type {} = {rhs}", e.ts_name);
            }
            (Body::Fields(fields), View::Output) => out.push_str(&interface(&e.ts_name, &e.docs, fields, None)),
            (Body::Fields(fields), View::Input) => {
                out.push_str(&interface(
                    &e.ts_name,
                    &e.docs,
                    fields,
                    Some(ArgumentForm { defaulted: &[], types: &[] }),
                ));
            }
            (Body::Fields(fields), View::Both { name, defaulted, types }) => {
                out.push_str(&interface(&e.ts_name, &e.docs, fields, None));
                out.push('\n');
                let mut docs = e.docs.clone();
                docs.push(String::new());
                docs.push(format!("As an argument: camelCase keys; the fields the core fills in may be left out (`{}` is the result form).", e.ts_name));
                out.push_str(&interface(name, &docs, fields, Some(ArgumentForm { defaulted, types })));
            }
        }
    }
    out.push('\n');
    out.push_str(END);
    Ok(out)
}

/// The shapes with fields, as JSON: for each, its core name, its TypeScript name(s) and its
/// field names (snake_case, as the core and Python name them). `bindings/shared/shapes.json`.
pub fn description() -> Result<Value> {
    let shapes: Vec<Value> = entries()?
        .into_iter()
        .filter_map(|e| {
            let Body::Fields(fields) = &e.body else { return None };
            let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            let (view, input) = match &e.view {
                View::Output => ("result", None),
                View::Input => ("argument", Some(e.ts_name.as_str())),
                View::Both { name, .. } => ("both", Some(*name)),
            };
            Some(json!({
                "shape": e.shape,
                "view": view,
                "typescript": e.ts_name,
                "typescript_argument": input,
                "fields": names,
            }))
        })
        .collect();
    Ok(json!({
        "about": "Generated by splants::typescript::description() (SPLANTS_BLESS=1 cargo test --test binding_shapes): \
                  every shape with fields the bindings expose, with its fields as the core names them. \
                  bindings/python/tests/test_shapes.py checks that the Python declarations name every field.",
        "shapes": shapes,
    }))
}

/// How an argument form differs from the result form: the fields the core fills in (optional
/// here) and field types replaced by their own argument forms.
#[derive(Clone, Copy)]
struct ArgumentForm<'a> {
    defaulted: &'a [String],
    types: &'a [(&'a str, &'a str)],
}

/// `export interface name { … }`; with `input` the argument form: camelCase names, the
/// defaulted fields optional, the replaced types.
fn interface(name: &str, docs: &[String], fields: &[Field], input: Option<ArgumentForm<'_>>) -> String {
    let mut out = jsdoc(docs, "");
    let _ = writeln!(out, "export interface {name} {{");
    for f in fields {
        out.push_str(&jsdoc(&f.docs, "  "));
        let (key, optional, ty) = match input {
            None => (f.name.clone(), f.optional, f.ty.as_str()),
            Some(form) => (
                camel_case(&f.name),
                f.optional || form.defaulted.contains(&f.name),
                form.types.iter().find(|(n, _)| *n == f.name).map_or(f.ty.as_str(), |(_, t)| t),
            ),
        };
        let _ = writeln!(out, "  {key}{}: {ty}", if optional { "?" } else { "" });
    }
    out.push_str("}\n");
    out
}

fn jsdoc(lines: &[String], indent: &str) -> String {
    match lines {
        [] => String::new(),
        [one] => format!("{indent}/** {one} */\n"),
        many => {
            let mut out = format!("{indent}/**\n");
            for l in many {
                if l.is_empty() {
                    let _ = writeln!(out, "{indent} *");
                } else {
                    let _ = writeln!(out, "{indent} * {l}");
                }
            }
            let _ = writeln!(out, "{indent} */");
            out
        }
    }
}

/// `key_budget` → `keyBudget`.
fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The lines of a `/** … */` comment.
fn doc_lines(comment: &str) -> Vec<String> {
    let inner = comment.trim().trim_start_matches("/**").trim_end_matches("*/");
    let mut lines: Vec<String> = inner
        .lines()
        .map(|l| {
            let l = l.trim();
            let l = l.strip_prefix('*').unwrap_or(l);
            l.strip_prefix(' ').unwrap_or(l).trim_end().to_owned()
        })
        .collect();
    lines = without_code(lines);
    while lines.first().is_some_and(String::is_empty) {
        lines.remove(0);
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

/// Rustdoc for a TypeScript reader: without code examples (they are Rust), intra-doc links as
/// plain code (`[`Usd`](crate::money::Usd)` → `` `Usd` ``), no doubled blank lines.
fn without_code(lines: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut in_code = false;
    for line in lines {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code || (line.is_empty() && out.last().is_none_or(String::is_empty)) {
            continue;
        }
        out.push(plain_links(&line));
    }
    out
}

/// `[`a`]` and `[`a`](path)` → `` `a` ``.
fn plain_links(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("[`") {
        let Some(len) = rest[start + 2..].find("`]") else { break };
        out.push_str(&rest[..start]);
        out.push('`');
        out.push_str(&rest[start + 2..start + 2 + len]);
        out.push('`');
        rest = &rest[start + 2 + len + 2..];
        if rest.starts_with('(')
            && let Some(close) = rest.find(')')
        {
            rest = &rest[close + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// `type Name = rhs;` → the name and the fields of an object type (or the other right side).
fn parse_decl(decl: &str) -> Option<(String, Body)> {
    let rest = decl.trim().strip_prefix("type ")?;
    let (name, rhs) = rest.split_once(" = ")?;
    let rhs = rhs.trim().strip_suffix(';')?.trim();
    let Some(inner) = rhs.strip_prefix('{').and_then(|r| r.strip_suffix('}')) else {
        return Some((name.to_owned(), Body::Alias(rhs.to_owned())));
    };
    let fields = split_top_level(inner).into_iter().map(|part| parse_field(&part)).collect::<Option<Vec<_>>>()?;
    Some((name.to_owned(), Body::Fields(fields)))
}

/// `/** doc */ name?: type` → a field.
fn parse_field(part: &str) -> Option<Field> {
    let part = part.trim();
    let (docs, rest) = match part.strip_prefix("/**") {
        Some(r) => {
            let end = r.find("*/")?;
            (doc_lines(&r[..end]), r[end + 2..].trim())
        }
        None => (Vec::new(), part),
    };
    let (name, ty) = rest.split_once(':')?;
    let name = name.trim().trim_matches('"');
    let (name, optional) = match name.strip_suffix('?') {
        Some(n) => (n, true),
        None => (name, false),
    };
    Some(Field { docs, name: name.to_owned(), optional, ty: ty.trim().to_owned() })
}

/// Splits an object type's body at the commas between its fields (not those inside comments,
/// strings or nested types); empty parts are dropped.
fn split_top_level(body: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0_i32;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                current.push(c);
                let mut prev = ' ';
                for c in chars.by_ref() {
                    current.push(c);
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
                continue;
            }
            '"' => {
                current.push(c);
                let mut escaped = false;
                for c in chars.by_ref() {
                    current.push(c);
                    match c {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => break,
                        _ => escaped = false,
                    }
                }
                continue;
            }
            '{' | '[' | '(' | '<' => depth += 1,
            '}' | ']' | ')' | '>' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_parse_with_docs_commas_and_nesting() {
        let decl = "type X = { \n/**\n * One, two.\n */\na: { [key in string]: number }, b?: \"x,y\" | null, c: Array<[number, string]>, };";
        let Some((name, Body::Fields(fields))) = parse_decl(decl) else { panic!("not parsed") };
        assert_eq!(name, "X");
        let got: Vec<(&str, bool, &str)> =
            fields.iter().map(|f| (f.name.as_str(), f.optional, f.ty.as_str())).collect();
        assert_eq!(
            got,
            [
                ("a", false, "{ [key in string]: number }"),
                ("b", true, "\"x,y\" | null"),
                ("c", false, "Array<[number, string]>")
            ]
        );
        assert_eq!(fields[0].docs, ["One, two."]);
        let docs = doc_lines("/**\n * See [`Usd`](crate::money::Usd) and [`x`].\n *\n * ```\n * code\n * ```\n */");
        assert_eq!(docs, ["See `Usd` and `x`."]);
        assert!(matches!(parse_decl("type K = \"a\" | \"b\";"), Some((_, Body::Alias(rhs))) if rhs == "\"a\" | \"b\""));
    }

    #[test]
    fn a_brief_may_leave_out_what_the_core_fills_in() {
        let d = defaulted(&ContentRequest::new(ContentType::Blog, "t")).unwrap();
        assert_eq!(d, ["keywords", "seo_optimize", "tone"]);
        let out = declarations().unwrap();
        assert!(out.contains("export interface ContentRequest {"), "{out}");
        assert!(out.contains("  contentType: ContentType\n"), "{out}");
        assert!(out.contains("  seoOptimize?: boolean\n"), "{out}");
        assert!(out.contains("  seo_optimize: boolean\n"), "{out}");
        assert!(out.contains("  quota?: [limit: number, periodSeconds: number]\n"), "{out}");
    }

    #[test]
    fn every_shape_with_fields_is_described() {
        let d = description().unwrap();
        let shapes = d["shapes"].as_array().unwrap();
        let caller = shapes.iter().find(|s| s["shape"] == "CallerContext").unwrap();
        assert_eq!(caller["typescript"], "RequestContext");
        assert!(caller["fields"].as_array().unwrap().contains(&json!("rate_limit_per_hour")));
        assert!(shapes.iter().any(|s| s["shape"] == "GeneratedContent"));
        assert!(!shapes.iter().any(|s| s["shape"] == "ContentType"), "enums have no fields");
    }
}
