//! The integration test binary; each module is one area.

mod bad_inputs;
mod fuzz_parsers;
mod real_haproxy;
mod reports;
mod runtime_errors;
