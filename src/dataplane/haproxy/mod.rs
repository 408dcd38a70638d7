//! haproxy for an Ingress: the configuration model, its rendering (Contrail's exact haproxy.conf,
//! or the Kubernetes profile's), how haproxy reads a configuration line, and the L7 rule
//! evaluation the proxy performs under each [`Semantics`].

pub mod cfgline;
pub mod config;
pub mod kubernetes;
pub mod render;
pub mod rules;
pub mod semantics;

pub use semantics::Semantics;

use config::{Frontend, LbConfig};

/// haproxy's decision for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice<'a> {
    /// The pool whose backend gets the request.
    Pool(&'a str),
    /// Contrail: no rule and no default backend; haproxy's 503 page.
    Unavailable,
    /// Kubernetes profile: no rule and no default backend; haproxy's 404 page.
    NotFound,
}

/// What haproxy running `cfg` does with a request on `frontend`, by the file's semantics.
pub fn choose<'a>(
    cfg: &LbConfig,
    frontend: &'a Frontend,
    host_header: Option<&str>,
    path: &str,
) -> Choice<'a> {
    match cfg.semantics {
        Semantics::Contrail => rules::select_pool(frontend, host_header, path)
            .map_or(Choice::Unavailable, Choice::Pool),
        Semantics::Kubernetes => {
            kubernetes::select(frontend, host_header, path).map_or(Choice::NotFound, Choice::Pool)
        }
    }
}
