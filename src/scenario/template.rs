//! Expected output that holds for every seed. Besides literal text, an expected file may hold
//! address placeholders (`{ingress/NAME.vip}`, `{service/NAME.clusterIP}`, ... as in curl
//! strings), resolved when the step runs, and `{uuid:N}`: the N-th distinct UUID of the text,
//! the same UUID wherever the same N appears. Everything else must match byte for byte. A
//! `contains` fragment may hold address placeholders and node roles (`{ingress/NAME.active}`,
//! `{pod/NAME.node}`, `{NAME}` bound by `as:`), each replaced by what it names at run time.

use std::collections::{BTreeMap, BTreeSet};

use crate::scenario::curl::parse_placeholder;
use crate::scenario::model::{AddressRef, NodeRef};
use crate::scenario::refs::node_ref;

/// One piece of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Uuid(u32),
    Address(AddressRef),
    Node(NodeRef),
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Reads an expected file; a `{` that opens no placeholder is literal text.
    pub fn parse(text: &str) -> Template {
        Template::read(text, |inner| match inner.strip_prefix("uuid:") {
            Some(n) => Some(Piece::Uuid(n.parse().ok()?)),
            None => Some(Piece::Address(parse_placeholder(inner).ok()?)),
        })
    }

    /// Reads a `contains` fragment: address placeholders, and node roles of namespace `ns`
    /// or `aliases` bound earlier; any other `{` is literal text.
    pub fn fragment(text: &str, ns: &str, aliases: &BTreeSet<String>) -> Template {
        Template::read(text, |inner| {
            if let Ok(a) = parse_placeholder(inner) {
                return Some(Piece::Address(a));
            }
            match node_ref(&format!("{{{inner}}}"), ns).ok()? {
                NodeRef::Alias(a) if !aliases.contains(&a) => None,
                r => Some(Piece::Node(r)),
            }
        })
    }

    fn read(text: &str, placeholder: impl Fn(&str) -> Option<Piece>) -> Template {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let (before, from_brace) = rest.split_at(open);
            literal.push_str(before);
            let found = from_brace.find('}').and_then(|close| {
                let inner = from_brace.get(1..close)?;
                Some((placeholder(inner)?, close))
            });
            match found {
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

    /// The node roles the template names.
    pub fn nodes(&self) -> impl Iterator<Item = &NodeRef> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Node(n) => Some(n),
            _ => None,
        })
    }

    /// The text with every placeholder replaced by what `address` and `node` give; the first
    /// placeholder that names nothing now is the error.
    pub fn render(
        &self,
        address: impl Fn(&AddressRef) -> Option<String>,
        node: impl Fn(&NodeRef) -> Result<String, String>,
    ) -> Result<String, String> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Uuid(n) => out.push_str(&format!("{{uuid:{n}}}")),
                Piece::Address(a) => {
                    out.push_str(&address(a).ok_or_else(|| format!("{a} names nothing now"))?)
                }
                Piece::Node(n) => out.push_str(&node(n)?),
            }
        }
        Ok(out)
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
                // Expected files hold no node roles (`Template::parse` reads none).
                Piece::Node(_) => {}
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
    fn fragments_resolve_roles_and_bound_aliases_only() {
        let aliases: BTreeSet<String> = ["cut".to_string()].into();
        let t = Template::fragment(
            "{ingress/web.active} {cut} {other} {pod/c.ip}",
            "ns",
            &aliases,
        );
        assert_eq!(t.nodes().count(), 2);
        assert_eq!(t.addresses().count(), 1);
        let text = t.render(
            |_| Some("10.0.0.1".to_string()),
            |n| {
                Ok(match n {
                    NodeRef::Alias(_) => "cent333".to_string(),
                    _ => "cent222".to_string(),
                })
            },
        );
        assert_eq!(text.as_deref(), Ok("cent222 cent333 {other} 10.0.0.1"));
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
