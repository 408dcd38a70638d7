//! Trace records: what each component did with each packet, and each request's outcome. They
//! are written on the event hot path without formatting; renderers read them afterwards. Also
//! packet capture (`run --pcap`).

pub mod capture;
pub mod record;

pub use record::{
    Component, CurlExit, DropReason, Failure, FlowAction, Hop, HttpRule, NextHop, Outcome,
    RequestTrace, Step, Tag, Timeout, TraceLog,
};
