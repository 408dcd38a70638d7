//! Link rules beside the topology: each direction of a link is up unless a fault cut it. A
//! message or packet that crosses a cut direction is lost, like turmoil's partitions.

use std::collections::BTreeSet;

use super::NodeId;

/// The directions that are cut, as (from, to).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkRules {
    cut: BTreeSet<(NodeId, NodeId)>,
}

impl LinkRules {
    pub const fn new() -> LinkRules {
        LinkRules {
            cut: BTreeSet::new(),
        }
    }

    /// Whether something sent from `from` reaches `to`. Inside a node nothing is ever cut.
    pub fn passes(&self, from: NodeId, to: NodeId) -> bool {
        from == to || self.cut.is_empty() || !self.cut.contains(&(from, to))
    }

    /// Cuts (or restores) both directions between `a` and `b`.
    pub fn set(&mut self, a: NodeId, b: NodeId, up: bool) {
        for dir in [(a, b), (b, a)] {
            if up {
                self.cut.remove(&dir);
            } else {
                self.cut.insert(dir);
            }
        }
    }

    /// The cut directions, in order.
    pub fn cut(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.cut.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_link_drops_both_directions_until_restored() {
        let (a, b, c) = (NodeId(1), NodeId(2), NodeId(3));
        let mut rules = LinkRules::default();
        assert!(rules.passes(a, b));
        rules.set(a, b, false);
        assert!(!rules.passes(a, b) && !rules.passes(b, a));
        assert!(rules.passes(a, c) && rules.passes(a, a));
        rules.set(b, a, true);
        assert!(rules.passes(a, b) && rules.passes(b, a));
    }
}
