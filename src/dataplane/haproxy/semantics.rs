//! The two ingress semantics the simulator runs: Contrail's (what its kube-manager and haproxy
//! driver do) and the Kubernetes spec's (what a spec-conformant ingress controller promises).
//! A run uses one; `contrail-sim diff` runs both and names where they part ways.

use std::fmt;

/// Which ingress semantics a run follows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Semantics {
    /// Contrail's haproxy driver: exact paths, the whole Host header, 503 when nothing matches,
    /// one loadbalancer per Ingress.
    #[default]
    Contrail,
    /// The Kubernetes Ingress spec: Exact and Prefix paths, wildcard hosts, the Host header's
    /// port ignored, 404 when nothing matches, every Ingress of the class in one rule table.
    Kubernetes,
}

impl Semantics {
    /// Both profiles, Contrail's first.
    pub const ALL: [Semantics; 2] = [Semantics::Contrail, Semantics::Kubernetes];

    /// The name written in scenarios and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Semantics::Contrail => "contrail",
            Semantics::Kubernetes => "kubernetes",
        }
    }

    /// The profile named `s` (exactly as [`Semantics::as_str`] writes it).
    pub fn parse(s: &str) -> Option<Semantics> {
        Semantics::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl fmt::Display for Semantics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Semantics::ALL {
            assert_eq!(Semantics::parse(s.as_str()), Some(s));
            assert_eq!(s.to_string(), s.as_str());
        }
        assert_eq!(Semantics::parse("Kubernetes"), None);
        assert_eq!(Semantics::default(), Semantics::Contrail);
    }
}
