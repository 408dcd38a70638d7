//! Forwarding: compute nodes (vRouter agent, vRouter, pods, haproxy), the gateway and the
//! internet host, with the TCP and HTTP endpoints at the ends of each connection.

pub mod compute;
pub mod ecmp;
pub mod endpoint;
pub mod gateway;
pub mod haproxy;
pub mod internet_host;
pub mod proxy;
pub mod tcp;
pub mod vrouter;

pub use compute::Compute;
pub use gateway::Gateway;
pub use internet_host::InternetHost;
