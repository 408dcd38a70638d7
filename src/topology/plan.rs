//! The lab's address plan (reference section 1), shared by every topology: the Kubernetes
//! subnets, the floating-IP pools, the gateway's outside network and the BGP numbers.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

/// The flat pod subnet; Contrail's IPAM allocates from its top.
pub const POD_SUBNET: Ipv4Net = net(Ipv4Addr::new(10, 32, 0, 0), 12);
/// Service cluster IPs, allocated by kube-apiserver.
pub const SERVICE_SUBNET: Ipv4Net = net(Ipv4Addr::new(10, 96, 0, 0), 12);
/// The lab namespace's public pool `pool-ns-default` (virtual network `vn-ns-default`).
pub const NS_POOL: Ipv4Net = net(Ipv4Addr::new(101, 101, 101, 0), 24);
/// The cluster-wide `pool-global-default`; its subnet is this simulator's choice.
pub const GLOBAL_POOL: Ipv4Net = net(Ipv4Addr::new(102, 102, 102, 0), 24);
/// The internet side of the gateway.
pub const OUTSIDE: Ipv4Net = net(Ipv4Addr::new(15, 15, 15, 0), 24);
pub const GATEWAY_OUTSIDE: Ipv4Addr = Ipv4Addr::new(15, 15, 15, 1);
pub const INTERNET_HOST: Ipv4Addr = Ipv4Addr::new(15, 15, 15, 2);
/// The gateway's BGP and tunnel address.
pub const GATEWAY: Ipv4Addr = Ipv4Addr::new(192, 168, 0, 204);
/// The master's fabric address; computes follow it from 10.169.25.20 upward.
pub const MASTER: Ipv4Addr = Ipv4Addr::new(10, 169, 25, 19);
pub const FIRST_COMPUTE: Ipv4Addr = Ipv4Addr::new(10, 169, 25, 20);
/// The vRouter label the gateway advertises for its VRF's routes.
pub const GATEWAY_VRF_LABEL: u32 = 16;
pub const MPLS_OVER_UDP_PORT: u16 = 6635;
pub const BGP_AS_CONTRAIL: u32 = 60100;
pub const BGP_AS_GATEWAY: u32 = 13979;
pub const GATEWAY_VRF: &str = "k8s-test";

const fn net(address: Ipv4Addr, len: u8) -> Ipv4Net {
    Ipv4Net::new_assert(address, len)
}
