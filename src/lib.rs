//! contrail-sim: a deterministic discrete-event simulator of a Kubernetes cluster networked by
//! Contrail (Tungsten Fabric).
//!
//! Data flows one way: [`scenario`] (file → validated model) → world → events → trace records →
//! renderers.

pub mod dataplane;
pub mod diag;
pub mod k8s;
pub mod scenario;
pub mod topology_names;
pub mod yaml;
