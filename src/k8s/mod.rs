//! Kubernetes: typed objects, what the apiserver stores, and the manifest parser.

pub mod objects;
pub mod store;
