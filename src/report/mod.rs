//! Renderers: they read recorded results and the world's final state, never change them.

pub mod charts;
pub mod compare;
pub mod curl_output;
pub mod diff;
pub mod jsonl;
pub mod names;
pub mod show;
pub mod sweep;
pub mod table;
pub mod text;
pub mod timeline;
pub mod trace;
