//! Kubernetes: typed objects, the manifest parser and its validation, and what the apiserver
//! stores.

pub mod annotations;
pub mod certificate;
pub mod manifest;
pub mod objects;
pub mod specs;
pub mod store;
pub mod validation;
