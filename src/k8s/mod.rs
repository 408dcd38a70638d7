//! Kubernetes: typed objects and the manifest parser.

pub mod objects;
