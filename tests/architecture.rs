//! The dependency rule of ARCHITECTURE.md, checked on the source text: which file imports
//! which (`use crate::…`, `crate::…` paths, `super::…`, and a parent's use of the modules it
//! declares), then
//!
//! 1. every import points down the layers (domain ← db ← config ← formats ← i18n ← mail ←
//!    services ← app ← web ← startup), or stays inside its own layer;
//! 2. no two files import each other, directly or around a ring, unless they sit in one module
//!    folder (a `mod.rs` and its children);
//! 3. no handler module of the web layer imports from another handler module: they share only
//!    the toolkit (respond, extract, forms, views, …);
//! 4. no file in `src/` is longer than 900 lines.
//!
//! Run alone with `cargo test --test architecture -- --nocapture` to see the layer graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules from the bottom up; a module may import only from those before it.
const LAYERS: &[&str] = &[
    "domain", "db", "config", "formats", "i18n", "mail", "services", "app", "web", "startup",
];

/// Modules of `web/` that handlers share. Every other file under `web/` (except the two route
/// tables, `web/mod.rs` and `web/admin/mod.rs`) is a handler module.
const WEB_TOOLKIT: &[&str] = &[
    "web/respond",
    "web/extract",
    "web/page",
    "web/forms",
    "web/http",
    "web/views",
    "web/auth",
    "web/error",
    "web/assets",
    "web/limits",
    "web/input",
    "web/client",
    "web/admin/kit",
    "web/api/problem",
    "web/api/token",
];

/// The OpenAPI document is generated from the API handlers' annotations, so it names them.
const HANDLER_IMPORTS_ALLOWED: &[(&str, &str)] = &[
    ("web/api/openapi", "web/api/read"),
    ("web/api/openapi", "web/api/write"),
];

const MAX_LINES: usize = 900;

type Module = Vec<String>;

struct Source {
    path: PathBuf,
    text: String,
}

fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().map(String::as_str) == Some("mod") {
        parts.pop();
    }
    if parts == ["lib"] || parts == ["main"] {
        parts.clear();
    }
    parts
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

/// The code without comments, string and char literals, and without the unit tests at the end
/// (`#[cfg(test)]` and what follows it): imports of tests do not count.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'r' if b.get(i + 1) == Some(&b'#') || (b.get(i + 1) == Some(&b'"')) => {
                // A raw string r"…" or r#"…"#; otherwise an identifier starting with r.
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                let prev_ident = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
                if b.get(j) == Some(&b'"') && !prev_ident {
                    j += 1;
                    let close: Vec<u8> = std::iter::once(b'"')
                        .chain(std::iter::repeat_n(b'#', hashes))
                        .collect();
                    while j < b.len() && !b[j..].starts_with(&close) {
                        j += 1;
                    }
                    i = j + close.len();
                    out.push_str("\"\"");
                } else {
                    out.push('r');
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push_str("\"\"");
            }
            b'\'' => {
                // A char literal ('x', '\n', '\'') or a lifetime ('a): skip only the former.
                let rest = &text[i + 1..];
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some('\\'), _) => {
                        let end = rest[1..].find('\'').map_or(rest.len(), |k| k + 2);
                        i += 1 + end + 1;
                        out.push_str("' '");
                    }
                    (Some(c), Some('\'')) => {
                        i += 1 + c.len_utf8() + 1;
                        out.push_str("' '");
                    }
                    _ => {
                        out.push('\'');
                        i += 1;
                    }
                }
            }
            _ => {
                let ch = text[i..].chars().next().unwrap();
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Paths written after `prefix::` (e.g. `crate::`), expanding `{a, b::c}` groups one level.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = vec![];
    let mut from = 0;
    while let Some(k) = code[from..].find(prefix) {
        let start = from + k;
        from = start + prefix.len();
        if start > 0 && code[..start].chars().next_back().is_some_and(is_ident) {
            continue;
        }
        let mut segs: Vec<String> = vec![];
        let mut rest = &code[from..];
        loop {
            let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
            if name.is_empty() {
                break;
            }
            rest = &rest[name.len()..];
            segs.push(name);
            if let Some(r) = rest.strip_prefix("::") {
                rest = r;
            } else {
                break;
            }
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut current = String::new();
            let mut names = vec![];
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.push(std::mem::take(&mut current));
                        continue;
                    }
                    _ => {}
                }
                current.push(c);
            }
            names.push(current);
            for n in names {
                let first: String = n.trim().chars().take_while(|c| is_ident(*c)).collect();
                let mut p = segs.clone();
                if !first.is_empty() && first != "self" {
                    p.push(first);
                }
                out.push(p);
            }
        } else {
            out.push(segs);
        }
    }
    out
}

struct Graph {
    files: BTreeMap<Module, Source>,
    edges: BTreeMap<Module, BTreeSet<Module>>,
}

fn resolve(files: &BTreeMap<Module, Source>, path: &[String]) -> Option<Module> {
    (0..=path.len())
        .rev()
        .map(|k| path[..k].to_vec())
        .find(|m| files.contains_key(m))
}

fn graph() -> Graph {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = vec![];
    rust_files(&src, &mut paths);
    let mut files = BTreeMap::new();
    for path in paths {
        // Unit-test files (`#[cfg(test)] mod tests;`) are tests, not structure.
        if path.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        files.insert(module_of(&src, &path), Source { path, text });
    }
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, source) in &files {
        let code = code_of(&source.text);
        let is_dir_module = source.path.ends_with("mod.rs")
            || source.path.ends_with("lib.rs")
            || source.path.ends_with("main.rs");
        // The module that `super` names, and the prefix of `self` paths.
        let parent: Module = if module.is_empty() {
            vec![]
        } else {
            module[..module.len() - 1].to_vec()
        };
        let mut targets = BTreeSet::new();
        for p in paths_after(&code, "crate::") {
            targets.extend(resolve(&files, &p));
        }
        for p in paths_after(&code, "super::") {
            let mut full = parent.clone();
            full.extend(p);
            targets.extend(resolve(&files, &full));
        }
        // `mod child;` declared here and used as `child::…`.
        for line in code.lines() {
            let l = line.trim();
            let l = l.strip_prefix("pub ").unwrap_or(l);
            let l = l
                .strip_prefix("pub(crate) ")
                .or_else(|| l.strip_prefix("pub(super) "))
                .unwrap_or(l);
            if let Some(name) = l.strip_prefix("mod ").and_then(|r| r.strip_suffix(';')) {
                let mut child = module.clone();
                child.push(name.trim().to_string());
                let used = paths_after(&code, &format!("{}::", name.trim()))
                    .into_iter()
                    .next()
                    .is_some()
                    || code.contains(&format!("self::{}::", name.trim()));
                if used && files.contains_key(&child) {
                    targets.insert(child);
                }
            }
        }
        let _ = is_dir_module;
        targets.remove(module);
        edges.insert(module.clone(), targets);
    }
    Graph { files, edges }
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "(crate root)".into()
    } else {
        m.join("/")
    }
}

fn layer(m: &Module) -> Option<usize> {
    m.first()
        .and_then(|top| LAYERS.iter().position(|l| l == top))
}

/// Strongly connected components with more than one file (Tarjan).
fn cycles(g: &Graph) -> Vec<Vec<Module>> {
    struct State<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        next: usize,
        found: Vec<Vec<Module>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Module) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in &s.g.edges[v] {
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
            let mut comp = vec![];
            loop {
                let w = s.stack.pop().unwrap();
                s.on_stack.remove(w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.found.push(comp);
            }
        }
    }
    let mut s = State {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        on_stack: BTreeSet::new(),
        next: 0,
        found: vec![],
    };
    for v in g.edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.found
}

/// The folder a file belongs to: its own for a `mod.rs`, its parent's otherwise.
fn folder(g: &Graph, m: &Module) -> PathBuf {
    let p = &g.files[m].path;
    p.parent().unwrap().to_path_buf()
}

#[test]
fn imports_point_down_the_layers() {
    let g = graph();
    let mut wrong = vec![];
    let mut summary: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (from, tos) in &g.edges {
        for to in tos {
            let (Some(a), Some(b)) = (layer(from), layer(to)) else {
                continue;
            };
            if a != b {
                *summary
                    .entry((LAYERS[a].to_string(), LAYERS[b].to_string()))
                    .or_default() += 1;
            }
            if b > a {
                wrong.push(format!(
                    "{} imports {} (a higher layer)",
                    name(from),
                    name(to)
                ));
            }
        }
    }
    for ((a, b), n) in &summary {
        println!("{a} -> {b}: {n} file imports");
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_import_cycles_between_folders() {
    let g = graph();
    let mut wrong = vec![];
    for comp in cycles(&g) {
        let folders: BTreeSet<PathBuf> = comp.iter().map(|m| folder(&g, m)).collect();
        let names: Vec<String> = comp.iter().map(name).collect();
        if folders.len() > 1 {
            wrong.push(names.join(" <-> "));
        } else {
            println!("inside one folder: {}", names.join(" <-> "));
        }
    }
    assert!(wrong.is_empty(), "import cycles:\n{}", wrong.join("\n"));
}

#[test]
fn web_handlers_share_only_the_toolkit() {
    let g = graph();
    let is_web = |m: &Module| m.first().is_some_and(|t| t == "web");
    let is_root = |m: &Module| {
        let n = name(m);
        n == "web" || n == "web/admin" || n == "web/api"
    };
    let is_toolkit = |m: &Module| WEB_TOOLKIT.contains(&name(m).as_str());
    let mut wrong = vec![];
    for (from, tos) in &g.edges {
        if !is_web(from) || is_root(from) {
            continue;
        }
        for to in tos {
            if !is_web(to) || is_toolkit(to) {
                continue;
            }
            // A handler's own submodules (web/participant/form.rs) are its own, and its parts
            // use what their package root shares (web/admin/setup/places.rs).
            if to.starts_with(from) || (from.starts_with(to) && !is_root(to)) {
                continue;
            }
            if HANDLER_IMPORTS_ALLOWED.contains(&(name(from).as_str(), name(to).as_str())) {
                continue;
            }
            if is_toolkit(from) && is_toolkit(to) {
                continue;
            }
            wrong.push(format!("{} imports {}", name(from), name(to)));
        }
    }
    assert!(
        wrong.is_empty(),
        "web modules importing a handler module (move what they share to the toolkit):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_source_file_is_longer_than_the_limit() {
    let g = graph();
    let long: Vec<String> = g
        .files
        .values()
        .map(|s| (s.path.display().to_string(), s.text.lines().count()))
        .filter(|(_, n)| *n > MAX_LINES)
        .map(|(p, n)| format!("{p}: {n} lines"))
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_checker_sees_imports_and_ignores_comments_and_strings() {
    let code = code_of(
        "use crate::a::{b, c::d};\n// crate::x::y\nlet s = \"crate::z\";\nfn f<'a>(c: char) { '\"'; crate::e::f(); }\n#[cfg(test)]\nmod tests { use crate::t; }",
    );
    let paths = paths_after(&code, "crate::");
    assert_eq!(
        paths,
        vec![
            vec!["a".to_string(), "b".into()],
            vec!["a".to_string(), "c".into()],
            vec!["e".to_string(), "f".into()],
        ]
    );
}
