//! Expected-output files that hold for every seed. Besides literal text, such a file may hold
//! address placeholders (`{ingress/NAME.vip}`, `{service/NAME.clusterIP}`, ... as in curl
//! strings), resolved when the step runs, and `{uuid:N}`: the N-th distinct UUID of the text,
//! the same UUID wherever the same N appears. Everything else must match byte for byte.

use std::collections::BTreeMap;

use crate::scenario::curl::parse_placeholder;
use crate::scenario::model::AddressRef;

/// One piece of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Uuid(u32),
    Address(AddressRef),
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Reads a template; a `{` that opens no placeholder is literal text.
    pub fn parse(text: &str) -> Template {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let (before, from_brace) = rest.split_at(open);
            literal.push_str(before);
            let placeholder = from_brace.find('}').and_then(|close| {
                let inner = from_brace.get(1..close)?;
                let piece = match inner.strip_prefix("uuid:") {
                    Some(n) => Piece::Uuid(n.parse().ok()?),
                    None => Piece::Address(parse_placeholder(inner).ok()?),
                };
                Some((piece, close))
            });
            match placeholder {
                Some((piece, close)) => {
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(piece);
                    rest = from_brace.get(close + 1..).unwrap_or_default();
                }
                None => {
                    literal.push('{');
                    rest = from_brace.get(1..).unwrap_or_default();
                }
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Template { pieces }
    }

    /// Whether the template holds placeholders at all.
    pub fn is_literal(&self) -> bool {
        self.pieces.iter().all(|p| matches!(p, Piece::Text(_)))
    }

    /// The address placeholders the template names.
    pub fn addresses(&self) -> impl Iterator<Item = &AddressRef> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Address(a) => Some(a),
            _ => None,
        })
    }

    /// Matches `text`; `address` gives each placeholder's value. On a mismatch, returns the
    /// byte offset in `text` where it went wrong and what was expected there.
    pub fn matches(
        &self,
        text: &str,
        address: impl Fn(&AddressRef) -> Option<String>,
    ) -> Result<(), (usize, String)> {
        let mut at = 0;
        let mut uuids: BTreeMap<u32, &str> = BTreeMap::new();
        for piece in &self.pieces {
            let rest = text.get(at..).unwrap_or_default();
            match piece {
                Piece::Text(t) => {
                    if !rest.starts_with(t.as_str()) {
                        return Err((at, t.clone()));
                    }
                    at += t.len();
                }
                Piece::Uuid(n) => {
                    let candidate = rest.get(..36).filter(|c| is_uuid(c));
                    let Some(u) = candidate else {
                        return Err((at, format!("{{uuid:{n}}}")));
                    };
                    let bound = *uuids.entry(*n).or_insert(u);
                    let reused = uuids.iter().any(|(k, v)| *k != *n && *v == u);
                    if bound != u || reused {
                        return Err((at, format!("{{uuid:{n}}} ({bound})")));
                    }
                    at += 36;
                }
                Piece::Address(a) => {
                    let want = address(a).unwrap_or_else(|| a.to_string());
                    if !rest.starts_with(want.as_str()) {
                        return Err((at, format!("{a} ({want})")));
                    }
                    at += want.len();
                }
            }
        }
        if at == text.len() {
            Ok(())
        } else {
            Err((at, "the end of the file".to_string()))
        }
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0a1b2c3d-0000-4000-8000-000000000001";
    const B: &str = "0a1b2c3d-0000-4000-8000-000000000002";

    #[test]
    fn uuids_bind_consistently_and_literals_match_byte_for_byte() {
        let t = Template::parse("frontend {uuid:1}\n\tuse {uuid:2} if {uuid:2}_path\n");
        let ok = format!("frontend {A}\n\tuse {B} if {B}_path\n");
        assert_eq!(t.matches(&ok, |_| None), Ok(()));
        let swapped = format!("frontend {A}\n\tuse {B} if {A}_path\n");
        assert!(t.matches(&swapped, |_| None).is_err());
        let same = format!("frontend {A}\n\tuse {A} if {A}_path\n");
        assert!(t.matches(&same, |_| None).is_err(), "two N, two uuids");
        let tab = format!("frontend {A}\n    use {B} if {B}_path\n");
        assert!(t.matches(&tab, |_| None).is_err());
    }

    #[test]
    fn address_placeholders_resolve_and_other_braces_stay_literal() {
        let t = Template::parse("bind {ingress/ing.vip}:80 {not a placeholder}");
        assert!(!t.is_literal());
        assert_eq!(t.addresses().count(), 1);
        let vip = |_: &AddressRef| Some("10.47.255.252".to_string());
        assert_eq!(
            t.matches("bind 10.47.255.252:80 {not a placeholder}", vip),
            Ok(())
        );
        assert_eq!(
            t.matches("bind 10.47.255.251:80 {not a placeholder}", vip)
                .map_err(|e| e.0),
            Err(5)
        );
    }
}
