//! Forwarding: vRouters, haproxy, the gateway and the hosts that send and answer requests.

pub mod haproxy;
