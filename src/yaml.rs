//! A positioned YAML tree and strict readers over it.
//!
//! Scenario files and Kubernetes manifests are parsed in two stages: `serde-saphyr` turns the
//! text into a tree of [`Node`]s that each know their line and column, then the typed readers
//! ([`MapReader`] and the `Node::as_*` helpers) walk the tree, collect every problem as a
//! [`Diagnostic`] and never stop at the first one when they can go on.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{MessageFormatter, Spanned, UserMessageFormatter};

use crate::diag::{Diagnostic, Diagnostics, Origin};

/// Most documents one YAML stream may hold: a manifest of a hundred thousand objects.
pub const MAX_DOCUMENTS: usize = 100_000;
/// Most values (scalars, lists and mappings) one YAML stream may hold: forty per document at
/// the document limit (a Deployment written in block style is about thirty).
pub const MAX_NODES: usize = 40 * MAX_DOCUMENTS;
/// Most values aliases (`*name`) may add by copying what their anchors hold, so that a few
/// lines cannot expand into millions of values (an alias bomb).
pub const MAX_ALIAS_VALUES: usize = 250_000;

/// One YAML node with the position where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub origin: Origin,
    /// For a mapping value, where its key is: "missing field" errors point there.
    pub key_origin: Option<Origin>,
}

/// The value of a [`Node`]. Plain scalars are typed as YAML's core schema says; quoted scalars
/// are always strings.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// How the value is named in "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match self {
            Value::Null => "nothing (null)".to_string(),
            Value::Bool(b) => format!("the boolean `{b}`"),
            Value::Int(i) => format!("the number `{i}`"),
            Value::Float(f) => format!("the number `{f}`"),
            Value::Str(s) => format!("the string {}", quote(s)),
            Value::Seq(_) => "a list".to_string(),
            Value::Map(_) => "a mapping".to_string(),
        }
    }
}

/// `"text"`, shortened when long, for messages.
pub fn quote(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() > MAX {
        let short: String = s.chars().take(MAX).collect();
        format!("{:?}…", short)
    } else {
        format!("{s:?}")
    }
}

/// The tree as serde-saphyr sees it, before the file name is attached.
struct RawNode {
    value: RawValue,
    line: u64,
    column: u64,
}

enum RawValue {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<RawNode>),
    Map(Vec<(RawNode, RawNode)>),
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<RawValue>::deserialize(d)?;
        Ok(RawNode {
            value: s.value,
            line: s.referenced.line(),
            column: s.referenced.column(),
        })
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawValue, E> {
        Ok(RawValue::Int(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<RawValue, E> {
        Ok(RawValue::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawValue, E> {
        Ok(RawValue::Int(i128::try_from(v).unwrap_or(i128::MAX)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<RawValue, E> {
        Ok(RawValue::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_none<E>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
        RawValue::deserialize(d)
    }
    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
        RawValue::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<RawNode>()? {
            items.push(item);
        }
        Ok(RawValue::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<RawNode>()? {
            let value = map.next_value::<RawNode>()?;
            entries.push((key, value));
        }
        Ok(RawValue::Map(entries))
    }
}

fn attach(raw: RawNode, file: &Arc<str>, text: &str) -> Node {
    let value = match raw.value {
        RawValue::Null => Value::Null,
        RawValue::Bool(b) => Value::Bool(b),
        RawValue::Int(i) => Value::Int(i),
        // The parser reads an integer too large for 64 bits as a float: the digits as written
        // make it an integer again, so that range errors show the number the user wrote.
        RawValue::Float(f) => match integer_literal(text, raw.line, raw.column) {
            Some(i) => Value::Int(i),
            None => Value::Float(f),
        },
        RawValue::Str(s) => Value::Str(s),
        RawValue::Seq(items) => {
            Value::Seq(items.into_iter().map(|n| attach(n, file, text)).collect())
        }
        RawValue::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let key = attach(k, file, text);
                    let mut value = attach(v, file, text);
                    value.key_origin = Some(key.origin.clone());
                    (key, value)
                })
                .collect(),
        ),
    };
    Node {
        value,
        origin: Origin::new(file.clone(), to_u32(raw.line), to_u32(raw.column)),
        key_origin: None,
    }
}

/// The plain scalar at `line`:`column` (1-based) of `text`, when it is an integer literal
/// (`[-+]?[0-9]+`) that fits an `i128`.
fn integer_literal(text: &str, line: u64, column: u64) -> Option<i128> {
    let line = text
        .lines()
        .nth(usize::try_from(line).ok()?.checked_sub(1)?)?;
    let start = usize::try_from(column).ok()?.checked_sub(1)?;
    let token: String = line
        .chars()
        .skip(start)
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}' | '#'))
        .collect();
    let digits = token.strip_prefix(['-', '+']).unwrap_or(&token);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse().ok()
}

fn to_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_documents: MAX_DOCUMENTS + 1,
            max_nodes: MAX_NODES,
            // A value is one event, a list or mapping two (start and end).
            max_events: 2 * MAX_NODES,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_VALUES,
        },
    }
}

/// Parses a YAML stream of one or more `---` separated documents. Empty documents are skipped.
pub fn parse_documents(text: &str, file: &str) -> Result<Vec<Node>, Diagnostic> {
    let file: Arc<str> = Arc::from(file);
    match serde_saphyr::from_multiple_with_options::<RawNode>(text, options()) {
        Ok(docs) => Ok(docs.into_iter().map(|d| attach(d, &file, text)).collect()),
        Err(e) => Err(syntax_error(&e, &file)),
    }
}

/// Parses a single YAML document; an empty text is a null node at 1:1.
pub fn parse_document(text: &str, file: &str) -> Result<Node, Diagnostic> {
    let mut docs = parse_documents(text, file)?.into_iter();
    let first = docs.next().unwrap_or_else(|| Node {
        value: Value::Null,
        origin: Origin::new(file, 1, 1),
        key_origin: None,
    });
    if let Some(second) = docs.next() {
        return Err(Diagnostic::error(
            Some(second.origin),
            "a second YAML document (`---`) in a file that holds one",
        )
        .with_hint("a scenario is one document; remove the `---` line"));
    }
    Ok(first)
}

fn syntax_error(e: &serde_saphyr::Error, file: &Arc<str>) -> Diagnostic {
    let inner = e.without_snippet();
    let raw = UserMessageFormatter.format_message(inner);
    let mut message: String = raw.chars().filter(|c| !c.is_control()).collect();
    let mut hint = None;
    if let Some(breach) = budget_breach(inner) {
        let (what, why) = describe_breach(breach);
        message = what;
        hint = Some(why);
    } else if matches!(
        innermost(inner),
        serde_saphyr::Error::AliasReplayLimitExceeded { .. }
    ) {
        message =
            format!("aliases (`*name`) add more than {MAX_ALIAS_VALUES} values once expanded");
        hint = Some(ALIAS_BOMB_HINT.to_string());
    } else if message.contains("duplicate mapping key") {
        hint = Some("each key may appear once in a mapping; remove one of them".to_string());
    } else if message.contains("tab") {
        hint = Some("YAML indentation must use spaces, not tabs".to_string());
    }
    let origin = e
        .location()
        .filter(|l| l.line() > 0)
        .map(|l| Origin::new(file.clone(), to_u32(l.line()), to_u32(l.column().max(1))))
        .or_else(|| Some(Origin::new(file.clone(), 1, 1)));
    let mut d = Diagnostic::error(origin, format!("invalid YAML: {message}"));
    if let Some(h) = hint {
        d = d.with_hint(h);
    }
    d
}

/// A parse error under any alias or snippet wrapping.
fn innermost(mut e: &serde_saphyr::Error) -> &serde_saphyr::Error {
    loop {
        match e {
            serde_saphyr::Error::AliasError { error, .. }
            | serde_saphyr::Error::WithSnippet { error, .. } => e = error,
            _ => return e,
        }
    }
}

/// The budget limit a parse error reports.
fn budget_breach(e: &serde_saphyr::Error) -> Option<&BudgetBreach> {
    match innermost(e) {
        serde_saphyr::Error::Budget { breach, .. } => Some(breach),
        _ => None,
    }
}

const ALIAS_BOMB_HINT: &str = "each alias copies what its anchor (`&name`) holds, so aliases of \
     anchors that hold aliases multiply (an alias bomb)";

/// A budget limit in words: what went over which limit, and the hint for that limit only.
fn describe_breach(breach: &BudgetBreach) -> (String, String) {
    let limits = serde_saphyr::Budget::default();
    match breach {
        BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => (
            format!("more than {MAX_NODES} values (scalars, lists and mappings)"),
            format!(
                "the simulator reads at most {MAX_NODES} values per file: split the manifests \
                 into several files, one `apply` step each"
            ),
        ),
        BudgetBreach::Aliases { .. } | BudgetBreach::AliasAnchorRatio { .. } => (
            "too many aliases (`*name`)".to_string(),
            format!("the simulator reads at most {} aliases", limits.max_aliases),
        ),
        BudgetBreach::Anchors { .. } => (
            "too many anchors (`&name`)".to_string(),
            format!("the simulator reads at most {} anchors", limits.max_anchors),
        ),
        BudgetBreach::Depth { .. } => (
            format!("YAML nested deeper than {} levels", limits.max_depth),
            format!(
                "the simulator reads at most {} levels of nesting",
                limits.max_depth
            ),
        ),
        BudgetBreach::Documents { .. } => (
            format!("more than {MAX_DOCUMENTS} YAML documents"),
            format!("a manifest holds at most {MAX_DOCUMENTS} documents (`---`-separated)"),
        ),
        other => (
            format!("the YAML input is too large ({})", breach_name(other)),
            "split the input into smaller files".to_string(),
        ),
    }
}

/// The limit's name, without the counts the parser attaches.
fn breach_name(breach: &BudgetBreach) -> String {
    let debug = format!("{breach:?}");
    debug
        .split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// What a value is expected to be, for "expected X" messages.
impl Node {
    fn wrong_type(&self, what: &str, expected: &str, diags: &mut Diagnostics) {
        let mut d = Diagnostic::error(
            Some(self.origin.clone()),
            format!("{what} must be {expected}, found {}", self.value.describe()),
        );
        let quoted_hint = matches!(self.value, Value::Int(_) | Value::Float(_) | Value::Bool(_))
            && expected.contains("string");
        if quoted_hint {
            d = d.with_hint("put the value in quotes to make it a string, e.g. \"true\" or \"80\"");
        }
        diags.push(d);
    }

    /// The string, or a diagnostic naming `what`.
    pub fn as_str(&self, what: &str, diags: &mut Diagnostics) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => {
                self.wrong_type(what, "a string", diags);
                None
            }
        }
    }

    /// A non-empty string.
    pub fn as_nonempty_str(&self, what: &str, diags: &mut Diagnostics) -> Option<&str> {
        let s = self.as_str(what, diags)?;
        if s.is_empty() {
            diags.push(Diagnostic::error(
                Some(self.origin.clone()),
                format!("{what} must not be empty"),
            ));
            return None;
        }
        Some(s)
    }

    pub fn as_bool(&self, what: &str, diags: &mut Diagnostics) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => {
                self.wrong_type(what, "true or false", diags);
                None
            }
        }
    }

    /// An integer in `min..=max`.
    pub fn as_int(
        &self,
        what: &str,
        min: i128,
        max: i128,
        diags: &mut Diagnostics,
    ) -> Option<i128> {
        match self.value {
            Value::Int(i) if (min..=max).contains(&i) => Some(i),
            Value::Int(i) => {
                diags.push(Diagnostic::error(
                    Some(self.origin.clone()),
                    format!("{what} must be between {min} and {max}, found {i}"),
                ));
                None
            }
            _ => {
                self.wrong_type(what, "an integer", diags);
                None
            }
        }
    }

    /// A list; a single non-list value is an error.
    pub fn as_seq(&self, what: &str, diags: &mut Diagnostics) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => {
                self.wrong_type(what, "a list", diags);
                None
            }
        }
    }

    /// A list, or one value standing for a list of one.
    pub fn one_or_many(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => std::slice::from_ref(self),
        }
    }

    /// A list of strings, or one string standing for a list of one.
    pub fn as_str_list(&self, what: &str, diags: &mut Diagnostics) -> Vec<String> {
        self.one_or_many()
            .iter()
            .filter_map(|n| n.as_str(what, diags).map(str::to_string))
            .collect()
    }

    /// A reader over the mapping's keys; `path` names it in messages (`spec.template`).
    pub fn as_map<'a>(&'a self, path: &str, diags: &mut Diagnostics) -> Option<MapReader<'a>> {
        match &self.value {
            Value::Map(entries) => Some(MapReader::new(self, entries, path)),
            _ => {
                self.wrong_type(&display_path(path), "a mapping", diags);
                None
            }
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }
}

fn display_path(path: &str) -> String {
    if path.is_empty() {
        "the document".to_string()
    } else {
        format!("`{path}`")
    }
}

/// Joins a parent path and a key: `spec` + `ports` = `spec.ports`.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Reads the fields of one mapping; every key not taken or ignored is reported as unknown by
/// [`MapReader::finish`], with a "did you mean" hint built from the keys that were asked for.
pub struct MapReader<'a> {
    node: &'a Node,
    entries: &'a [(Node, Node)],
    used: Vec<bool>,
    known: Vec<&'static str>,
    path: String,
}

impl<'a> MapReader<'a> {
    fn new(node: &'a Node, entries: &'a [(Node, Node)], path: &str) -> Self {
        MapReader {
            node,
            entries,
            used: vec![false; entries.len()],
            known: Vec::new(),
            path: path.to_string(),
        }
    }

    /// The mapping node itself.
    pub fn node(&self) -> &'a Node {
        self.node
    }

    /// The path of this mapping (`spec.template`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path of one of its fields, for messages (`spec.replicas`).
    pub fn field_path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    fn find(&mut self, key: &'static str) -> Option<(&'a Node, &'a Node)> {
        self.known.push(key);
        let entries = self.entries;
        for ((k, v), used) in entries.iter().zip(self.used.iter_mut()) {
            if matches!(&k.value, Value::Str(s) if s == key) {
                *used = true;
                return Some((k, v));
            }
        }
        None
    }

    /// The value of `key`; a null value counts as absent, as in Kubernetes.
    pub fn take(&mut self, key: &'static str) -> Option<&'a Node> {
        self.find(key).map(|(_, v)| v).filter(|v| !v.is_null())
    }

    /// The key node and value of `key`, null values included.
    pub fn take_entry(&mut self, key: &'static str) -> Option<(&'a Node, &'a Node)> {
        self.find(key)
    }

    /// Whether the mapping has `key` (without consuming it).
    pub fn has(&self, key: &str) -> bool {
        self.entries
            .iter()
            .any(|(k, _)| matches!(&k.value, Value::Str(s) if s == key))
    }

    /// The value of a required `key`, or an error at the mapping.
    pub fn require(&mut self, key: &'static str, diags: &mut Diagnostics) -> Option<&'a Node> {
        let found = self.take(key);
        if found.is_none() {
            self.report_missing(key, diags);
        }
        found
    }

    /// Reports that `key` is missing, at the key of this mapping (or its start). Nothing is
    /// reported when an unknown key looks like a typo of it: [`MapReader::finish`] reports that
    /// one with a "did you mean" hint.
    pub fn report_missing(&self, key: &str, diags: &mut Diagnostics) {
        let typo = self.entries.iter().any(
            |(k, _)| matches!(&k.value, Value::Str(s) if s != key && closest(s, &[key]).is_some()),
        );
        if typo {
            return;
        }
        let at = self.node.key_origin.as_ref().unwrap_or(&self.node.origin);
        diags.push(Diagnostic::error(
            Some(at.clone()),
            format!("missing required field `{}`", self.field_path(key)),
        ));
    }

    /// Accepts and ignores fields that are valid here but not modelled.
    pub fn ignore(&mut self, keys: &[&'static str]) {
        for key in keys {
            let _ = self.find(key);
        }
    }

    /// Reports every field nobody asked for.
    pub fn finish(self, diags: &mut Diagnostics) {
        for ((k, _), used) in self.entries.iter().zip(&self.used) {
            if *used {
                continue;
            }
            let name = match &k.value {
                Value::Str(s) => s.clone(),
                other => other.describe(),
            };
            let where_ = if self.path.is_empty() {
                String::new()
            } else {
                format!(" in `{}`", self.path)
            };
            let mut d = Diagnostic::error(
                Some(k.origin.clone()),
                format!("unknown field `{name}`{where_}"),
            );
            let mut known = self.known.clone();
            known.sort_unstable();
            known.dedup();
            match closest(&name, &known) {
                Some(best) => d = d.with_hint(format!("did you mean `{best}`?")),
                None if !known.is_empty() => {
                    d = d.with_hint(format!("known fields here: {}", known.join(", ")));
                }
                None => {}
            }
            diags.push(d);
        }
    }
}

/// The candidate closest to `word` by edit distance, when it is close enough to be a typo.
pub fn closest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let word_l = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&word_l, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance with adjacent transpositions counted as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    let at = |i: usize, j: usize| i * w + j;
    for (i, cell) in d.iter_mut().step_by(w).enumerate() {
        *cell = i;
    }
    for (j, cell) in d.iter_mut().take(w).enumerate() {
        *cell = j;
    }
    for (i, ca) in a.iter().enumerate() {
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let get = |d: &Vec<usize>, i, j| d.get(at(i, j)).copied().unwrap_or(usize::MAX / 2);
            let mut best = (get(&d, i, j + 1) + 1)
                .min(get(&d, i + 1, j) + 1)
                .min(get(&d, i, j) + cost);
            if i > 0 && j > 0 && a.get(i - 1) == Some(cb) && b.get(j - 1) == Some(ca) {
                best = best.min(get(&d, i - 1, j - 1) + 1);
            }
            if let Some(cell) = d.get_mut(at(i + 1, j + 1)) {
                *cell = best;
            }
        }
    }
    d.get(at(a.len(), b.len())).copied().unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_positions() {
        let docs = parse_documents("a: 1\nb:\n  - x\n---\nc: true\n", "f.yaml").unwrap();
        assert_eq!(docs.len(), 2);
        let Value::Map(m) = &docs[0].value else {
            panic!()
        };
        assert_eq!(m[1].0.origin.line, 2);
        let Value::Seq(s) = &m[1].1.value else {
            panic!()
        };
        assert_eq!((s[0].origin.line, s[0].origin.column), (3, 5));
        assert_eq!(s[0].value, Value::Str("x".into()));
    }

    #[test]
    fn quoted_scalars_are_strings() {
        let doc = parse_document("a: \"80\"\nb: 80\n", "f").unwrap();
        let Value::Map(m) = &doc.value else { panic!() };
        assert_eq!(m[0].1.value, Value::Str("80".into()));
        assert_eq!(m[1].1.value, Value::Int(80));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = parse_documents("a: [1, 2\nb: 3\n", "f.yaml").unwrap_err();
        assert!(e.origin.is_some());
        let e = parse_documents("a: 1\na: 2\n", "f.yaml").unwrap_err();
        assert_eq!(
            e.message,
            "invalid YAML: duplicate mapping key `a` is not allowed here"
        );
        assert_eq!(e.origin.unwrap().line, 2);
    }

    #[test]
    fn unknown_fields_get_a_suggestion() {
        let doc = parse_document("spce: 1\n", "f").unwrap();
        let mut diags = Diagnostics::default();
        let mut m = doc.as_map("", &mut diags).unwrap();
        assert!(m.require("spec", &mut diags).is_none());
        m.finish(&mut diags);
        assert_eq!(diags.items().len(), 1, "the typo is reported once");
        let d = &diags.items()[0];
        assert_eq!(d.message, "unknown field `spce`");
        assert_eq!(d.hint.as_deref(), Some("did you mean `spec`?"));
    }

    #[test]
    fn closest_is_conservative() {
        assert_eq!(
            closest("replicsa", &["replicas", "selector"]),
            Some("replicas")
        );
        assert_eq!(closest("zzz", &["replicas"]), None);
    }
}
