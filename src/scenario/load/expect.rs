//! `expect:` of `show` and `curl` steps.

use super::{Loader, err, read_file};
use crate::scenario::model::{
    CurlExpect, ExpectedText, NextHopRef, NodeRef, RouteExpect, Show, ShowExpect,
};
use crate::scenario::template::Template;
use crate::trace::record::DISPOSITIONS;
use crate::yaml::Node;

/// The exit codes curl ends a simulated request with.
pub const CURL_EXIT_CODES: [u8; 6] = [0, 7, 28, 35, 52, 56];

impl Loader<'_> {
    pub(super) fn show_expect(&mut self, node: &Node, what: &Show) -> Option<ShowExpect> {
        let mut m = node.as_map("expect", &mut self.diags)?;
        let mut e = ShowExpect::default();
        if let Some(c) = m.take("contains") {
            e.contains = self.fragments(c, "`expect.contains`");
        }
        if let Some(c) = m.take("not_contains") {
            e.not_contains = self.fragments(c, "`expect.not_contains`");
        }
        if let Some(f) = m.take("equals_file")
            && let Some(rel) = f.as_nonempty_str("`expect.equals_file`", &mut self.diags)
        {
            let path = self.base_dir.join(rel);
            let shown = path.to_string_lossy().into_owned();
            match read_file(&path, &shown, Some(&f.origin)) {
                Ok(text) => {
                    let template = Template::parse(&text);
                    for a in template.addresses() {
                        let key = a.key(&self.namespace);
                        self.require_created(f, &key);
                    }
                    e.equals = Some(ExpectedText {
                        file: shown,
                        text,
                        template,
                    });
                }
                Err(d) => self.diags.push(d),
            }
        }
        if let Some(r) = m.take("routes") {
            if !matches!(what, Show::GatewayRoutes { .. } | Show::ControlRoutes) {
                self.diags.push(err(
                    r,
                    "`expect.routes` applies to `gateway routes` and `control routes` only",
                ));
            }
            for item in r
                .as_seq("`expect.routes`", &mut self.diags)
                .unwrap_or_default()
            {
                e.routes.extend(self.route_expect(item));
            }
        }
        m.finish(&mut self.diags);
        Some(e)
    }

    /// A list of fragments whose placeholders must name objects created earlier and roles
    /// the loader knows.
    fn fragments(&mut self, node: &Node, what: &str) -> Vec<(String, Template)> {
        let mut out = Vec::new();
        for item in node.one_or_many() {
            let Some(text) = item.as_str(what, &mut self.diags) else {
                continue;
            };
            let template = Template::fragment(text, &self.namespace, &self.aliases);
            for a in template.addresses() {
                let key = a.key(&self.namespace);
                self.require_created(item, &key);
            }
            let roles: Vec<NodeRef> = template.nodes().cloned().collect();
            for r in &roles {
                self.require_role(item, r);
            }
            out.push((text.to_string(), template));
        }
        out
    }

    fn route_expect(&mut self, node: &Node) -> Option<RouteExpect> {
        let mut m = node.as_map("expect.routes[]", &mut self.diags)?;
        let prefix = m.require("prefix", &mut self.diags).and_then(|p| {
            let s = p.as_str("`prefix`", &mut self.diags)?;
            let parsed = s.parse().ok();
            if parsed.is_none() {
                self.diags.push(
                    err(p, format!("{s:?} is not an IPv4 prefix"))
                        .with_hint("e.g. 101.101.101.1/32"),
                );
            }
            parsed
        });
        let next_hop = m.take("next_hop").and_then(|n| {
            let s = n.as_str("`next_hop`", &mut self.diags)?;
            if let Ok(ip) = s.parse() {
                return Some(NextHopRef::Address(ip));
            }
            if s.starts_with('{') {
                return self.compute(n, s).map(NextHopRef::Node);
            }
            self.diags
                .push(err(n, format!("{s:?} is not an IPv4 address")).with_hint(
                    "write the next hop's address, or a role such as {ingress/NAME.active}",
                ));
            None
        });
        let local_preference = m
            .take("local_preference")
            .and_then(|n| {
                n.as_int(
                    "`local_preference`",
                    0,
                    i128::from(u32::MAX),
                    &mut self.diags,
                )
            })
            .and_then(|v| u32::try_from(v).ok());
        let paths = m
            .take("paths")
            .and_then(|n| n.as_int("`paths`", 1, 4096, &mut self.diags))
            .and_then(|v| usize::try_from(v).ok());
        m.finish(&mut self.diags);
        Some(RouteExpect {
            prefix: prefix?,
            next_hop,
            local_preference,
            paths,
        })
    }

    pub(super) fn curl_expect(&mut self, node: &Node) -> Option<CurlExpect> {
        let mut m = node.as_map("expect", &mut self.diags)?;
        let before = self.diags.error_count();
        let mut e = CurlExpect {
            status: m
                .take("status")
                .and_then(|s| s.as_int("`expect.status`", 100, 599, &mut self.diags))
                .and_then(|s| u16::try_from(s).ok()),
            ..CurlExpect::default()
        };
        if let Some(s) = m.take("served_by") {
            e.served_by = self.served_by(s);
        }
        if let Some(b) = m.take("body_contains") {
            e.body_contains = b.as_str_list("`expect.body_contains`", &mut self.diags);
        }
        if let Some(v) = m.take("via") {
            for item in v.one_or_many() {
                e.via.extend(self.via(item));
            }
        }
        if let Some(d) = m.take("disposition")
            && let Some(s) = d.as_nonempty_str("`expect.disposition`", &mut self.diags)
        {
            if DISPOSITIONS.contains(&s) {
                e.disposition = Some(s.to_string());
            } else {
                self.diags.push(
                    err(d, format!("unknown disposition {s:?}"))
                        .with_hint(format!("one of: {}", DISPOSITIONS.join(", "))),
                );
            }
        }
        if let Some(x) = m.take("exit_code")
            && let Some(code) = x.as_int("`expect.exit_code`", 0, 255, &mut self.diags)
        {
            match u8::try_from(code)
                .ok()
                .filter(|c| CURL_EXIT_CODES.contains(c))
            {
                Some(c) => e.exit_code = Some(c),
                None => self.diags.push(
                    err(
                        x,
                        format!("curl never ends a simulated request with exit code {code}"),
                    )
                    .with_hint(
                        "0 (success), 7 (failed to connect), 28 (timed out), \
                             52 (empty reply), 56 (receive failure)",
                    ),
                ),
            }
        }
        m.finish(&mut self.diags);
        (self.diags.error_count() == before).then_some(e)
    }
}
