//! Trace records written during a run (renderers for them live in `report`), and packet
//! capture.

pub mod capture;
pub mod record;

pub use record::{
    Component, DropReason, FlowAction, Hop, HttpRule, NextHop, Outcome, Step, Tag, TraceLog,
};
