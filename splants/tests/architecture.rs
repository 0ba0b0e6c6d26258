//! No import circle between the crate's top-level modules: a low-level module never uses a
//! higher one (a type two parts share lives in the lower part; a background task is given what
//! it needs, not a handle to the engine).
//!
//! The test reads `src/**/*.rs`, takes every code reference `crate::<module>`, `crate::{…}` and
//! `$crate::<module>` (comments, doc comments and string literals do not count; a name the crate
//! root re-exports counts for the module it comes from), builds the graph of top-level modules,
//! prints it with a topological order (lowest first), and fails on a cycle, naming each edge of
//! it with the file and line where it starts. Unit tests inside the modules count too.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// `module -> used module -> first site ("file:line")`.
type Graph = BTreeMap<String, BTreeMap<String, String>>;

#[test]
fn top_level_modules_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = top_level_modules(&src);
    assert!(modules.len() > 10 && modules.contains("engine") && modules.contains("error"), "{modules:?}");
    let reexports = root_reexports(&std::fs::read_to_string(src.join("lib.rs")).unwrap(), &modules);
    let graph = graph(&src, &modules, &reexports);

    println!("module graph (module -> what it uses):");
    for m in &modules {
        let uses: Vec<&str> = graph.get(m).map(|u| u.keys().map(String::as_str).collect()).unwrap_or_default();
        println!("  {m:<11} -> {}", if uses.is_empty() { "-".to_owned() } else { uses.join(", ") });
    }
    let cycles = strongly_connected(&modules, &graph);
    if cycles.is_empty() {
        println!("topological order (each uses only those before it): {}", topological(&modules, &graph).join(" < "));
        return;
    }
    let mut report = String::new();
    for cycle in &cycles {
        report.push_str(&format!("cycle among {{{}}}:\n", cycle.iter().cloned().collect::<Vec<_>>().join(", ")));
        for from in cycle {
            for (to, site) in graph.get(from).into_iter().flatten() {
                if cycle.contains(to) {
                    report.push_str(&format!("  {from} -> {to}  (first at {site})\n"));
                }
            }
        }
    }
    println!("{report}");
    panic!("import cycles between top-level modules:\n{report}");
}

/// The checker itself: comments, doc comments and strings are not references; groups are.
#[test]
fn references_are_read_from_code_only() {
    let modules: BTreeSet<String> = ["auth", "content", "engine", "money", "storage"].map(String::from).into();
    let reexports = BTreeMap::from([("Usd".to_owned(), "money".to_owned())]);
    let code = r#"
        //! See [`crate::engine`].
        /// Uses [`crate::storage::Storage`].
        /* crate::engine in a block /* nested crate::engine */ comment */
        use crate::{auth::RequestContext, content::{Usage, Platform}};
        let s = "crate::engine is only text"; let r = r"crate::engine"; let c = '"'; let l: &'static str = "";
        fn f() -> crate::Usd { $crate::storage::x() } // crate::engine
    "#;
    let found: Vec<String> = references(&strip(code), &modules, &reexports).into_iter().map(|(m, _)| m).collect();
    assert_eq!(found, ["auth", "content", "money", "storage"]);
}

fn top_level_modules(src: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "bin" {
                out.insert(name);
            }
        } else if path.extension().is_some_and(|e| e == "rs") && name != "lib" {
            out.insert(name);
        }
    }
    out
}

/// Names the crate root re-exports (`pub use engine::{ContentEngine, …};`), by the module they
/// come from, so `crate::ContentEngine` counts as a use of `engine`.
fn root_reexports(lib: &str, modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let code = strip(lib);
    let mut out = BTreeMap::new();
    for stmt in code.split(';') {
        let Some(at) = stmt.find("pub use ") else { continue };
        let rest = &stmt[at + "pub use ".len()..];
        let Some((module, names)) = rest.split_once("::") else { continue };
        if !modules.contains(module.trim()) {
            continue;
        }
        for name in names.trim().trim_start_matches('{').trim_end_matches('}').split(',') {
            let name = name.split("::").last().unwrap_or_default().trim();
            let name = name.rsplit(" as ").next().unwrap_or(name).trim();
            if !name.is_empty() {
                out.insert(name.to_owned(), module.trim().to_owned());
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn graph(src: &Path, modules: &BTreeSet<String>, reexports: &BTreeMap<String, String>) -> Graph {
    let mut graph = Graph::new();
    for module in modules {
        let mut files = Vec::new();
        let file = src.join(format!("{module}.rs"));
        if file.is_file() {
            files.push(file);
        }
        if src.join(module).is_dir() {
            rust_files(&src.join(module), &mut files);
        }
        files.sort();
        for file in files {
            let code = strip(&std::fs::read_to_string(&file).unwrap());
            let shown = file.strip_prefix(src.parent().unwrap()).unwrap_or(&file).display().to_string();
            for (used, line) in references(&code, modules, reexports) {
                if &used != module {
                    graph.entry(module.clone()).or_default().entry(used).or_insert_with(|| format!("{shown}:{line}"));
                }
            }
        }
    }
    graph
}

/// `code` with comments and the insides of string and char literals blanked (lines kept).
fn strip(code: &str) -> String {
    let c: Vec<char> = code.chars().collect();
    let mut out = String::with_capacity(code.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if (c[i] == 'r' || (c[i] == 'b' && next == Some('r'))) && (i == 0 || !ident(c[i - 1])) && {
            let start = if c[i] == 'b' { i + 2 } else { i + 1 };
            let hashes = c[start..].iter().take_while(|&&h| h == '#').count();
            c.get(start + hashes) == Some(&'"')
        } {
            let start = if c[i] == 'b' { i + 2 } else { i + 1 };
            let hashes = c[start..].iter().take_while(|&&h| h == '#').count();
            i = start + hashes + 1;
            let close: Vec<char> = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            while i < c.len() && !c[i..].starts_with(&close) {
                blank(&mut out, c[i]);
                i += 1;
            }
            i += close.len();
            out.push_str("\"\"");
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                if let Some(&ch) = c.get(i) {
                    blank(&mut out, ch);
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c[i] == '\'' && (next == Some('\\') || c.get(i + 2) == Some(&'\'')) {
            // A char literal ('x', '\n', '\''); a lifetime ('a) has no closing quote here.
            i += if next == Some('\\') { 3 } else { 2 };
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// The top-level modules `code` (already stripped) refers to, with the line of each reference.
fn references(
    code: &str,
    modules: &BTreeSet<String>,
    reexports: &BTreeMap<String, String>,
) -> BTreeSet<(String, usize)> {
    let c: Vec<char> = code.chars().collect();
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let skip_ws = |mut i: usize| {
        while i < c.len() && c[i].is_whitespace() {
            i += 1;
        }
        i
    };
    let word = |i: usize| -> (String, usize) {
        let mut j = i;
        while j < c.len() && ident(c[j]) {
            j += 1;
        }
        (c[i..j].iter().collect(), j)
    };
    let resolve = |name: &str| -> Option<String> {
        if modules.contains(name) { Some(name.to_owned()) } else { reexports.get(name).cloned() }
    };
    let line_of = |i: usize| c[..i].iter().filter(|&&ch| ch == '\n').count() + 1;
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i + 5 <= c.len() {
        if c[i..i + 5] != ['c', 'r', 'a', 't', 'e']
            || (i > 0 && ident(c[i - 1]))
            || c.get(i + 5).is_some_and(|&ch| ident(ch))
        {
            i += 1;
            continue;
        }
        let at = i;
        let mut j = skip_ws(i + 5);
        if !(c.get(j) == Some(&':') && c.get(j + 1) == Some(&':')) {
            i += 5;
            continue;
        }
        j = skip_ws(j + 2);
        if c.get(j) == Some(&'{') {
            // `crate::{a::x, b, c::{y, z}}`: the names at the group's first level.
            let mut depth = 0;
            let mut expect_name = true;
            while j < c.len() {
                match c[j] {
                    '{' => {
                        depth += 1;
                        expect_name = depth == 1;
                        j += 1;
                    }
                    '}' => {
                        depth -= 1;
                        j += 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' => {
                        expect_name = depth == 1;
                        j += 1;
                    }
                    ch if expect_name && ident(ch) => {
                        let (name, end) = word(j);
                        if let Some(m) = resolve(&name) {
                            out.insert((m, line_of(j)));
                        }
                        expect_name = false;
                        j = end;
                    }
                    _ => j += 1,
                }
            }
        } else {
            let (name, _) = word(j);
            if let Some(m) = resolve(&name) {
                out.insert((m, line_of(at)));
            }
        }
        i = j.max(i + 5);
    }
    out
}

/// Strongly connected components of more than one module (Tarjan).
fn strongly_connected(modules: &BTreeSet<String>, graph: &Graph) -> Vec<BTreeSet<String>> {
    struct State<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        let graph = s.graph;
        for w in graph.get(v).into_iter().flat_map(|e| e.keys()) {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.insert(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.out.push(component);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for m in modules {
        if !s.index.contains_key(m.as_str()) {
            visit(&mut s, m);
        }
    }
    s.out
}

/// Modules lowest first (Kahn's algorithm, alphabetical among equals); only for acyclic graphs.
fn topological(modules: &BTreeSet<String>, graph: &Graph) -> Vec<String> {
    let mut left: BTreeMap<&str, BTreeSet<&str>> = modules
        .iter()
        .map(|m| (m.as_str(), graph.get(m).map(|u| u.keys().map(String::as_str).collect()).unwrap_or_default()))
        .collect();
    let mut order = Vec::new();
    while !left.is_empty() {
        let ready: Vec<&str> = left.iter().filter(|(_, uses)| uses.is_empty()).map(|(m, _)| *m).collect();
        assert!(!ready.is_empty(), "a cycle is left: {left:?}");
        for m in ready {
            left.remove(m);
            for uses in left.values_mut() {
                uses.remove(m);
            }
            order.push(m.to_owned());
        }
    }
    order
}
