//! The haproxy.conf renderer and the L7 rules, checked against golden files, an independent
//! reference model and the real haproxy binary (the referee).
//!
//! The referee needs `haproxy` on `PATH` (or `$HAPROXY`): see `.ci/haproxy-deps.sh`. Without it
//! these tests fail, unless `CONTRAIL_SIM_SKIP_HAPROXY=1` is set outside CI.

pub(crate) mod arb;
mod book;
mod derive;
pub(crate) mod echo;
mod golden;
mod kubernetes;
mod model;
pub(crate) mod process;
pub(crate) mod referee;
pub(crate) mod spec_model;
pub(crate) mod tls;
