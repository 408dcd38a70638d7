//! Address pools: Contrail's IPAM hands out pod and VIP addresses from the top of the pod subnet
//! down; floating-IP pools hand out from the bottom up.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

/// A subnet to allocate host addresses from.
#[derive(Clone, Debug)]
pub struct Pool {
    first: u32,
    last: u32,
    top_down: bool,
    used: BTreeSet<u32>,
}

/// No address left in a pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exhausted;

impl Pool {
    /// Host addresses of `net/len` between the network and broadcast addresses, minus `reserved`
    /// addresses at the allocation end (Contrail's gateway and DNS for the pod subnet).
    pub fn new(subnet: Ipv4Net, top_down: bool, reserved: u32) -> Pool {
        let len = subnet.prefix_len();
        let size = if len >= 31 {
            2
        } else {
            1u32 << (32 - u32::from(len))
        };
        let base = u32::from(subnet.network());
        let (mut first, mut last) = (base + 1, base + size - 2);
        if top_down {
            last = last.saturating_sub(reserved);
        } else {
            first = first.saturating_add(reserved);
        }
        Pool {
            first,
            last,
            top_down,
            used: BTreeSet::new(),
        }
    }

    pub fn allocate(&mut self) -> Result<Ipv4Addr, Exhausted> {
        let pick = if self.top_down {
            (self.first..=self.last)
                .rev()
                .find(|a| !self.used.contains(a))
        } else {
            (self.first..=self.last).find(|a| !self.used.contains(a))
        };
        let a = pick.ok_or(Exhausted)?;
        self.used.insert(a);
        Ok(Ipv4Addr::from(a))
    }

    pub fn release(&mut self, addr: Ipv4Addr) {
        self.used.remove(&u32::from(addr));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_subnet_is_allocated_from_the_top_after_gateway_and_dns() {
        let mut pool = Pool::new(
            Ipv4Net::new_assert(Ipv4Addr::new(10, 32, 0, 0), 12),
            true,
            2,
        );
        assert_eq!(pool.allocate(), Ok(Ipv4Addr::new(10, 47, 255, 252)));
        assert_eq!(pool.allocate(), Ok(Ipv4Addr::new(10, 47, 255, 251)));
        pool.release(Ipv4Addr::new(10, 47, 255, 252));
        assert_eq!(pool.allocate(), Ok(Ipv4Addr::new(10, 47, 255, 252)));
    }

    #[test]
    fn floating_ips_come_from_the_bottom_and_run_out() {
        let mut pool = Pool::new(
            Ipv4Net::new_assert(Ipv4Addr::new(101, 101, 101, 0), 30),
            false,
            0,
        );
        assert_eq!(pool.allocate(), Ok(Ipv4Addr::new(101, 101, 101, 1)));
        assert_eq!(pool.allocate(), Ok(Ipv4Addr::new(101, 101, 101, 2)));
        assert_eq!(pool.allocate(), Err(Exhausted));
    }
}
