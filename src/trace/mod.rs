//! Trace records and their renderers: text for people, JSON Lines for programs.

pub mod record;

pub use record::{
    Component, DropReason, FlowAction, Hop, HttpRule, NextHop, Outcome, Step, Tag, TraceLog,
};
