//! Scenario files: loading, validation and the validated model the runner executes.

pub mod address;
pub mod classify;
pub mod curl;
pub mod diff;
pub mod expect;
pub mod load;
pub mod model;
pub mod refs;
pub mod resolve;
pub mod run;
pub mod show;
pub mod template;
