//! contrail-sim: a deterministic discrete-event simulator of a Kubernetes cluster networked by
//! Contrail (Tungsten Fabric).
//!
//! Data flows one way: [`scenario`] (file → validated model) → [`world`] (components exchanging
//! events on the [`sim`] engine) → [`trace`] records → renderers in [`report`].
//!
//! - [`sim`]: the engine: integer time, the event queue, seeded random streams.
//! - [`topology`]: the book's testbed and address plan.
//! - [`wire`]: typed packets.
//! - [`k8s`]: Kubernetes objects and manifests.
//! - [`control`]: apiserver, scheduler, controllers, kube-manager, svc-monitor, control node.
//! - [`dataplane`]: computes (agent, vRouter, pods, haproxy), gateway, internet host.
//! - [`routing`]: routes and best-path selection.
//! - [`sweep`]: one scenario over many seeds: each run reduced to its outcome, then tallied.
//! - [`generate`]: a cluster of any size written as a scenario and its manifests.

pub mod cli;
pub mod control;
pub mod dataplane;
pub mod diag;
pub mod generate;
pub mod k8s;
pub mod report;
pub mod routing;
pub mod scenario;
pub mod sim;
pub mod sweep;
pub mod topology;
pub mod trace;
pub mod wire;
pub mod world;
pub mod yaml;
