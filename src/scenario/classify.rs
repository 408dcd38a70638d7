//! What a YAML file found under a folder is: a scenario, a Kubernetes manifest, or neither.
//!
//! The rules, in order (top-level keys of each YAML document):
//! 1. text that is not YAML, or cannot be read, is judged as a scenario: loading it reports
//!    why, with the line;
//! 2. a document with a `steps` key, or a near miss of it (`step`, `setps`, `Steps`), makes a
//!    scenario;
//! 3. a file whose documents all have `apiVersion` or `kind` is a manifest;
//! 4. a single mapping with another scenario key (`name`, `description`, `seed`, `semantics`,
//!    `topology`, `namespace`) is a scenario (loading will say that `steps` is missing);
//! 5. anything else (an empty file, a list, unrelated keys) is neither.
//!
//! A scenario may still fail to load; `test` reports it, and every file that is neither, as
//! invalid.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use crate::yaml::{self, Node, Value, closest};

/// Top-level keys of a scenario besides `steps`.
const SCENARIO_KEYS: &[&str] = &[
    "name",
    "description",
    "seed",
    "semantics",
    "topology",
    "namespace",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// Shaped like a scenario (or unreadable as YAML): load it.
    Scenario,
    /// Kubernetes objects: not a scenario.
    Manifest,
    /// Neither; the text says what the file lacks.
    Neither(String),
}

/// Classifies a file's text.
pub fn classify(text: &str) -> FileKind {
    let Ok(docs) = yaml::parse_documents(text, "") else {
        return FileKind::Scenario;
    };
    let docs: Vec<&Node> = docs.iter().filter(|d| !d.is_null()).collect();
    let keys = |d: &Node| -> Vec<String> {
        match &d.value {
            Value::Map(entries) => entries
                .iter()
                .filter_map(|(k, _)| match &k.value {
                    Value::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    };
    let is_map = |d: &Node| matches!(d.value, Value::Map(_));
    let has = |d: &Node, names: &[&str]| keys(d).iter().any(|k| names.contains(&k.as_str()));
    if docs
        .iter()
        .any(|d| keys(d).iter().any(|k| closest(k, &["steps"]).is_some()))
    {
        return FileKind::Scenario;
    }
    if !docs.is_empty()
        && docs
            .iter()
            .all(|d| is_map(d) && has(d, &["apiVersion", "kind"]))
    {
        return FileKind::Manifest;
    }
    if let [doc] = docs.as_slice()
        && is_map(doc)
        && has(doc, SCENARIO_KEYS)
        && !has(doc, &["apiVersion", "kind"])
    {
        return FileKind::Scenario;
    }
    FileKind::Neither(match docs.as_slice() {
        [] => "an empty YAML file: neither a scenario nor a Kubernetes manifest".into(),
        _ => "neither a scenario (no top-level `steps:`) nor a Kubernetes manifest (documents \
              with `apiVersion` and `kind`)"
            .into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenarios_manifests_and_neither() {
        let scenario = "name: x\nsteps:\n  - wait: converged\n";
        assert_eq!(classify(scenario), FileKind::Scenario);
        for typo in ["name: x\nsetps: []\n", "name: x\nstep: []\n", "Steps: []\n"] {
            assert_eq!(classify(typo), FileKind::Scenario, "{typo}");
        }
        assert_eq!(classify("name: x\nseed: 3\n"), FileKind::Scenario);
        assert_eq!(classify("name: [unclosed\n"), FileKind::Scenario);
        let manifest = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Service\n";
        assert_eq!(classify(manifest), FileKind::Manifest);
        assert_eq!(classify("kind: List\nitems: []\n"), FileKind::Manifest);
        // A scenario that wrongly names a kind is still a scenario.
        assert_eq!(classify("kind: x\nsteps: []\n"), FileKind::Scenario);
        for other in [
            "",
            "# only a comment\n",
            "- a\n- b\n",
            "foo: 1\n",
            "apiVersion: v1\n---\nfoo: 2\n",
        ] {
            assert!(matches!(classify(other), FileKind::Neither(_)), "{other:?}");
        }
    }
}
