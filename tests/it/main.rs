//! The integration test binary; each module is one area.

mod bad_inputs;
mod cli;
mod components;
mod dataplane;
mod diff;
mod fuzz_parsers;
mod generate;
mod golden_traces;
mod haproxy_conf;
mod html_report;
mod pcap;
mod props;
mod real_haproxy;
mod reports;
mod runtime_errors;
mod seeds;
mod support;
mod sweep;
mod text_output;
