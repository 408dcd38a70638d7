//! haproxy as Contrail runs it for an Ingress: the configuration model, its rendering in
//! Contrail's exact haproxy.conf format, and the L7 rule evaluation the proxy performs.

pub mod config;
pub mod render;
pub mod rules;
