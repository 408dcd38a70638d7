//! Address pools: Contrail's IPAM hands out pod and VIP addresses from the top of the pod subnet
//! down; floating-IP pools hand out from the bottom up.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

/// A subnet to allocate host addresses from, nearest the allocation end first.
///
/// Addresses are handed out in order from the allocation end up to a frontier; a released
/// address behind the frontier goes to `released` and is handed out again before the
/// frontier moves. So an allocation is `O(log n)` and picks the same address a scan from the
/// allocation end for the first unused one would.
#[derive(Clone, Debug)]
pub struct Pool {
    first: u32,
    last: u32,
    top_down: bool,
    /// Addresses handed out so far, counted from the allocation end (the frontier's distance).
    handed_out: u32,
    /// Released addresses behind the frontier, by their distance from the allocation end.
    released: BTreeSet<u32>,
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
            handed_out: 0,
            released: BTreeSet::new(),
        }
    }

    /// How many addresses the pool holds.
    fn capacity(&self) -> u32 {
        if self.last < self.first {
            0
        } else {
            self.last - self.first + 1
        }
    }

    /// The address `distance` steps from the allocation end.
    fn address(&self, distance: u32) -> Ipv4Addr {
        Ipv4Addr::from(if self.top_down {
            self.last - distance
        } else {
            self.first + distance
        })
    }

    /// The unused address nearest the allocation end.
    pub fn allocate(&mut self) -> Result<Ipv4Addr, Exhausted> {
        if let Some(d) = self.released.pop_first() {
            return Ok(self.address(d));
        }
        if self.handed_out >= self.capacity() {
            return Err(Exhausted);
        }
        self.handed_out += 1;
        Ok(self.address(self.handed_out - 1))
    }

    /// Gives an address back; one the pool did not hand out is ignored.
    pub fn release(&mut self, addr: Ipv4Addr) {
        let a = u32::from(addr);
        if !(self.first..=self.last).contains(&a) {
            return;
        }
        let d = if self.top_down {
            self.last - a
        } else {
            a - self.first
        };
        if d < self.handed_out {
            self.released.insert(d);
        }
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

    #[test]
    fn released_addresses_come_back_nearest_the_allocation_end_first() {
        let mut pool = Pool::new(Ipv4Net::new_assert(Ipv4Addr::new(10, 0, 0, 0), 29), true, 0);
        let got: Vec<_> = (0..4).filter_map(|_| pool.allocate().ok()).collect();
        assert_eq!(got[0], Ipv4Addr::new(10, 0, 0, 6));
        pool.release(got[2]);
        pool.release(got[0]);
        pool.release(Ipv4Addr::new(10, 0, 0, 1)); // never handed out: ignored
        assert_eq!(pool.allocate(), Ok(got[0]));
        assert_eq!(pool.allocate(), Ok(got[2]));
        assert_eq!(pool.allocate(), Ok(Ipv4Addr::new(10, 0, 0, 2)));
        assert_eq!(pool.allocate(), Ok(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(pool.allocate(), Err(Exhausted));
    }
}
