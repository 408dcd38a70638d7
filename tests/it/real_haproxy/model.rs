//! An independent reference model of the routing, read straight from the rendered haproxy.conf
//! text and the rules in prose: `acl` lines define `hdr(host) -i` (whole value, ASCII case
//! folded) and `path` (exact, query cut off; every blank-separated word before a `#` is a
//! pattern) tests; `use_backend ... if a b` needs every named
//! acl (an empty condition never holds: observed with haproxy 2.6); `use_backend` lines count in
//! file order, first match wins; else the last `default_backend`; else 503. Compared with
//! `select_pool` over generated cases (comma-separated Host values are left to the unit tests and
//! the real-haproxy referee).

use std::collections::HashMap;

use contrail_sim::dataplane::haproxy::render::render;
use proptest::prelude::*;

use super::arb::{self, Request};

enum Test {
    Host(String),
    Path(Vec<String>),
}

/// The backend the frontend section at `index` (0-based, file order) picks, or `None` (503).
fn route(conf: &str, index: usize, req: &Request) -> Option<String> {
    let section = conf
        .split("\nfrontend ")
        .nth(index + 1)
        .expect("frontend section")
        .split("\nbackend ")
        .next()
        .unwrap_or("");
    let path = match req.target.find('?') {
        Some(q) => &req.target[..q],
        None => &req.target,
    };
    let mut acls: HashMap<&str, Test> = HashMap::new();
    let mut default = None;
    for line in section.lines().skip(1) {
        let line = line.split('#').next().unwrap_or("");
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
            [kw, name, "hdr(host)", "-i", pat] if kw.trim() == "acl" => {
                acls.insert(name, Test::Host(pat.to_string()));
            }
            [kw, name, "path", pats @ ..] if kw.trim() == "acl" => {
                let pats = pats.iter().filter(|p| !p.is_empty()).map(|p| p.to_string());
                acls.insert(name, Test::Path(pats.collect()));
            }
            [kw, backend] if kw.trim() == "default_backend" => default = Some(*backend),
            [kw, backend, "if", conds @ ..] if kw.trim() == "use_backend" => {
                let names: Vec<&&str> = conds.iter().filter(|c| !c.is_empty()).collect();
                let holds = !names.is_empty()
                    && names.iter().all(|n| match &acls[**n] {
                        Test::Host(h) => {
                            req.host.as_ref().is_some_and(|v| v.eq_ignore_ascii_case(h))
                        }
                        Test::Path(p) => p.iter().any(|p| p == path),
                    });
                if holds {
                    return Some(backend.to_string());
                }
            }
            _ => {}
        }
    }
    default.map(str::to_owned)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn reference_model_agrees_with_select_pool(
        cfg in arb::lb_config(),
        requests in proptest::collection::vec(arb::request(false), 16),
    ) {
        let conf = render(&cfg);
        for (index, req) in &requests {
            let f = index % cfg.frontends.len();
            let model = route(&conf, f, req);
            let ours = req.expected(&cfg.frontends[f]);
            prop_assert_eq!(
                model.as_deref(), ours,
                "frontend {} request {:?}\n{}", f, req.raw(), conf
            );
        }
    }
}
