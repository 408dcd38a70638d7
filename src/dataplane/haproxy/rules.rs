//! Placeholder rule evaluation, replaced by the full implementation.

use super::config::{Frontend, PoolRule};

pub fn select_pool<'a>(frontend: &'a Frontend, host_header: Option<&str>, path: &str) -> Option<&'a str> {
    let hit = frontend.pools.iter().find(|p| match &p.rule {
        PoolRule::Acl { host, path: rule_path } => {
            host.as_deref().is_none_or(|h| host_header.is_some_and(|x| x.eq_ignore_ascii_case(h)))
                && rule_path.as_deref().is_none_or(|rp| rp == path)
        }
        PoolRule::Default => false,
    });
    hit.or_else(|| frontend.pools.iter().rev().find(|p| p.rule == PoolRule::Default)).map(|p| p.pool_uuid.as_str())
}
