//! Placeholder renderer, replaced by the full Contrail-format renderer.

use super::config::{LbConfig, PoolRule};
use std::fmt::Write;

pub fn render(cfg: &LbConfig) -> String {
    let mut s = String::new();
    for f in &cfg.frontends {
        let _ = writeln!(s, "frontend {}\n\tbind {}:{} ", f.listener_uuid, cfg.vip, f.port);
        for p in &f.pools {
            match &p.rule {
                PoolRule::Default => {
                    let _ = writeln!(s, "\tdefault_backend {}", p.pool_uuid);
                }
                PoolRule::Acl { host, path } => {
                    let _ = writeln!(s, "\tacl {} {:?} {:?}", p.pool_uuid, host, path);
                }
            }
        }
    }
    s
}
