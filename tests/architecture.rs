//! The layering the README's architecture describes, checked on the source:
//! no module imports from one that imports from it (directly or through
//! others), and the model imports nothing outside `model/`.
//!
//! A module's imports are the `crate::…` and `super::…` paths in its code
//! (comments and its `#[cfg(test)]` module left out), each resolved to the
//! longest module it names; a path into a module's own parent or child is
//! not counted (a parent declares and re-exports its children).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`model::week::engine`; the crate root is empty) → its code.
fn modules(dir: &Path, prefix: &[String], out: &mut BTreeMap<Vec<String>, String>) {
    let mut entries: Vec<_> =
        std::fs::read_dir(dir).expect("src is readable").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_stem().and_then(|s| s.to_str()).expect("UTF-8 names").to_owned();
        if path.is_dir() {
            let mut inner = prefix.to_vec();
            inner.push(name);
            modules(&path, &inner, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let mut module = prefix.to_vec();
            if !matches!(name.as_str(), "mod" | "lib" | "main") {
                module.push(name);
            }
            out.insert(module, code(&std::fs::read_to_string(&path).expect("source is readable")));
        }
    }
}

/// A file's code without comments and without its test module (which the
/// crate keeps last in each file).
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The chains of identifiers after each `crate::` or `super::` in `code`,
/// resolved against `module`.
fn paths(module: &[String], code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        let at_word = i == 0 || !ident(bytes[i - 1]);
        let rest = &bytes[i..];
        let (mut base, mut j) = if at_word && rest.starts_with(b"crate::") {
            (Vec::new(), i + 7)
        } else if at_word && rest.starts_with(b"super::") {
            (module[..module.len().saturating_sub(1)].to_vec(), i + 7)
        } else {
            i += 1;
            continue;
        };
        loop {
            let start = j;
            while j < bytes.len() && ident(bytes[j]) {
                j += 1;
            }
            let word = &code[start..j];
            if word == "super" {
                base.pop();
            } else if !word.is_empty() {
                base.push(word.to_owned());
            }
            if bytes[j..].starts_with(b"::") && j > start {
                j += 2;
            } else {
                break;
            }
        }
        out.push(base);
        i = j.max(i + 1);
    }
    out
}

/// Module → the modules it imports from (not its ancestors or descendants).
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let mut all = BTreeMap::new();
    modules(Path::new("src"), &[], &mut all);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, code) in &all {
        let from = module.join("::");
        let edges = graph.entry(from.clone()).or_default();
        for path in paths(module, code) {
            let Some(target) = (1..=path.len()).rev().map(|k| &path[..k]).find(|p| all.contains_key(*p)) else {
                continue;
            };
            let related = target.starts_with(module) || module.starts_with(target);
            if !related {
                edges.insert(target.join("::"));
            }
        }
    }
    graph
}

/// A cycle of the graph, if it has one (depth-first search).
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        marks.insert(node.to_owned(), Mark::Open);
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            match marks.get(next) {
                Some(Mark::Open) => {
                    let from = stack.iter().position(|m| m == next).expect("an open node is on the stack");
                    let mut found = stack[from..].to_vec();
                    found.push(next.clone());
                    return Some(found);
                }
                Some(Mark::Done) => {}
                None => {
                    if let Some(found) = visit(next, graph, marks, stack) {
                        return Some(found);
                    }
                }
            }
        }
        stack.pop();
        marks.insert(node.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if !marks.contains_key(node)
            && let Some(found) = visit(node, graph, &mut marks, &mut Vec::new())
        {
            return Some(found);
        }
    }
    None
}

#[test]
fn paths_resolve_against_the_module() {
    let module = vec!["model".to_owned(), "week".to_owned(), "engine".to_owned()];
    let found = paths(&module, "use super::queue::{Case, Cohort};\nlet x = crate::model::rng::MAX_SEED; a_super::b");
    assert_eq!(found, [vec!["model", "week", "queue"], vec!["model", "rng", "MAX_SEED"]]);
    assert_eq!(paths(&module, "super::super::metrics::Listed"), [vec!["model", "metrics", "Listed"]]);
}

#[test]
fn a_circle_is_found() {
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"]), ("d", vec!["a"])]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
            .collect();
    assert_eq!(cycle(&graph), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    let mut open = graph.clone();
    open.get_mut("c").expect("c").clear();
    assert_eq!(cycle(&open), None);
}

#[test]
fn no_module_imports_from_one_that_imports_from_it() {
    let graph = imports();
    // The engine's step reads its neighbours: a sanity check that imports are seen at all.
    assert!(graph["model::week::engine"].contains("model::week::queue"), "{:?}", graph["model::week::engine"]);
    if let Some(found) = cycle(&graph) {
        panic!("an import circle: {}", found.join(" → "));
    }
}

#[test]
fn the_model_imports_nothing_outside_it() {
    for (module, targets) in imports() {
        if module == "model" || module.starts_with("model::") {
            for t in targets {
                assert!(t == "model" || t.starts_with("model::"), "{module} imports {t}");
            }
        }
    }
}
