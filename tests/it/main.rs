//! The integration test binary; each module is one area.

mod bad_inputs;
mod fuzz_parsers;
mod props;
mod real_haproxy;
