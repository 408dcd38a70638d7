//! Diagnostics: what went wrong in a user's input, where, and how to fix it.

use std::fmt;
use std::sync::Arc;

/// A position in a file a person wrote (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
}

impl Origin {
    pub fn new(file: impl Into<Arc<str>>, line: u32, column: u32) -> Self {
        Origin {
            file: file.into(),
            line,
            column,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub origin: Option<Origin>,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(origin: Option<Origin>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            origin,
            message: message.into(),
            hint: None,
        }
    }

    pub fn warning(origin: Option<Origin>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            origin,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match &self.origin {
            Some(o) => write!(f, "{o}: {level}: {}", self.message)?,
            None => write!(f, "{level}: {}", self.message)?,
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The process exit code for invalid input (bad YAML, unknown field, unknown reference, ...).
pub const EXIT_INVALID_INPUT: i32 = 2;

/// An ordered collection of diagnostics, errors and warnings mixed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(ds);
    }

    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// How many errors were collected.
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    /// Splits into (errors, warnings), each in the order found.
    pub fn split(self) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
        self.items.into_iter().partition(Diagnostic::is_error)
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(items: Vec<Diagnostic>) -> Self {
        Diagnostics { items }
    }
}

/// The texts of the files diagnostics point into, so rendering can quote the offending line.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: std::collections::BTreeMap<Arc<str>, Arc<str>>,
}

impl SourceMap {
    pub fn insert(&mut self, file: impl Into<Arc<str>>, text: impl Into<Arc<str>>) {
        self.files.insert(file.into(), text.into());
    }

    pub fn get(&self, file: &str) -> Option<&str> {
        self.files.get(file).map(|t| &**t)
    }

    /// Adds every file of `other`.
    pub fn merge(&mut self, other: SourceMap) {
        self.files.extend(other.files);
    }
}

/// Renders diagnostics for a person: `FILE:LINE:COLUMN: error: what`, the source line with a
/// caret under the column (when the file is in `sources`), then `= hint: ...`. Diagnostics are
/// separated by a blank line.
pub fn render(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for (i, d) in diags.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        render_one(d, sources, &mut out);
    }
    out
}

fn render_one(d: &Diagnostic, sources: &SourceMap, out: &mut String) {
    use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

    out.push_str(
        &d.to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .replace('\r', ""),
    );
    out.push('\n');
    let gutter;
    let snippet = d.origin.as_ref().and_then(|o| {
        let text = sources.get(&o.file)?;
        let line = text
            .split('\n')
            .nth(usize::try_from(o.line).ok()?.checked_sub(1)?)?;
        Some((o, line.strip_suffix('\r').unwrap_or(line)))
    });
    match snippet {
        Some((o, line)) => {
            let span = caret_span(line, o.column);
            let level = match d.severity {
                Severity::Error => Level::ERROR,
                Severity::Warning => Level::WARNING,
            };
            let report = [Group::with_level(level).element(
                Snippet::source(line)
                    .line_start(usize::try_from(o.line).unwrap_or(1))
                    .annotation(AnnotationKind::Primary.span(span)),
            )];
            let rendered = Renderer::plain().render(&report);
            gutter = " ".repeat(o.line.to_string().len() + 1);
            out.push_str(&rendered);
            out.push('\n');
        }
        None => gutter = "  ".to_string(),
    }
    if let Some(h) = &d.hint {
        out.push_str(&format!("{gutter}= hint: {h}\n"));
    }
}

/// The byte range to underline: the token starting at the 1-based character `column`.
fn caret_span(line: &str, column: u32) -> std::ops::Range<usize> {
    let col = usize::try_from(column).unwrap_or(1).saturating_sub(1);
    let start = line
        .char_indices()
        .nth(col)
        .map(|(i, _)| i)
        .unwrap_or(line.len());
    let rest = line.get(start..).unwrap_or_default();
    let mut chars = rest.char_indices();
    let len = match chars.next() {
        None => 0,
        Some((_, q @ ('"' | '\''))) => chars
            .find(|&(_, c)| c == q)
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(rest.len()),
        Some((_, c)) if "[{-".contains(c) => c.len_utf8(),
        Some(_) => rest
            .char_indices()
            .find(|&(i, c)| {
                c.is_whitespace()
                    || ",]}#".contains(c)
                    || (c == ':'
                        && rest
                            .get(i + 1..)
                            .is_none_or(|r| r.is_empty() || r.starts_with(' ')))
            })
            .map(|(i, _)| i)
            .unwrap_or(rest.len()),
    };
    // Never empty when there is a character to point at, and always on char boundaries.
    let first = rest.chars().next().map_or(0, char::len_utf8);
    start..start + if len == 0 { first } else { len }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_header_line_caret_and_hint() {
        let mut sources = SourceMap::default();
        sources.insert("m.yaml", "kind: Pod\nspce:\n  x: 1\n");
        let d = Diagnostic::error(Some(Origin::new("m.yaml", 2, 1)), "unknown field `spce`")
            .with_hint("did you mean `spec`?");
        let out = render(&[d], &sources);
        assert_eq!(
            out,
            "m.yaml:2:1: error: unknown field `spce`\n  |\n2 | spce:\n  | ^^^^\n  = hint: did you mean `spec`?\n"
        );
    }

    #[test]
    fn renders_without_source() {
        let d = Diagnostic::error(None, "no such file").with_hint("check the path");
        assert_eq!(
            render(&[d], &SourceMap::default()),
            "error: no such file\n  = hint: check the path\n"
        );
    }

    #[test]
    fn caret_spans() {
        assert_eq!(caret_span("  host: \"a b\"", 9), 8..13);
        assert_eq!(caret_span("abc", 10), 3..3);
        assert_eq!(caret_span("x: y", 1), 0..1);
        assert_eq!(caret_span("url: http://x", 6), 5..13);
    }

    /// Found by fuzzing: a caret on a multi-byte whitespace character cut it in half.
    #[test]
    fn regression_caret_on_multibyte_whitespace() {
        assert_eq!(caret_span("\u{2000}", 1), 0..3);
        let mut sources = SourceMap::default();
        sources.insert("f", "\u{2000}");
        let d = Diagnostic::error(Some(Origin::new("f", 1, 1)), "x");
        assert!(render(&[d], &sources).starts_with("f:1:1: error: x\n"));
    }
}
