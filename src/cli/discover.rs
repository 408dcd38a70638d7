//! The files `test PATH...` judges: the files named, and every `.yaml`/`.yml` under the folders
//! named, classified by [`crate::scenario::classify`]. Hidden files and folders (a name that
//! starts with `.`) are not searched.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::scenario::classify::{FileKind, classify};
use crate::scenario::load::MAX_FILE_BYTES;

/// What the paths hold.
#[derive(Debug, Default)]
pub struct Found {
    /// Files to judge, sorted: scenarios, and files that are neither scenario nor manifest
    /// (`Some(why)`, invalid).
    pub judged: Vec<(PathBuf, Option<String>)>,
    /// Kubernetes manifests found under folders: skipped.
    pub manifests: Vec<PathBuf>,
    /// Paths given that do not exist.
    pub missing: Vec<PathBuf>,
}

pub fn discover(paths: &[PathBuf]) -> Found {
    let mut found = Found::default();
    let mut visited = BTreeSet::new();
    for path in paths {
        if path.is_file() {
            let why = match kind(path) {
                FileKind::Scenario => None,
                FileKind::Manifest => Some(
                    "a Kubernetes manifest (its documents have `apiVersion`/`kind`), not a scenario"
                        .into(),
                ),
                FileKind::Neither(why) => Some(why),
            };
            found.judged.push((path.clone(), why));
        } else if path.is_dir() {
            walk(path, &mut found, &mut visited);
        } else {
            found.missing.push(path.clone());
        }
    }
    found.judged.sort();
    found.judged.dedup_by(|a, b| a.0 == b.0);
    found.manifests.sort();
    found.manifests.dedup();
    found
}

fn walk(dir: &Path, found: &mut Found, visited: &mut BTreeSet<PathBuf>) {
    // A folder reached twice (through a symbolic link) is searched once.
    if !visited.insert(dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf())) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        found.judged.push((
            dir.to_path_buf(),
            Some("a folder that cannot be read".into()),
        ));
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let hidden = p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            walk(&p, found, visited);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            match kind(&p) {
                FileKind::Scenario => found.judged.push((p, None)),
                FileKind::Manifest => found.manifests.push(p),
                FileKind::Neither(why) => found.judged.push((p, Some(why))),
            }
        }
    }
}

/// A file too large or unreadable is judged as a scenario: loading reports why.
fn kind(path: &Path) -> FileKind {
    if std::fs::metadata(path).map_or(true, |m| m.len() > MAX_FILE_BYTES) {
        return FileKind::Scenario;
    }
    match std::fs::read_to_string(path) {
        Ok(text) => classify(&text),
        Err(_) => FileKind::Scenario,
    }
}

/// `scenarios/manifests/ (7), other/ (1)`: the folders of some files, with counts.
pub fn folders(files: &[PathBuf]) -> String {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for f in files {
        let dir = f
            .parent()
            .map_or_else(String::new, |p| p.display().to_string());
        *counts.entry(dir).or_default() += 1;
    }
    const SHOWN: usize = 10;
    let mut parts: Vec<String> = counts
        .iter()
        .take(SHOWN)
        .map(|(d, n)| match d.as_str() {
            "" => format!("./ ({n})"),
            d if d.ends_with('/') => format!("{d} ({n})"),
            d => format!("{d}/ ({n})"),
        })
        .collect();
    if counts.len() > SHOWN {
        parts.push(format!("and {} more folders", counts.len() - SHOWN));
    }
    parts.join(", ")
}
