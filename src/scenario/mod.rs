//! Scenario files: loading, validation and the validated model the runner executes.

pub mod expect;
pub mod model;
pub mod run;
