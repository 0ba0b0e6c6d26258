//! Behaviour of the registry as a whole: built-ins, rendering rules, registration checks,
//! file loading and concurrency.

use super::*;
use crate::content::{ContentType, Platform, Tone};
use crate::error::Error;
use serde_json::{Map, Value, json};
use std::sync::Arc;

fn vars(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

fn seed_vars() -> Map<String, Value> {
    vars(json!({
        "product_name": "Splants Pro",
        "features": "AI copywriting, budget guard, scheduling",
        "audience": "small marketing teams",
        "launch_date": "2026-03-01",
    }))
}

/// Splits a template error into (template, variable, reason).
fn template_err(e: Error) -> (String, Option<String>, String) {
    match e {
        Error::Template { template, variable, reason } => (template, variable, reason),
        other => panic!("expected a template error, got {other:?}"),
    }
}

fn simple(name: &str, topic: &str, prompt: &str, variables: Vec<TemplateVariable>) -> Template {
    Template {
        name: name.into(),
        version: "1.0.0".into(),
        description: String::new(),
        content_type: ContentType::Blog,
        default_tone: Tone::Informative,
        default_length: None,
        default_platform: None,
        variables,
        keywords: vec![],
        topic: topic.into(),
        prompt: prompt.into(),
    }
}

fn example_vars(name: &str) -> Map<String, Value> {
    vars(match name {
        "product_launch" => Value::Object(seed_vars()),
        "blog_post" => json!({"subject": "Email deliverability", "format": "listicle", "key_points": ["SPF", "DKIM"]}),
        "social_announcement" => {
            json!({"brand_name": "Acme", "announcement": "We opened in Berlin", "hashtags": ["acme", "#Berlin"]})
        }
        "email_campaign" => {
            json!({"brand_name": "Acme", "main_message": "Spring sale", "deadline": "2026-04-30", "offer": "20% off"})
        }
        "ad_copy" => json!({"product_name": "Acme CRM", "benefit": "Close deals faster", "channel": "social"}),
        "event_promotion" => json!({"event_name": "Growth Summit", "event_date": "2026-09-10", "location": "Online",
                                    "description": "Talks on growth", "speakers": ["Ana", "Bo"], "price": 49.5}),
        "case_study" => json!({"customer_name": "Globex", "industry": "logistics", "product_name": "Acme CRM",
                               "challenge": "Lost leads", "solution": "One inbox", "results": ["30% more replies"],
                               "quote": "It just works", "quote_author": "Jane Doe, COO"}),
        "product_description" => {
            json!({"product_name": "Trail One", "features": ["Waterproof", "280 g"], "price": 129})
        }
        "press_release" => {
            json!({"company_name": "Acme", "headline": "Acme opens Berlin office", "announcement": "New office",
                                  "release_date": "2026-05-02", "city": "Berlin", "spokesperson": "Jane Doe, CEO"})
        }
        other => panic!("no example variables for {other}"),
    })
}

#[test]
fn builtins_load_sorted() {
    let reg = TemplateRegistry::with_builtins();
    let names: Vec<String> = reg.list().iter().map(|t| t.name.clone()).collect();
    assert_eq!(
        names,
        [
            "ad_copy",
            "blog_post",
            "case_study",
            "email_campaign",
            "event_promotion",
            "press_release",
            "product_description",
            "product_launch",
            "social_announcement"
        ]
    );
    let launch = reg.get("product_launch").unwrap();
    assert_eq!(launch.content_type, ContentType::SocialMedia);
    assert_eq!(launch.default_tone, Tone::Exciting);
    assert_eq!(launch.default_length, Some(500));
    assert_eq!(launch.keywords, ["new", "launch", "innovative", "available"]);
    let names: Vec<&str> = launch.variables.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["product_name", "features", "audience", "launch_date"]);
}

#[test]
fn every_builtin_renders_and_makes_a_valid_request() {
    let reg = TemplateRegistry::with_builtins();
    for t in reg.list() {
        let r = reg.render(&t.name, &example_vars(&t.name)).unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert!(!r.topic.is_empty() && !r.prompt.is_empty(), "{}", t.name);
        assert!(!r.prompt.contains("{{") && !r.prompt.contains("{%"), "{}: {}", t.name, r.prompt);
        assert!(!r.prompt.contains("\n\n\n"), "{} leaves blank runs:\n{}", t.name, r.prompt);
        let req = r.to_request(&TemplateOverrides::default());
        req.validate().unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert_eq!(req.content_type, t.content_type);
    }
}

#[test]
fn product_launch_renders_seed_variables() {
    let reg = TemplateRegistry::with_builtins();
    let r = reg.render("product_launch", &seed_vars()).unwrap();
    assert_eq!(r.topic, "Launch of Splants Pro");
    assert_eq!(
        r.prompt,
        "Create an exciting product launch announcement for Splants Pro.\n\n\
         Key features: AI copywriting, budget guard, scheduling\n\
         Target audience: small marketing teams\n\
         Launch date: 2026-03-01\n\n\
         Emphasize innovation and benefits.\n\
         Include call-to-action."
    );
    assert_eq!(r.template_ref().name, "product_launch");
    assert_eq!(r.template_ref().version, "1.0.0");
}

#[test]
fn missing_required_variable_is_named() {
    let reg = TemplateRegistry::with_builtins();
    let mut v = seed_vars();
    v.remove("audience");
    let (template, variable, reason) = template_err(reg.render("product_launch", &v).unwrap_err());
    assert_eq!(template, "product_launch");
    assert_eq!(variable.as_deref(), Some("audience"));
    assert_eq!(reason, "missing required variable `audience` (a string)");
    // `null` counts as missing.
    v.insert("audience".into(), Value::Null);
    assert_eq!(template_err(reg.render("product_launch", &v).unwrap_err()).1.as_deref(), Some("audience"));
}

#[test]
fn unknown_variable_is_named_with_declared_list() {
    let reg = TemplateRegistry::with_builtins();
    let mut v = seed_vars();
    v.insert("colour".into(), json!("red"));
    let e = reg.render("product_launch", &v).unwrap_err();
    assert_eq!(e.code(), crate::ErrorCode::TemplateError);
    let (_, variable, reason) = template_err(e);
    assert_eq!(variable.as_deref(), Some("colour"));
    assert_eq!(reason, "unknown variable; declared: product_name, features, audience, launch_date");
}

#[test]
fn wrong_kinds_name_variable_and_expected_kind() {
    let reg = TemplateRegistry::with_builtins();
    let cases = [
        ("product_launch", "product_name", json!(["a", "b"]), "expected a string"),
        ("event_promotion", "event_date", json!("2026-13-40"), "expected a date written YYYY-MM-DD"),
        ("blog_post", "item_count", json!(1.5), "expected an integer, got the number 1.5"),
        ("event_promotion", "is_free", json!("maybe"), "expected a boolean"),
        ("event_promotion", "price", json!("cheap"), "expected a number"),
        ("case_study", "results", json!("one result"), "expected a list"),
    ];
    for (template, var, value, expected) in cases {
        let mut v = example_vars(template);
        v.insert(var.into(), value);
        let (_, variable, reason) = template_err(reg.render(template, &v).unwrap_err());
        assert_eq!(variable.as_deref(), Some(var));
        assert!(reason.starts_with(&format!("variable `{var}`: {expected}")), "{reason}");
    }
}

#[test]
fn defaults_fill_optional_variables_and_lists_join() {
    let reg = TemplateRegistry::with_builtins();
    let r = reg.render("blog_post", &vars(json!({"subject": "Cold email"}))).unwrap();
    assert!(r.prompt.starts_with("Write a how-to blog article about Cold email.\n\n"), "{}", r.prompt);
    assert!(r.prompt.contains("step-by-step guide of about 7 steps"));
    assert!(!r.prompt.contains("Cover these points"));
    let r = reg
        .render("blog_post", &vars(json!({"subject": "SEO", "format": "listicle", "key_points": ["links", "speed"]})))
        .unwrap();
    assert!(r.prompt.contains("numbered list of 7 items"));
    assert!(r.prompt.contains("Cover these points: links, speed."));

    let t = simple(
        "optional",
        "{{ a }}",
        "[{{ b }}][{{ c }}]",
        vec![
            TemplateVariable::new("a", ""),
            TemplateVariable::new("b", "").optional(),
            TemplateVariable::new("c", "").kind(VariableKind::List).optional(),
        ],
    );
    reg.register(t).unwrap();
    let r = reg.render("optional", &vars(json!({"a": "x"}))).unwrap();
    assert_eq!(r.prompt, "[][]");
    let r = reg.render("optional", &vars(json!({"a": "x", "c": [1, 2.5, "three"]}))).unwrap();
    assert_eq!(r.prompt, "[][1, 2.5, three]");
}

#[test]
fn syntax_error_names_part_and_line() {
    let reg = TemplateRegistry::new();
    let t =
        simple("broken", "{{ a }}", "line one\nline two\n{% if a %}never closed", vec![TemplateVariable::new("a", "")]);
    let (template, _, reason) = template_err(reg.register(t).unwrap_err());
    assert_eq!(template, "broken");
    assert!(reason.starts_with("syntax error in `prompt` at line 3: "), "{reason}");
    let t = simple("broken", "{{ a ", "p", vec![TemplateVariable::new("a", "")]);
    let (_, _, reason) = template_err(reg.register(t).unwrap_err());
    assert!(reason.starts_with("syntax error in `topic` at line 1: "), "{reason}");
    assert!(reg.list().is_empty());
}

#[test]
fn undeclared_template_variable_is_refused() {
    let reg = TemplateRegistry::new();
    let t = simple(
        "undeclared",
        "{{ a }}",
        "{% for x in range(2) %}{{ x }}{{ loop.index }}{% endfor %}{{ b }} {{ zed }}",
        vec![TemplateVariable::new("a", "")],
    );
    let (_, variable, reason) = template_err(reg.register(t).unwrap_err());
    assert_eq!(variable.as_deref(), Some("b"));
    assert_eq!(reason, "`prompt` uses undeclared variables `b`, `zed`; declare them in `variables` (declared: a)");
}

#[test]
fn unknown_filter_is_refused_at_registration() {
    let reg = TemplateRegistry::new();
    let t = simple("typo", "{{ a|uper }}", "p", vec![TemplateVariable::new("a", "")]);
    let (_, _, reason) = template_err(reg.register(t).unwrap_err());
    assert!(reason.starts_with("cannot render `topic` at line 1: unknown filter"), "{reason}");
}

#[test]
fn runtime_render_errors_name_the_template() {
    let reg = TemplateRegistry::new();
    let t = simple("indexer", "{{ items[5] }}", "p", vec![TemplateVariable::new("items", "").kind(VariableKind::List)]);
    reg.register(t).unwrap();
    let (template, _, reason) = template_err(reg.render("indexer", &vars(json!({"items": ["a"]}))).unwrap_err());
    assert_eq!(template, "indexer");
    assert!(reason.starts_with("cannot render `topic` at line 1: undefined value"), "{reason}");
    let t = simple("blank", "{{ a }}", "p", vec![TemplateVariable::new("a", "").optional()]);
    reg.register(t).unwrap();
    assert_eq!(template_err(reg.render("blank", &Map::new()).unwrap_err()).2, "the topic rendered empty");
}

#[test]
fn registering_again_replaces_and_unknown_names_are_not_found() {
    let reg = TemplateRegistry::new();
    reg.register(simple("dup", "First", "p1", vec![])).unwrap();
    let clone = reg.clone();
    clone.register(Template { version: "2.0.0".into(), ..simple("dup", "Second", "p2", vec![]) }).unwrap();
    assert_eq!(reg.list().len(), 1);
    assert_eq!(reg.get("dup").unwrap().version, "2.0.0");
    assert_eq!(reg.render("dup", &Map::new()).unwrap().topic, "Second");
    let e = reg.get("nope").unwrap_err();
    assert!(matches!(&e, Error::NotFound { kind: "template", id } if id == "nope"), "{e}");
    assert!(matches!(reg.render("nope", &Map::new()), Err(Error::NotFound { .. })));
    assert_eq!(format!("{reg:?}"), "TemplateRegistry { templates: [\"dup\"] }");
}

#[test]
fn to_request_applies_defaults_and_overrides() {
    let reg = TemplateRegistry::with_builtins();
    let r = reg.render("product_launch", &seed_vars()).unwrap();
    let req = r.to_request(&TemplateOverrides::default());
    assert_eq!(req.content_type, ContentType::SocialMedia);
    assert_eq!(req.topic, "Launch of Splants Pro");
    assert_eq!(req.tone, Tone::Exciting);
    assert_eq!(req.length, Some(500));
    assert_eq!(req.platform, None);
    assert_eq!(req.keywords, ["new", "launch", "innovative", "available"]);
    assert!(req.seo_optimize);
    req.validate().unwrap();

    let overrides: TemplateOverrides = serde_json::from_value(json!({
        "tone": "casual", "length": 200, "platform": "linkedin", "keywords": ["beta"],
        "target_audience": "founders", "call_to_action": "Join the beta", "language": "de",
        "include_hashtags": false, "seo_optimize": false
    }))
    .unwrap();
    let req = r.to_request(&overrides);
    assert_eq!(req.tone, Tone::Casual);
    assert_eq!(req.length, Some(200));
    assert_eq!(req.platform, Some(Platform::Linkedin));
    assert_eq!(req.keywords, ["beta"]);
    assert_eq!(req.target_audience.as_deref(), Some("founders"));
    assert_eq!(req.call_to_action.as_deref(), Some("Join the beta"));
    assert_eq!(req.language.as_deref(), Some("de"));
    assert_eq!(req.include_hashtags, Some(false));
    assert!(!req.seo_optimize);
    req.validate().unwrap();

    let e = serde_json::from_value::<TemplateOverrides>(json!({"colour": 1})).unwrap_err();
    assert!(e.to_string().contains("unknown field `colour`"), "{e}");
}

#[test]
fn concurrent_renders_share_one_registry() {
    let reg = TemplateRegistry::with_builtins();
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let reg = reg.clone();
            std::thread::spawn(move || {
                let mut v = seed_vars();
                for j in 0..200 {
                    let name = format!("Product {i}-{j}");
                    v.insert("product_name".into(), json!(name));
                    let r = reg.render("product_launch", &v).unwrap();
                    assert_eq!(r.topic, format!("Launch of {name}"));
                    if j % 50 == 0 {
                        reg.register(simple(&format!("t{i}"), "T", "P", vec![])).unwrap();
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(reg.list().len(), 9 + 8);
}

#[test]
fn registry_is_send_sync_and_shares_state() {
    fn assert_send_sync<T: Send + Sync + Clone + std::fmt::Debug>() {}
    assert_send_sync::<TemplateRegistry>();
    assert_send_sync::<RenderedTemplate>();
    let a = TemplateRegistry::with_builtins();
    let b = TemplateRegistry::with_builtins();
    a.register(simple("only_in_a", "T", "P", vec![])).unwrap();
    assert!(b.get("only_in_a").is_err(), "separate registries must not share templates");
    assert!(Arc::ptr_eq(&a.get("blog_post").unwrap(), &b.get("blog_post").unwrap()));
}
