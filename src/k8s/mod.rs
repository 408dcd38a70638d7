//! Kubernetes: typed objects and the manifest parser.

pub mod manifest;
pub mod objects;
pub mod specs;
pub mod validation;
