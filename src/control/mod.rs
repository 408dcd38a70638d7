//! The control plane: Kubernetes (apiserver, scheduler, controllers), Contrail's kube-manager and
//! svc-monitor with their configuration objects, and the control node that reflects routes.
//! The vRouter agent lives with its compute in [`crate::dataplane::compute`].

pub mod apiserver;
pub mod config;
pub mod control_node;
pub mod controllers;
pub mod ingress_table;
pub mod ingress_tls;
pub mod ipam;
pub mod kube_manager;
pub mod scheduler;
pub mod session;
pub mod svc_monitor;

pub use apiserver::ApiServer;
pub use control_node::ControlNode;
pub use controllers::ControllerManager;
pub use kube_manager::KubeManager;
pub use scheduler::Scheduler;
pub use svc_monitor::SvcMonitor;
