//! The core's modules depend on each other one way only (DESIGN §1): sources → loaders → model →
//! analysis → rules → report, with the diagnostic type a leaf that every stage may use. This test
//! reads the core's source and fails on a module that names one that names it back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use grantcheck_tests::{files_under, repo_root};

/// The module a source file belongs to: its top-level module (`rules` for
/// `src/rules/xa001.rs`), or for the foundations every stage uses, their own module
/// (`base::json` for `src/base/json.rs`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let mut parts = rel
        .components()
        .map(|c| c.as_os_str().to_str().unwrap_or(""));
    let first = parts.next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    if name == "base" {
        let second = parts.next()?;
        let sub = second.strip_suffix(".rs").unwrap_or(second);
        return (sub != "mod").then(|| format!("base::{sub}"));
    }
    (name != "lib").then(|| name.to_string())
}

/// The text of a file without its tests and comments.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every top-level module with the top-level modules its code names (`crate::x`, and `$crate::x`
/// in macros).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = repo_root().join("crates/grantcheck/src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files_under(&src) {
        if file.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let Some(module) = module_of(&src, &file) else {
            continue;
        };
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        let uses = graph.entry(module.clone()).or_default();
        let word = |from: usize| -> String {
            code[from..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        };
        for (i, _) in code.match_indices("crate::") {
            let mut name = word(i + 7);
            if name == "base" && code[i + 11..].starts_with("::") {
                name = format!("base::{}", word(i + 13));
            }
            if !name.is_empty() && name != module && !name.chars().any(|c| c.is_uppercase()) {
                uses.insert(name);
            }
        }
    }
    // only modules (not functions or items of lib.rs)
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for uses in graph.values_mut() {
        uses.retain(|u| modules.contains(u));
    }
    graph
}

/// A cycle through `from`, as a path of modules, if there is one.
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        at: &str,
        target: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(at).into_iter().flatten() {
            if next == target {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, next, target, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![from.to_string()];
    walk(graph, from, from, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn the_core_modules_depend_on_each_other_one_way() {
    let graph = graph();
    assert!(graph.contains_key("rules") && graph.contains_key("diagnostic"));
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|m| cycle_from(&graph, m))
        .map(|c| c.join(" → "))
        .collect();
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_diagnostic_type_depends_on_spans_alone() {
    let graph = graph();
    let uses: Vec<&String> = graph["diagnostic"].iter().collect();
    assert_eq!(uses, ["base::source"], "diagnostic uses {uses:?}");
}

#[test]
fn a_cycle_is_found() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    graph.entry("c".into()).or_default().insert("a".into());
    graph.entry("d".into()).or_default().insert("a".into());
    assert_eq!(cycle_from(&graph, "a").unwrap(), ["a", "b", "c", "a"]);
    assert_eq!(cycle_from(&graph, "d"), None);
}

#[test]
fn the_foundations_use_no_stage_of_the_pipeline() {
    let graph = graph();
    for (module, uses) in graph.iter().filter(|(m, _)| m.starts_with("base::")) {
        let stages: Vec<&String> = uses.iter().filter(|u| !u.starts_with("base::")).collect();
        assert!(stages.is_empty(), "{module} uses {stages:?}");
    }
}
